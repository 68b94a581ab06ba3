"""Which EGL device draws for a CUDA device. On a GPU node a scheduler (Ray) hands each worker
process a GPU by setting CUDA_VISIBLE_DEVICES, but EGL lists the machine's devices in an order
of its own; NVIDIA's EGL_NV_device_cuda extension tells which CUDA device each EGL device is.
CUDA numbers are those the process sees: 0 is the first of CUDA_VISIBLE_DEVICES."""

from __future__ import annotations

import ctypes
import ctypes.util

#: EGL_NV_device_cuda's attribute: the CUDA device number of an EGL device.
EGL_CUDA_DEVICE_NV = 0x323A


def egl_device_of_cuda(cuda: int) -> int | None:
    """The index (in eglQueryDevicesEXT's list, as moderngl's `device_index` takes it) of the EGL
    device that is CUDA device `cuda`; None where EGL cannot say (no NVIDIA driver, no
    EGL_EXT_device_query: Mesa's llvmpipe)."""
    try:
        egl = ctypes.CDLL(ctypes.util.find_library("EGL") or "libEGL.so.1")
    except OSError:
        return None
    egl.eglGetProcAddress.restype = ctypes.c_void_p
    egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    query_devices = egl.eglGetProcAddress(b"eglQueryDevicesEXT")
    query_attribute = egl.eglGetProcAddress(b"eglQueryDeviceAttribEXT")
    if not query_devices or not query_attribute:
        return None
    devices_fn = ctypes.CFUNCTYPE(
        ctypes.c_uint, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_int)
    )(query_devices)
    # EGLAttrib is intptr_t.
    attribute_fn = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_ssize_t))(
        query_attribute
    )
    count = ctypes.c_int(0)
    if not devices_fn(0, None, ctypes.byref(count)) or count.value < 1:
        return None
    devices = (ctypes.c_void_p * count.value)()
    if not devices_fn(count.value, devices, ctypes.byref(count)):
        return None
    for index in range(count.value):
        value = ctypes.c_ssize_t(-1)
        if attribute_fn(devices[index], EGL_CUDA_DEVICE_NV, ctypes.byref(value)) and value.value == cuda:
            return index
    return None

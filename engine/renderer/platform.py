"""Where OpenGL comes from: a headless EGL context or a glfw window, behind one interface.

The renderer only needs a moderngl context; everything it draws goes to its own offscreen
framebuffer, so headless and windowed output are the same pixels. A window additionally
shows that framebuffer and delivers input events.
"""

from __future__ import annotations

import moderngl

from .errors import RendererError

GL_VERSION = 330


def fit_to_screen(size: tuple[int, int], workarea: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down, keeping its aspect, until it fits `workarea` (the screen less its
    panels and docks); a size that fits already is kept. A window larger than the screen would
    open partly off it."""
    width, height = size
    scale = min(1.0, workarea[0] / width, workarea[1] / height)
    return max(1, int(width * scale)), max(1, int(height * scale))


class HeadlessPlatform:
    """An EGL context with no window: works on Mesa llvmpipe (no GPU) and on NVIDIA drivers.
    `device`: which of EGL's devices (egl_devices.py) draws, where a machine has several."""

    def __init__(self, device=None):
        # (Unannotated, as before: moderngl's stubs type the context's settings as dicts.)
        where = {} if device is None else {"device_index": int(device)}
        try:
            self.ctx = moderngl.create_standalone_context(require=GL_VERSION, backend="egl", **where)
        except Exception as exc:  # moderngl/glcontext raise bare Exceptions
            raise RendererError(
                f"cannot create a headless OpenGL {GL_VERSION // 100}.{GL_VERSION % 100 // 10} "
                f"context through EGL ({exc}); install libegl1 and libgl1-mesa-dri"
            ) from None

    def close(self) -> None:
        self.ctx.release()


class WindowPlatform:
    """A glfw window with an OpenGL 3.3 core context; shows frames and reports input."""

    def __init__(self, size: tuple[int, int], title: str):
        import glfw

        self._glfw = glfw
        glfw.ERROR_REPORTING = "ignore"  # failures are raised below with glfw's reason
        if not glfw.init():
            raise RendererError(
                f"cannot open a window ({self._reason()}); set DISPLAY, or use `run.py render` for headless output"
            )
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
        self.window = glfw.create_window(*self._fit(size), title, None, None)
        if not self.window:
            reason = self._reason()
            glfw.terminate()
            raise RendererError(f"cannot open a window with an OpenGL 3.3 core context ({reason})")
        glfw.make_context_current(self.window)
        glfw.swap_interval(1)
        self.ctx = moderngl.create_context(require=GL_VERSION)

    def _reason(self) -> str:
        code, description = self._glfw.get_error()
        # glfw's stubs say str; ctypes hands back the C string as bytes
        return description.decode(errors="replace") if description else f"glfw error {code}"  # type: ignore[attr-defined]

    def _fit(self, size: tuple[int, int]) -> tuple[int, int]:
        """`size` fitted to the primary monitor's work area (as it is, where none is known)."""
        monitor = self._glfw.get_primary_monitor()
        if not monitor:
            return size
        _, _, width, height = self._glfw.get_monitor_workarea(monitor)
        return fit_to_screen(size, (width, height)) if width > 0 and height > 0 else size

    def resize(self, size: tuple[int, int]) -> None:
        """Asks for a new window size, fitted to the screen; the framebuffer follows."""
        self._glfw.set_window_size(self.window, *self._fit(size))
        self._glfw.poll_events()

    def framebuffer_size(self) -> tuple[int, int]:
        return self._glfw.get_framebuffer_size(self.window)

    def screenshot(self, size: tuple[int, int]):
        """What the window shows, (height, width, 3) uint8, top row first."""
        import numpy as np

        w, h = size
        pixels = self.ctx.screen.read(viewport=(0, 0, w, h), components=3, alignment=1)
        return np.frombuffer(pixels, np.uint8).reshape(h, w, 3)[::-1].copy()

    def should_close(self) -> bool:
        return bool(self._glfw.window_should_close(self.window))

    def swap(self) -> None:
        self._glfw.swap_buffers(self.window)

    def poll(self) -> None:
        self._glfw.poll_events()

    def close(self) -> None:
        self.ctx.release()
        self._glfw.destroy_window(self.window)
        self._glfw.terminate()

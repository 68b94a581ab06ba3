"""A camera by index or device path, read on its own thread, keeping only the newest picture.

A camera delivers at its own pace. If tracking falls behind, older pictures are dropped rather
than queued, so the avatar always shows the present and never works through a backlog.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import sys
import threading
import time

import cv2
import numpy as np

from ...errors import OptionError

log = logging.getLogger("engine.drivers.face_tracking")

_LINUX = sys.platform.startswith("linux")


def _device(spec: str) -> tuple[int | str, str]:
    """(what OpenCV opens, the name to report): '0' or '' -> (0, '/dev/video0') on Linux and
    (0, 'camera 0') elsewhere; '/dev/video2' or a udev link to it -> (2, the path); any other
    path or URL is handed to OpenCV as it is."""
    spec = spec.strip() or "0"
    if spec.isdigit():
        return int(spec), f"/dev/video{spec}" if _LINUX else f"camera {spec}"
    node = re.fullmatch(r"/dev/video(\d+)", os.path.realpath(spec)) if _LINUX else None
    return (int(node.group(1)) if node else spec), spec


def open_capture(spec: str, width: int, height: int, fps: float):
    """(an opened cv2.VideoCapture, the device's name), or a ValueError that names the device
    and says what to try."""
    device, label = _device(spec)
    hint = "use webcam:N for /dev/videoN, or drive the avatar from a recording with video:FILE"
    if _LINUX and label.startswith("/dev/") and not os.path.exists(label):
        found = sorted(glob.glob("/dev/video*"))
        there = f"cameras here: {', '.join(found)}" if found else "no camera is attached to this machine"
        raise OptionError(f"{label}: no such camera ({there}); plug one in, or {hint}")
    cap = cv2.VideoCapture(device, cv2.CAP_V4L2 if _LINUX and isinstance(device, int) else cv2.CAP_ANY)
    if not cap.isOpened():
        cap.release()
        raise OptionError(
            f"{label}: cannot open the camera (is another program using it? may this user "
            f"read it, e.g. is it in the 'video' group?); or {hint}"
        )
    cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    cap.set(cv2.CAP_PROP_FPS, fps)
    cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver's own queue would add latency
    return cap, label


class Camera:
    """Pictures from `capture` (anything with OpenCV's `read()` and `release()`), each stamped
    with the `time.perf_counter()` at which it arrived."""

    def __init__(self, capture, label: str):
        self.label = label
        self._cap = capture
        self._cond = threading.Condition()
        self._newest: tuple[int, float, np.ndarray] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"camera:{label}", daemon=True)
        self.failed_reads = 0

    def start(self) -> None:
        self._thread.start()

    def wait_newest(self, after: int, timeout: float) -> tuple[int, float, np.ndarray] | None:
        """(sequence number, arrival time, BGR picture) of the newest picture if it is newer
        than sequence `after`, waiting up to `timeout` seconds for one; else None."""
        with self._cond:
            if self._newest is None or self._newest[0] <= after:
                self._cond.wait(timeout)
            newest = self._newest
        return newest if newest is not None and newest[0] > after else None

    def _loop(self) -> None:
        seq = 0
        while not self._stop.is_set():
            try:
                ok, bgr = self._cap.read()
            except Exception as exc:  # a driver error must not end the thread silently
                ok, bgr = False, None
                log.debug("%s: read failed: %s", self.label, exc)
            if not ok or bgr is None:
                self.failed_reads += 1
                if self.failed_reads == 1:
                    log.warning("%s: the camera delivered no picture (unplugged?); still trying", self.label)
                self._stop.wait(0.05)
                continue
            seq += 1
            with self._cond:
                self._newest = (seq, time.perf_counter(), bgr)
                self._cond.notify_all()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(1.0)
        if not self._thread.is_alive():  # never release under a read still in progress
            self._cap.release()

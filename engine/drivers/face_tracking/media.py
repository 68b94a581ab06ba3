"""Recorded pictures as frames on a media clock: a video file, or a folder of still images.

`newest(t)` gives the newest frame at or before media time `t` that has not been given yet,
decoding forward only. Sampling at media time is what makes an offline run deterministic: the
same video at the same frame rate always yields the same frames, however fast the machine.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import cv2
import numpy as np

from ...errors import FileError, OptionError

log = logging.getLogger("engine.drivers.face_tracking")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


class MediaFrames:
    """Frames with presentation times; subclasses give `_read() -> (seconds, BGR image) | None`."""

    label = ""
    duration: float | None = None

    def __init__(self):
        self._pending = None
        self._started = False
        self.ended = False

    def _read(self):
        raise NotImplementedError

    def _peek(self):
        if not self._started:
            self._started = True
            self._pending = self._read()
        if self._pending is None:
            self.ended = True
        return self._pending

    @property
    def next_time(self) -> float | None:
        """When the next frame is due, or None after the last."""
        pending = self._peek()
        return None if pending is None else pending[0]

    def newest(self, t: float) -> tuple[float, np.ndarray] | None:
        """The newest frame due at or before `t` (skipping older ones), or None if none is new."""
        found = None
        while (pending := self._peek()) is not None and pending[0] <= t + 1e-9:
            found, self._pending = pending, self._read()
        return found

    def close(self) -> None:
        pass


class VideoFile(MediaFrames):
    """A video file through OpenCV's FFmpeg, frames stamped with their own presentation times
    (so variable frame rates play at the right speed)."""

    def __init__(self, path: str | Path):
        super().__init__()
        self.label = str(path)
        if not Path(path).is_file():
            raise FileError(f"{path}: no such video file")
        self._cap = cv2.VideoCapture(str(path))
        if not self._cap.isOpened():
            raise FileError(f"{path}: OpenCV cannot read it as a video")
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        count = self._cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.fps = fps if fps > 0 else 30.0
        self.duration = count / self.fps if count > 0 else None
        self._index = 0

    def _read(self):
        ok, bgr = self._cap.read()
        if not ok:
            return None
        msec = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        seconds = msec / 1000.0 if msec > 0 or self._index == 0 else self._index / self.fps
        self._index += 1
        return seconds, bgr

    def close(self) -> None:
        self._cap.release()


def _natural_key(path: Path):
    """`frame2.png` before `frame10.png`."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


class ImageFolder(MediaFrames):
    """Still images in name order (numbers compared as numbers), one every 1/fps seconds."""

    def __init__(self, folder: str | Path, fps: float = 30.0):
        super().__init__()
        self.label = str(folder)
        folder = Path(folder)
        if not folder.is_dir():
            raise FileError(f"{folder}: no such folder of images")
        if not fps > 0:
            raise OptionError(f"{folder}: fps must be positive, got {fps}")
        self._paths = sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key)
        if not self._paths:
            raise FileError(f"{folder}: no images in it (expected {', '.join(sorted(IMAGE_SUFFIXES))})")
        self.fps = fps
        self.duration = len(self._paths) / fps
        self._index = 0

    def _read(self):
        while self._index < len(self._paths):
            path, k = self._paths[self._index], self._index
            self._index += 1
            bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if bgr is not None:
                return k / self.fps, bgr
            log.warning("%s: OpenCV cannot read it as an image; skipped", path)
        return None

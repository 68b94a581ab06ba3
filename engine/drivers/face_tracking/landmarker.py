"""MediaPipe's Face Landmarker (Tasks API) behind one small class: images in, detections out.

It runs in VIDEO mode for every input (camera, file, folder): the landmarks of one frame seed
the next, which is steadier and cheaper than detecting afresh, and the synchronous call lets the
caller decide which frame to track (the newest). VIDEO mode refuses a timestamp that does not
increase, so `detect` makes them strictly increasing itself.
"""

from __future__ import annotations

import zipfile
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from ...errors import FileError
from ...native_log import quiet_native_stderr

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "face_landmarker.task"

#: The landmarks on the face's outline, from MediaPipe's own connection table.
OUTLINE = np.array(sorted({c.start for c in vision.FaceLandmarksConnections.FACE_LANDMARKS_FACE_OVAL}))


@dataclass
class Detection:
    """One face as MediaPipe reports it, before any mapping to the engine's conventions.

    `names`/`scores`: its blendshapes in its own order. `matrix`: the 4x4 transform from its
    canonical face (centimetres) into camera space. `outline`: the face outline's landmarks,
    (x, y) as fractions of the image, which leave [0, 1] where the face leaves the picture.
    `landmarks`: all of MediaPipe's landmarks, unconverted, for who needs more; `size`: the
    image's (width, height) in pixels, which their x and y are fractions of.
    """

    names: tuple[str, ...]
    scores: np.ndarray
    matrix: np.ndarray
    outline: np.ndarray
    landmarks: list
    size: tuple[int, int] = (1, 1)

    def points(self, indices) -> np.ndarray:
        """(x, y) of the given landmarks, as fractions of the image."""
        return np.array([(self.landmarks[i].x, self.landmarks[i].y) for i in indices])


class Landmarker:
    """One tracked face per image. MediaPipe's graph is built on the first image and freed by
    `close()` (or `with`), so a source that is opened but never run holds none."""

    def __init__(
        self,
        model: str | Path | None = None,
        min_detection: float = 0.5,
        min_presence: float = 0.5,
        min_tracking: float = 0.5,
    ):
        path = Path(model) if model is not None else MODEL_PATH
        if not path.is_file():
            raise FileError(
                f"{path}: no Face Landmarker model there (expected a face_landmarker.task "
                f"bundle; the engine ships one at {MODEL_PATH})"
            )
        try:
            with zipfile.ZipFile(path) as bundle:
                members = bundle.namelist()
        except (OSError, zipfile.BadZipFile):
            members = []
        if "face_blendshapes.tflite" not in members:
            raise FileError(
                f"{path}: not a Face Landmarker bundle with blendshapes "
                "(expected a zip holding face_blendshapes.tflite)"
            )
        for name, value in (
            ("min_detection", min_detection),
            ("min_presence", min_presence),
            ("min_tracking", min_tracking),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Landmarker: {name} must be in [0, 1], got {value}")
        self.path = path
        self._options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            min_face_detection_confidence=min_detection,
            min_face_presence_confidence=min_presence,
            min_tracking_confidence=min_tracking,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._task: vision.FaceLandmarker | None = None
        self._last_ms = -1
        self._names: tuple[str, ...] = ()

    def detect(self, bgr: np.ndarray, seconds: float) -> Detection | None:
        """The face in an OpenCV (BGR, uint8) image taken at `seconds`, or None."""
        first = self._task is None
        if first:
            try:
                with quiet_native_stderr():
                    self._task = vision.FaceLandmarker.create_from_options(self._options)
            except (RuntimeError, ValueError) as exc:
                raise FileError(f"{self.path}: MediaPipe cannot load it as a Face Landmarker: {exc}") from None
        assert self._task is not None
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        ms = max(int(round(seconds * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        with quiet_native_stderr() if first else nullcontext():  # its first run warns about feedback tensors
            result = self._task.detect_for_video(image, ms)
        if not result.face_landmarks or not result.face_blendshapes:
            return None
        categories = result.face_blendshapes[0]
        if not self._names:  # one model, one list of names: read it once
            self._names = tuple(c.category_name for c in categories)
        landmarks = result.face_landmarks[0]
        return Detection(
            names=self._names,
            scores=np.fromiter((c.score for c in categories), np.float64, len(categories)),
            matrix=np.asarray(result.facial_transformation_matrixes[0], np.float64),
            outline=np.array([(landmarks[i].x, landmarks[i].y) for i in OUTLINE]),
            landmarks=landmarks,
            size=(bgr.shape[1], bgr.shape[0]),
        )

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
            self._task = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

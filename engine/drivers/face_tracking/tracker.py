"""Images in, FaceFrames out: what every face-tracking source does to a picture, whatever its input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...filters import CapturingCalibration, Smooth
from ...frame import FaceFrame
from .landmarker import Detection, Landmarker
from .mapping import FaceMapper, gaze
from .mirror import mirror_frame

#: One Euro settings for MediaPipe's output, chosen on real pictures (`python -m bench.webcam`
#: prints the figures): on a still face in a noisy, slightly shaking 30 fps picture they cut the
#: worst channel's jitter about 3x and the head's about 6x (to some 0.03 degrees), while the mouth
#: lags the raw scores by 7-15 ms on talking faces and a sudden jaw opening is half there on its
#: first frame. The engine-wide defaults (0.5, 2.0) smooth a little more, but a small jaw step
#: reaches half way a frame later.
SMOOTH = {"min_cutoff": 1.0, "beta": 3.0, "head_min_cutoff": 1.0, "head_beta": 1.0}


class FaceTracker:
    """The Face Landmarker, the mapping to the engine's conventions, then this source's own
    filters: mirror, neutral-pose calibration (from the first `calibrate` frames with a face),
    and smoothing; the eye gaze is read from the final weights.

    Smoothing restarts when a face is found again after a loss, so the avatar does not glide
    from where the face was lost to where it came back (the mixer fades it in instead).
    """

    def __init__(
        self,
        landmarker: Landmarker,
        source: str,
        mirror: bool = False,
        smooth: dict | None = SMOOTH,
        calibrate: int = 0,
    ):
        if calibrate < 0:
            raise ValueError(f"{source}: calibrate must be a number of frames >= 0, got {calibrate}")
        self.landmarker, self.source, self.mirror = landmarker, source, mirror
        self._mapper = FaceMapper()
        self._smooth_settings = smooth
        self._smooth: Smooth | None = None
        self.calibration = CapturingCalibration(calibrate) if calibrate else None
        self.detection: Detection | None = None  # the newest detection, for overlays
        self.picture: np.ndarray | None = None  # the newest image tracked (BGR), for a side view

    def track(self, bgr: np.ndarray, seconds: float) -> FaceFrame | None:
        """The face in an image taken at `seconds` (media or capture time), or None."""
        self.picture = bgr
        self.detection = detection = self.landmarker.detect(bgr, seconds)
        if detection is None:
            self._smooth = None
            return None
        frame = self._mapper.frame(detection, seconds, self.source)
        if self.mirror:
            frame = mirror_frame(frame)
        if self.calibration is not None:
            frame = self.calibration(frame)
        if self._smooth_settings is not None:
            if self._smooth is None:
                self._smooth = Smooth(**self._smooth_settings)
            frame = self._smooth(frame)
        return replace(frame, eyes=gaze(frame.weights))

    def close(self) -> None:
        self.landmarker.close()

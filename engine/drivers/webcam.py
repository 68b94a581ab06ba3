"""`webcam:N`, `video:FILE` and `images:DIR`: a face tracked by MediaPipe drives the avatar.

    webcam:0                          the first camera (/dev/video0 on Linux), live
    webcam:/dev/video2?width=1280&height=720&fps=30
    video:face.mp4                    a recording; offline, its length is the run's duration
    video:frames/  or  images:frames/?fps=25    still images in name order, `fps` a second

Options, all optional:
    mirror=true        the selfie view: the avatar acts as your reflection (by default your
                       left drives the avatar's left, like a person facing you)
    calibrate=N        neutral pose: the first N frames with a face are your relaxed face, and
                       every later frame is measured from it (sit still and relaxed at start)
    smooth=false       no One Euro smoothing (on by default, tuned for MediaPipe)
    min_cutoff=, beta= the One Euro settings of the weights (see engine/filters.py)
    model=PATH         another face_landmarker.task bundle than the one the engine ships
and the layer options every source takes (priority, channels, head, fade, stale_after, ...).
Here stale_after defaults to 0.2 s and fade to 0.3 s: a lost face holds briefly, then eases to
idle within 0.5 s. MediaPipe is imported only when one of these sources is opened, and its
graph is built on the first picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import OptionError
from ..options import LayerOptions

PRIORITY = 10  # like the phone mocap sources: above idle, below what is layered on top


@dataclass
class TrackingOptions(LayerOptions):
    """What every tracked face takes (the module's docstring says what each does)."""

    mirror: bool = False
    calibrate: int = 0  # frames
    smooth: bool = True
    min_cutoff: float | None = None  # None: the tracker's own tuning (tracker.SMOOTH)
    beta: float | None = None
    model: str | None = None
    priority: int | None = PRIORITY


@dataclass
class WebcamOptions(TrackingOptions):
    width: int = 640
    height: int = 480
    fps: float = 30.0


@dataclass
class VideoOptions(TrackingOptions):
    fps: float | None = None  # pictures a second of a folder (default 30); a video file has its own


@dataclass
class ImagesOptions(TrackingOptions):
    fps: float = 30.0


def _tracking(label: str, options: TrackingOptions, sizes: dict[str, float]) -> tuple:
    """The layer rule and the tracker (its model checked, MediaPipe's graph not built until the
    first picture), validated with the input's own `sizes` before any input is opened."""
    from .face_tracking.landmarker import Landmarker
    from .face_tracking.sources import FADE, STALE_AFTER
    from .face_tracking.tracker import SMOOTH, FaceTracker

    if options.calibrate < 0:
        raise OptionError(f"{label}: calibrate must be a whole number of frames, got {options.calibrate}")
    for key, value in sizes.items():
        if not value > 0:
            raise OptionError(f"{label}: {key} must be positive, got {value:g}")
    smooth: dict[str, float] | None = dict(
        SMOOTH,
        min_cutoff=SMOOTH["min_cutoff"] if options.min_cutoff is None else options.min_cutoff,
        beta=SMOOTH["beta"] if options.beta is None else options.beta,
    )
    if not options.smooth:
        smooth = None
    rule = options.rule(label, stale_after=STALE_AFTER, fade=FADE)
    return rule, FaceTracker(Landmarker(options.model), label, options.mirror, smooth, options.calibrate)


def open_webcam(rest: str, options: WebcamOptions):
    label = f"webcam:{rest or 0}"
    rule, tracker = _tracking(label, options, {"width": options.width, "height": options.height, "fps": options.fps})
    from .face_tracking.camera import Camera, open_capture
    from .face_tracking.sources import CameraSource

    capture, device = open_capture(rest, options.width, options.height, options.fps)
    return CameraSource(Camera(capture, device), tracker, rule)


def _recording(label: str, path: str, options: VideoOptions | ImagesOptions, folder: bool):
    if not path:
        raise OptionError(f"{label}: name a file or folder, e.g. video:face.mp4 or images:frames/")
    folder = folder or Path(path).is_dir()
    if not folder and options.fps is not None:
        raise OptionError(f"{label}: fps={options.fps:g} is for a folder of pictures; a video file has its own rate")
    fps = 30.0 if options.fps is None else options.fps
    rule, tracker = _tracking(label, options, {"fps": fps} if folder else {})
    from .face_tracking.media import ImageFolder, VideoFile
    from .face_tracking.sources import RecordingSource

    frames = ImageFolder(path, fps) if folder else VideoFile(path)
    return RecordingSource(frames, tracker, rule)


def open_video(rest: str, options: VideoOptions):
    return _recording(f"video:{rest}", rest, options, folder=False)


def open_images(rest: str, options: ImagesOptions):
    return _recording(f"images:{rest}", rest, options, folder=True)

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

from pathlib import Path

from ..errors import OptionError
from ..options import layer_rule, pop_bool, pop_float, reject_unknown

PRIORITY = 10  # like the phone mocap sources: above idle, below what is layered on top


def _tracking_options(label: str, options: dict, extra: dict) -> tuple:
    """The layer rule, the tracker (its model checked, MediaPipe's graph not built until the
    first picture) and the input's own options, all validated before any input is opened."""
    from .face_tracking.landmarker import Landmarker
    from .face_tracking.sources import FADE, STALE_AFTER
    from .face_tracking.tracker import SMOOTH, FaceTracker

    mirror = pop_bool(options, "mirror", False)
    calibrate = pop_float(options, "calibrate", 0)
    if calibrate < 0 or calibrate != int(calibrate):
        raise OptionError(f"{label}: calibrate must be a whole number of frames, got {calibrate:g}")
    smooth: dict[str, float] | None = dict(
        SMOOTH,
        min_cutoff=pop_float(options, "min_cutoff", SMOOTH["min_cutoff"]),
        beta=pop_float(options, "beta", SMOOTH["beta"]),
    )
    if not pop_bool(options, "smooth", True):
        smooth = None
    model = options.pop("model", None)
    values = {key: pop_float(options, key, default) for key, default in extra.items()}
    for key, value in values.items():
        if not value > 0:
            raise OptionError(f"{label}: {key} must be positive, got {value:g}")
    options.setdefault("stale_after", STALE_AFTER)
    options.setdefault("fade", FADE)
    rule = layer_rule(label, options, priority=PRIORITY)
    reject_unknown(label, options)
    return rule, FaceTracker(Landmarker(model), label, mirror, smooth, int(calibrate)), values


def open_webcam(rest: str, options: dict):
    label = f"webcam:{rest or 0}"
    rule, tracker, v = _tracking_options(label, options, {"width": 640, "height": 480, "fps": 30})
    from .face_tracking.camera import Camera, open_capture
    from .face_tracking.sources import CameraSource

    capture, device = open_capture(rest, int(v["width"]), int(v["height"]), v["fps"])
    return CameraSource(Camera(capture, device), tracker, rule)


def _recording(label: str, path: str, options: dict, folder: bool):
    if not path:
        raise OptionError(f"{label}: name a file or folder, e.g. video:face.mp4 or images:frames/")
    folder = folder or Path(path).is_dir()
    rule, tracker, v = _tracking_options(label, options, {"fps": 30.0} if folder else {})
    from .face_tracking.media import ImageFolder, VideoFile
    from .face_tracking.sources import RecordingSource

    frames = ImageFolder(path, v["fps"]) if folder else VideoFile(path)
    return RecordingSource(frames, tracker, rule)


def open_video(rest: str, options: dict):
    return _recording(f"video:{rest}", rest, options, folder=False)


def open_images(rest: str, options: dict):
    return _recording(f"images:{rest}", rest, options, folder=True)

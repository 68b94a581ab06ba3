"""Face-tracking sources: a camera, and recorded pictures (a video file or a folder of images).

Offline, a recording is sampled at media time on the pipeline's thread, so a run is
deterministic. Live, tracking runs on a thread of its own and the pipeline takes the newest face,
stamped with its arrival on the pipeline clock.

When the face is lost, or the recording ends, nothing new arrives: the last face holds for the
layer's `stale_after` and the mixer then fades the layer out over `fade`, so with the defaults
below (0.2 s + 0.3 s) idle motion has the avatar within 0.5 s, and a face that comes back fades
in over `fade`. Nothing raises, and the avatar never freezes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from ...frame import FaceFrame
from ...mixer import LayerRule
from .camera import Camera
from .media import MediaFrames
from .tracker import FaceTracker

log = logging.getLogger("engine.drivers.face_tracking")

STALE_AFTER = 0.2  # seconds a lost face holds still
FADE = 0.3  # seconds to ease out to idle, and back in


class _Newest:
    """The newest face a thread found; restamped on the pipeline clock when first seen, never
    ahead of the tick that sees it."""

    def __init__(self):
        self._slot: tuple[int, FaceFrame | None, float | None] = (0, None, None)
        self._seen = 0
        self._current: FaceFrame | None = None

    def publish(self, frame: FaceFrame, arrived: float | None) -> None:
        self._slot = (self._slot[0] + 1, frame, arrived)

    def at(self, t: float) -> FaceFrame | None:
        seq, frame, arrived = self._slot
        if seq != self._seen and frame is not None:  # a new slot always holds a frame
            self._seen = seq
            self._current = replace(frame, t=t if arrived is None else min(arrived, t))
        return self._current


class _TrackingSource:
    """What the camera and recording sources share: the tracker, the layer rule, the thread."""

    duration: float | None = None

    def __init__(self, tracker: FaceTracker, rule: LayerRule):
        self.tracker, self.rule, self.name = tracker, rule, rule.name
        self._newest = _Newest()
        self._clock = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0

    def picture(self):
        """The newest picture tracked (BGR), for a view beside the avatar; None before the first."""
        return self.tracker.picture

    def _start_thread(self, target) -> None:
        self._thread = threading.Thread(target=target, name=f"source:{self.name}", daemon=True)
        self._thread.start()

    def _arrival(self) -> float | None:
        now = getattr(self._clock, "now", None)
        return now() if now is not None else None

    def _track_and_publish(self, bgr, seconds: float) -> None:
        """On a thread: a failure is logged (the first time) and the layer fades, nothing raises."""
        try:
            frame = self.tracker.track(bgr, seconds)
        except Exception as exc:
            self._failures += 1
            if self._failures == 1:
                log.warning("%s: tracking failed: %s (further failures are counted, not logged)", self.name, exc)
            return
        if frame is not None:
            self._newest.publish(frame, self._arrival())

    def _stop_thread(self) -> bool:
        """True once no thread is inside the tracker, so it may be closed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            return not self._thread.is_alive()
        return True


class RecordingSource(_TrackingSource):
    """A video file or a folder of images. Offline its length is the run's duration."""

    def __init__(self, frames: MediaFrames, tracker: FaceTracker, rule: LayerRule):
        super().__init__(tracker, rule)
        self.frames, self.duration = frames, frames.duration
        self._live = False
        self._current: FaceFrame | None = None
        self._media_start = 0.0

    def start(self, clock) -> None:
        self._clock, self._live = clock, clock.live

    def frame_at(self, t: float) -> FaceFrame | None:
        if self._live:
            if self._thread is None:  # media time starts with the first tick, not at start()
                self._media_start = time.perf_counter() - t
                self._start_thread(self._play)
            return self._newest.at(t)
        newest = self.frames.newest(t)
        if newest is not None:
            frame = self.tracker.track(newest[1], newest[0])
            self._current = frame if frame is not None else self._current
        return self._current

    def _play(self) -> None:
        """Live: track the newest frame due on the media clock, sleeping until the next is due."""
        while not self._stop.is_set():
            media = time.perf_counter() - self._media_start
            newest = self.frames.newest(media)
            if newest is not None:
                self._track_and_publish(newest[1], newest[0])
                continue
            due = self.frames.next_time
            if due is None:
                return  # the recording ended: the layer goes stale and fades to idle
            self._stop.wait(max(0.0, due - media))

    def stop(self) -> None:
        if self._stop_thread():  # nothing is inside the tracker or the decoder any more
            self.tracker.close()
            self.frames.close()


class CameraSource(_TrackingSource):
    """A live camera: pictures on the camera's thread, tracking on this source's thread."""

    def __init__(self, camera: Camera, tracker: FaceTracker, rule: LayerRule):
        super().__init__(tracker, rule)
        self.camera = camera

    def start(self, clock) -> None:
        self._clock = clock
        self.camera.start()
        self._start_thread(self._follow)

    def frame_at(self, t: float) -> FaceFrame | None:
        return self._newest.at(t)

    def _follow(self) -> None:
        seq = 0
        while not self._stop.is_set():
            newest = self.camera.wait_newest(seq, timeout=0.1)
            if newest is not None:
                seq, arrived, bgr = newest
                self._track_and_publish(bgr, arrived)

    def stop(self) -> None:
        if self._stop_thread():
            self.tracker.close()
        self.camera.stop()

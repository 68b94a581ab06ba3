"""Sources -> mixer -> filters -> sinks, on an offline (media) clock or a real-time one.

Sources and sinks are made from their URIs by engine/registry.py. Offline, every tick is
computed in order as fast as possible and every sink sees every frame: deterministic. Live,
ticks are paced to the frame rate, sources run on their own threads and keep only their newest
frame, and each sink gets its own worker with a one-frame mailbox, so a slow or failing sink
drops frames or is retried instead of stalling the others.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from . import arkit
from .frame import FaceFrame
from .mixer import LayerRule, Mixer
from .rig.rig import Pose, Rig

log = logging.getLogger("engine.pipeline")


class Source(Protocol):
    """Produces FaceFrames. `frame_at(t)` is the newest frame at or before pipeline time `t`."""

    name: str
    rule: LayerRule  # how it joins the mix (priority, channels, head)
    duration: float | None  # media length when offline, None when endless or live

    def start(self, clock: Clock) -> None: ...
    def frame_at(self, t: float) -> FaceFrame | None: ...
    def stop(self) -> None: ...


@dataclass
class RunContext:
    """What a sink may need when it opens: the clock, the avatar and rig if there is one, and
    the sources (a window may show a camera's picture beside the avatar)."""

    clock: Clock
    avatar: object = None  # engine.rig.asset.Avatar
    rig: Rig | None = None
    sources: list = field(default_factory=list)


class Sink(Protocol):
    """Consumes frames; `pose` is the rig's pose for sinks that draw the avatar, else None."""

    name: str
    needs_pose: bool

    def open(self, run: RunContext) -> None: ...
    def write(self, frame: FaceFrame, pose: Pose | None) -> None: ...
    def close(self) -> None: ...


# -- clocks ------------------------------------------------------------------------------------


class Clock:
    """Yields tick times in seconds. `live` says whether sources run on their own threads."""

    live = False

    def __init__(self, fps: float, duration: float | None):
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps, self.duration = float(fps), duration
        self.dropped = 0

    def ticks(self, stop: threading.Event):
        raise NotImplementedError


class OfflineClock(Clock):
    """Media time: tick k is at k / fps, computed as fast as the sinks allow."""

    def ticks(self, stop):
        if self.duration is None:
            raise ValueError("an offline run needs a duration (or a source with one)")
        for k in range(int(round(self.duration * self.fps))):
            if stop.is_set():
                return
            yield k / self.fps


class RealtimeClock(Clock):
    """Wall time from the start, paced to the frame rate; late ticks are skipped, and counted."""

    live = True
    _start = time.perf_counter()

    def ticks(self, stop):
        period = 1.0 / self.fps
        self._start = start = time.perf_counter()
        k = 0
        while not stop.is_set():
            t = k * period
            if self.duration is not None and t >= self.duration:
                return
            wait = start + t - time.perf_counter()
            if wait > 0:
                stop.wait(wait)
            elif -wait > period:  # more than a frame late: skip to now
                skipped = int(-wait / period)
                self.dropped += skipped
                k += skipped
                t = k * period
            yield t
            k += 1

    def now(self) -> float:
        """Seconds on the pipeline clock, for live sources to stamp what arrives."""
        return time.perf_counter() - self._start


# -- sink isolation ----------------------------------------------------------------------------


@dataclass
class SinkHealth:
    written: int = 0
    dropped: int = 0
    errors: int = 0
    last_error: str = ""


class IsolatedSink:
    """Runs a sink on its own thread with a one-frame mailbox: the newest frame wins.

    The sink opens, writes and closes on that thread (an OpenGL context belongs to the thread
    that made it); an error while opening is raised to the caller of `start`. A sink that
    raises while writing is reported and retried on later frames, backing off up to
    `max_backoff` seconds, so a UDP target that is down or a full disk never stops the run.
    """

    def __init__(self, sink: Sink, max_backoff: float = 2.0):
        self.sink, self.health, self.max_backoff = sink, SinkHealth(), max_backoff
        self._slot: tuple | None = None
        self._cond = threading.Condition()
        self._closing = False
        self._opened = threading.Event()
        self._open_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"sink:{sink.name}", daemon=True)
        self._retry_at = 0.0

    def start(self, run: RunContext) -> None:
        self._run_context = run
        self._thread.start()
        self._opened.wait()
        if self._open_error is not None:
            raise self._open_error

    def offer(self, frame: FaceFrame, pose: Pose | None) -> None:
        with self._cond:
            if self._slot is not None:
                self.health.dropped += 1
            self._slot = (frame, pose)
            self._cond.notify()

    def _run(self):
        try:
            self.sink.open(self._run_context)
        except BaseException as exc:
            self._open_error = exc
            self._opened.set()
            return
        self._opened.set()
        try:
            self._loop()
        finally:
            try:
                self.sink.close()
            except Exception as exc:
                log.warning("sink %s failed to close: %s", self.sink.name, exc)

    def _loop(self):
        backoff = 0.05
        while True:
            with self._cond:
                while self._slot is None and not self._closing:
                    self._cond.wait()
                if self._slot is None and self._closing:
                    return
                frame, pose = self._slot
                self._slot = None
            if time.monotonic() < self._retry_at:
                self.health.dropped += 1
                continue
            try:
                self.sink.write(frame, pose)
                self.health.written += 1
                backoff = 0.05
            except Exception as exc:  # a sink's failure is reported, never fatal
                self.health.errors += 1
                if self.health.last_error != str(exc):
                    log.warning("sink %s failed: %s (will retry)", self.sink.name, exc)
                self.health.last_error = str(exc)
                self._retry_at = time.monotonic() + backoff
                backoff = min(backoff * 2, self.max_backoff)

    def close(self, timeout: float = 10.0):
        """Lets the sink finish its last frame and close (flushing a recording)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout)


# -- the pipeline ------------------------------------------------------------------------------


class DurationHistogram:
    """Percentiles of durations in constant memory, so a run of hours does not grow.

    Log-spaced bins from 1 us to 10 s, each 0.5% wide: a percentile is exact to that.
    """

    _EDGES = np.geomspace(1e-6, 10.0, int(np.log(1e7) / np.log(1.005)) + 1)

    def __init__(self):
        self.counts = np.zeros(len(self._EDGES) + 1, np.int64)

    def add(self, seconds: float) -> None:
        self.counts[np.searchsorted(self._EDGES, seconds)] += 1

    def percentile(self, q: float) -> float:
        total = self.counts.sum()
        if not total:
            return 0.0
        i = int(np.searchsorted(np.cumsum(self.counts), q / 100.0 * total))
        return float(self._EDGES[min(i, len(self._EDGES) - 1)])


@dataclass
class RunStats:
    frames: int = 0
    dropped_ticks: int = 0
    frame_times: DurationHistogram = field(default_factory=DurationHistogram)  # work per tick
    sinks: dict[str, SinkHealth] = field(default_factory=dict)  # live sinks on their threads
    failed: dict[str, str] = field(default_factory=dict)  # inline sinks dropped, with the error

    def percentile_ms(self, q: float) -> float:
        return self.frame_times.percentile(q) * 1000


class RestBody:
    """The bottom layer under a humanoid avatar: its rest pose on every bone, so the mixed frame
    carries the whole posed body (for VMC out) and other layers fade in and out over it."""

    name = "rest"
    duration: float | None = None  # endless, typed as Source has it

    def __init__(self, rest_bones: np.ndarray):
        self.rule = LayerRule("rest", priority=-1000, channels=np.zeros(arkit.COUNT, bool), head=False, fade=0.0)
        self._frame = FaceFrame(0.0, mask=np.zeros(arkit.COUNT, bool), bones=rest_bones, source="rest")

    def start(self, clock) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame:
        self._frame.t = t
        return self._frame

    def stop(self) -> None:
        pass


# -- the garbage collector on a live run -------------------------------------------------------

# Python's full collections walk every object in the process (the modules, the models, the
# avatar) and stop every thread while they do: 80 ms over the stage's 304k objects, five ticks
# lost at 60 Hz whenever one falls in a long session. A live run freezes what is loaded before
# its first tick, so those passes walk only what came after; the last live run to end thaws it.
_frozen_runs = 0
_frozen_lock = threading.Lock()


def _freeze_collector() -> None:
    global _frozen_runs
    with _frozen_lock:
        if _frozen_runs == 0:
            gc.collect()
            gc.freeze()
        _frozen_runs += 1


def _thaw_collector() -> None:
    global _frozen_runs
    with _frozen_lock:
        _frozen_runs -= 1
        if _frozen_runs == 0:
            gc.unfreeze()


class Pipeline:
    def __init__(
        self,
        sources: list[Source],
        sinks: list[Sink],
        rig: Rig | None = None,
        filters: list[Callable[[FaceFrame], FaceFrame]] | None = None,
    ):
        if not sources:
            raise ValueError("a pipeline needs at least one source")
        if rig is not None and rig.rest_bones is not None:
            sources = [RestBody(rig.rest_bones), *sources]
        self.sources, self.sinks, self.rig = sources, sinks, rig
        self.filters = filters or []
        self.mixer = Mixer([s.rule for s in sources], body=rig is None or rig.humanoid is not None)
        if any(s.needs_pose for s in sinks) and rig is None:
            raise ValueError("a sink that draws the avatar needs an avatar (--avatar)")
        self.stop_event = threading.Event()

    def media_duration(self) -> float | None:
        known = [s.duration for s in self.sources if s.duration is not None]
        return max(known) if known else None

    def step(self, t: float) -> FaceFrame:
        """Mix and filter the sources' newest frames at pipeline time `t`.

        A frame's `t` is when it arrived on the pipeline clock, so a live source that stops
        sending keeps returning an old frame and its layer goes stale.
        """
        for s in self.sources:
            f = s.frame_at(t)
            if f is not None:
                self.mixer.push(s.name, f)
        frame = self.mixer.mix(t)
        for flt in self.filters:
            frame = flt(frame)
        return frame

    def run(self, clock: Clock, on_tick: Callable[[int], None] | None = None) -> RunStats:
        """Runs until the clock ends, the stop event is set or a window is closed; `on_tick(1)`
        after each tick (a job's progress)."""
        stats = RunStats()
        workers: list = []
        started: list = []
        frozen = False
        try:
            for s in self.sources:
                s.start(clock)
                started.append(s)
            context = RunContext(clock, self.rig.avatar if self.rig else None, self.rig, self.sources)
            for sink in self.sinks:
                # Live, each sink gets its own thread, except one that must own the main
                # thread (a window: its events arrive there).
                if clock.live and not getattr(sink, "main_thread", False):
                    worker = IsolatedSink(sink)
                    workers.append(worker)
                    worker.start(context)
                else:
                    sink.open(context)
                    workers.append(sink)
            if clock.live:
                _freeze_collector()
                frozen = True
            for t in clock.ticks(self.stop_event):
                began = time.perf_counter()
                frame = self.step(t)
                pose = self.rig.apply(frame) if self.rig is not None else None
                for w in workers:
                    if isinstance(w, IsolatedSink):
                        w.offer(frame, pose)
                    elif w.name not in stats.failed:
                        try:
                            w.write(frame, pose)
                        except Exception as exc:  # report and drop that sink only
                            log.error("sink %s failed and was dropped: %s", w.name, exc)
                            stats.failed[w.name] = str(exc)
                stats.frames += 1
                stats.frame_times.add(time.perf_counter() - began)
                if on_tick is not None:
                    on_tick(1)
                if any(getattr(w, "closed_by_user", False) for w in workers):
                    break
        finally:
            for w in workers:
                if isinstance(w, IsolatedSink):
                    w.close()
                    stats.sinks[w.sink.name] = w.health
                else:
                    try:
                        w.close()
                    except Exception as exc:
                        log.warning("sink %s failed to close: %s", w.name, exc)
                        stats.failed.setdefault(w.name, str(exc))
            for s in started:
                s.stop()
            if frozen:
                _thaw_collector()
        stats.dropped_ticks = clock.dropped
        return stats

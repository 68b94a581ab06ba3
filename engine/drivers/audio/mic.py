"""`mic:` and `mic:DEVICE`: the speech net lip-syncs a microphone, live.

    mic:                the default input device
    mic:2  mic:USB      a device by index, or by part of its name (as sounddevice matches them)
    mic:?voice_floor=-40  sound under -40 dBFS is never speech (a television, a call's voices in the room)

The real-time part is `LiveSpeech`, which knows nothing of devices: the device's callback hands
it blocks at the device's own rate and it queues them without waiting (a bounded queue that
drops its oldest audio if the net falls behind, so the mouth never runs late by more than
QUEUE_SECONDS); the source's thread resamples them to 16 kHz and runs the streaming net, and
each face frame is published as soon as the net's lookahead (80 ms) allows. The device itself is
a thin opener over sounddevice (PortAudio), an optional extra: pip install 'arkit-avatar-engine[mic]'.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

import numpy as np

from ... import arkit
from ...errors import OptionError
from ...frame import FaceFrame
from ...mixer import LayerRule
from ...speech.audio_file import Resampler
from ...speech.features import FRAME_RATE
from ...speech.gate import FLOOR_DB
from ...speech.visemes import driven_mask

log = logging.getLogger("engine.drivers.audio")

QUEUE_SECONDS = 0.25  # audio the queue holds before its oldest is dropped
DEVICE_BLOCK = 0.01  # seconds the device is asked to deliver at a time
_INSTALL = "pip install 'arkit-avatar-engine[mic]' and apt-get install libportaudio2"


class LiveSpeech:
    """Blocks of samples at `rate` in (from any thread, any block size), face weights out.

    `feed` copies a block into the queue and returns at once; `process` runs whatever is queued
    through the resampler and the streaming net and gives those samples and the (frames, 52)
    weights they complete, frame k showing the audio at k * 10 ms since the first sample
    processed (dropped audio is skipped, not counted).
    """

    def __init__(self, rate: int, net=None, queue_seconds: float = QUEUE_SECONDS, voice_floor: float = FLOOR_DB):
        from ...speech.stream import SpeechStream  # torch loads only when a pipeline really speaks

        if not queue_seconds > 0:
            raise ValueError(f"mic: queue_seconds must be positive, got {queue_seconds}")
        self.rate = rate
        self._resampler = Resampler(rate, low_delay=True)
        self._stream = SpeechStream(net, voice_floor)
        self._limit = max(1, int(queue_seconds * rate))
        self._blocks: deque[np.ndarray] = deque()
        self._queued = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.dropped = 0  # blocks dropped because the consumer fell behind

    @property
    def backlog(self) -> float:
        """Seconds of audio waiting to be processed."""
        return self._queued / self.rate

    def feed(self, block: np.ndarray) -> None:
        """A block of samples, (n,) or (n, channels) (averaged); NaN or inf raise ValueError."""
        x = np.array(block, np.float32)
        x = x.mean(axis=1, dtype=np.float32) if x.ndim == 2 else x.reshape(-1)
        bad = len(x) - int(np.count_nonzero(np.isfinite(x)))
        if bad:
            raise ValueError(f"mic: a block of {len(x)} samples holds {bad} NaN or inf")
        with self._lock:
            self._blocks.append(x)
            self._queued += len(x)
            while self._queued > self._limit and len(self._blocks) > 1:
                self._queued -= len(self._blocks.popleft())
                self.dropped += 1
        self._ready.set()

    def wait(self, timeout: float) -> bool:
        """Until something is queued (True) or `timeout` seconds pass (False)."""
        return self._ready.wait(timeout)

    def process(self) -> tuple[np.ndarray, np.ndarray]:
        """Everything queued through the resampler and the net, on the caller's thread: (the
        samples at `rate`, the weights of the frames they complete)."""
        with self._lock:
            blocks, self._blocks, self._queued = list(self._blocks), deque(), 0
            self._ready.clear()
        if not blocks:
            return np.zeros(0, np.float32), np.zeros((0, arkit.COUNT), np.float32)
        samples = np.concatenate(blocks)
        return samples, self._stream.push(self._resampler.push(samples))


class _LiveClock(Protocol):
    """What MicSource needs of the pipeline's clock (drivers sit below engine.pipeline)."""

    live: bool

    def now(self) -> float: ...


class MicSource:
    """A pipeline source over LiveSpeech and an input stream (anything with start, stop and
    close that feeds it): a thread processes what arrives and publishes the newest face,
    stamped with its arrival on the pipeline clock. Live only; nothing raises once started."""

    duration: float | None = None
    #: Set by a sink that plays the microphone (the stage's page): called on the source's thread
    #: with each processed block, as (the pipeline time its first sample is due to be heard,
    #: rate, samples), the time at which the published face shows that sample.
    on_audio: Callable[[float, int, np.ndarray], None] | None = None

    def __init__(self, live: LiveSpeech, stream, rule: LayerRule, label: str):
        self.live, self.rule, self.name, self.label = live, rule, rule.name, label
        self._input = stream
        self._mask = driven_mask()
        self._newest: FaceFrame | None = None
        self._clock: _LiveClock | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name=f"source:{label}", daemon=True)

    def start(self, clock) -> None:
        if not clock.live:
            raise ValueError(f"{self.label}: a microphone is live only; lip-sync a recording with audio:FILE")
        self._clock = clock
        self._thread.start()
        self._input.start()

    def frame_at(self, t: float) -> FaceFrame | None:
        frame = self._newest
        return frame if frame is None or frame.t <= t else replace(frame, t=t)

    def _follow(self) -> None:
        clock = self._clock
        assert clock is not None  # the thread starts in start(), after the clock is set
        failures = samples = frames = 0
        while not self._stop.is_set():
            if not self.live.wait(0.1):
                continue
            try:
                block, weights = self.live.process()
            except Exception as exc:  # logged once; the layer goes stale and fades
                failures += 1
                if failures == 1:
                    log.warning("%s: %s (further failures are counted, not logged)", self.label, exc)
                continue
            now = clock.now()
            samples, frames = samples + len(block), frames + len(weights)
            if len(weights):
                self._newest = FaceFrame(now, np.clip(weights[-1], 0.0, 1.0), self._mask, source="mic")
            if self.on_audio is not None and frames:
                # the face now shows the audio at (frames - 1) * 10 ms; the block began later than that
                first = (samples - len(block)) / self.live.rate
                self.on_audio(now + first - (frames - 1) / FRAME_RATE, self.live.rate, block)

    def stop(self) -> None:
        self._stop.set()
        try:
            self._input.stop()
            self._input.close()
        finally:
            if self._thread.ident is not None:
                self._thread.join(1.0)


def open_microphone(spec: str, label: str, net=None, voice_floor: float = FLOOR_DB) -> tuple[LiveSpeech, object]:
    """(LiveSpeech at the device's rate, the unstarted sounddevice InputStream that feeds it);
    an OptionError that says what is missing when there is no microphone."""
    try:
        import sounddevice as sd
    except ImportError:
        raise OptionError(f"{label}: no microphone: the sounddevice package is missing; {_INSTALL}") from None
    except OSError as exc:  # sounddevice is there, the PortAudio library is not
        raise OptionError(f"{label}: no microphone: {exc}; {_INSTALL}") from None
    device = int(spec) if spec.strip().isdigit() else (spec.strip() or None)
    try:
        info = sd.query_devices(device, "input")
    except (ValueError, sd.PortAudioError) as exc:
        inputs = [f"{d['index']}: {d['name']}" for d in sd.query_devices() if d["max_input_channels"] > 0]
        there = f"inputs here: {'; '.join(inputs)}" if inputs else "no input device is attached to this machine"
        raise OptionError(
            f"{label}: no microphone: {exc} ({there}); plug one in, or lip-sync a recording with audio:FILE"
        ) from None
    rate = int(info["default_samplerate"])
    live = LiveSpeech(rate, net, voice_floor=voice_floor)

    def callback(indata, frames, time, status):  # on PortAudio's thread: queue and return
        if status:
            log.debug("%s: %s", label, status)
        try:
            live.feed(indata)
        except ValueError as exc:  # a driver's garbage must not stop the stream
            log.warning("%s: %s (dropped)", label, exc)

    try:
        stream = sd.InputStream(
            device=info["index"],
            channels=1,
            samplerate=rate,
            dtype="float32",
            blocksize=max(1, int(rate * DEVICE_BLOCK)),
            callback=callback,
        )
    except sd.PortAudioError as exc:
        raise OptionError(f"{label}: cannot open {info['name']!r}: {exc} (is another program using it?)") from None
    return live, stream

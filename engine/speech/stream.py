"""Running the net on audio: chunk by chunk with state (live), or a whole clip (offline, which
is the same pushes in 10 s chunks, so memory stays bounded however long the file)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .. import arkit
from .features import FRAME_RATE, SAMPLE_RATE, RunningSpectrum, StreamingFeatures, features, net_input
from .gate import FLOOR_DB, VoiceGate
from .runtime import DELAY, SpeechRuntime, load
from .visemes import DRIVEN

SILENCE_LOGMEL, SILENCE_LEVEL = (f[-1] for f in features(np.zeros(400, np.float32)))  # digital silence
_OFFLINE_CHUNK = 10 * SAMPLE_RATE


class SpeechStream:
    """Push 16 kHz audio; get the face frames (52 ARKit weights at 100 fps) it completes.

    Frame k's time is k * 10 ms; it arrives once audio up to k * 10 ms + 80 ms has been pushed.
    `flush()` ends the stream, giving the last frames as if silence followed. The voice gate
    (gate.py) eases the face to rest wherever nobody speaks; it decides frame k from the same
    input frames the net needs for it, so it adds no latency; `voice_floor` is its absolute floor
    in dBFS (gate.py).
    """

    def __init__(self, net: SpeechRuntime | None = None, voice_floor: float = FLOOR_DB):
        self._gate = VoiceGate(voice_floor)
        self.net = net or load()
        self._features = StreamingFeatures()
        self._spectrum = RunningSpectrum()
        self._state = self.net.initial_state()
        self._seen = 0  # net outputs so far; the first DELAY belong before time 0

    def _run(self, logmel: np.ndarray, level: np.ndarray, periodicity: np.ndarray) -> np.ndarray:
        if len(logmel) == 0:
            return np.zeros((0, arkit.COUNT), np.float32)
        x = net_input(logmel, self._spectrum)
        y, self._state = self.net.run(x, self._state)
        drop = min(len(y), max(0, DELAY - self._seen))
        self._seen += len(y)
        gate = self._gate.push(logmel, level, periodicity)
        out = np.zeros((len(y) - drop, arkit.COUNT), np.float32)
        out[:, list(DRIVEN)] = y[drop:] * gate[:, None]  # rest is every driven channel at 0
        return out

    def push(self, samples: np.ndarray) -> np.ndarray:
        return self._run(*self._features.push_voiced(samples))

    def flush(self) -> np.ndarray:
        return self._run(np.repeat(SILENCE_LOGMEL[None], DELAY, axis=0), np.full(DELAY, SILENCE_LEVEL), np.zeros(DELAY))


def chunks(audio: np.ndarray, size: int = _OFFLINE_CHUNK) -> Iterator[np.ndarray]:
    """A clip in pieces of `size` samples: how a clip is pushed, so the net's work stays small."""
    return (audio[i : i + size] for i in range(0, len(audio), size))


def infer(audio: np.ndarray, net: SpeechRuntime | None = None, voice_floor: float = FLOOR_DB) -> np.ndarray:
    """(frames, 52) weights at 100 fps for a whole 16 kHz clip: one frame per complete hop."""
    stream = SpeechStream(net, voice_floor)
    parts = [stream.push(chunk) for chunk in chunks(audio)]
    parts.append(stream.flush())
    return np.concatenate(parts) if parts else np.zeros((0, arkit.COUNT), np.float32)


def resample_curves(curves: np.ndarray, fps: float, rate: float = FRAME_RATE) -> np.ndarray:
    """Curves at `rate` frames per second -> `fps`, by linear interpolation in time."""
    if len(curves) == 0:
        return curves
    n = max(1, int(np.floor((len(curves) - 1) / rate * fps)) + 1)
    src = np.arange(len(curves)) / rate
    dst = np.arange(n) / fps
    return np.stack([np.interp(dst, src, curves[:, c]) for c in range(curves.shape[1])], axis=1).astype(np.float32)

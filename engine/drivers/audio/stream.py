"""Running the net on audio: chunk by chunk with state (live), or a whole clip (offline, which
is the same pushes in 10 s chunks, so memory stays bounded however long the file)."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from ... import arkit
from .features import FRAME_RATE, SAMPLE_RATE, RunningSpectrum, StreamingFeatures, features, net_input
from .model import DELAY, SpeechNet, load
from .visemes import DRIVEN

SILENCE_LOGMEL = features(np.zeros(400, np.float32))[0][-1]  # log-mel of digital silence
_OFFLINE_CHUNK = 10 * SAMPLE_RATE


class SpeechStream:
    """Push 16 kHz audio; get the face frames (52 ARKit weights at 100 fps) it completes.

    Frame k's time is k * 10 ms; it arrives once audio up to k * 10 ms + 80 ms has been pushed.
    `flush()` ends the stream, giving the last frames as if silence followed.
    """

    def __init__(self, net: SpeechNet | None = None):
        self.net = net or load()
        self._features = StreamingFeatures()
        self._spectrum = RunningSpectrum()
        self._state = None
        self._seen = 0  # net outputs so far; the first DELAY belong before time 0

    @torch.inference_mode()
    def _run(self, logmel: np.ndarray) -> np.ndarray:
        if len(logmel) == 0:
            return np.zeros((0, arkit.COUNT), np.float32)
        x = net_input(logmel, self._spectrum)
        y, self._state = self.net(torch.from_numpy(x)[None], self._state)
        out = np.zeros((y.shape[1], arkit.COUNT), np.float32)
        out[:, list(DRIVEN)] = y[0].numpy()
        drop = max(0, DELAY - self._seen)
        self._seen += len(out)
        return out[drop:]

    def push(self, samples: np.ndarray) -> np.ndarray:
        return self._run(self._features.push(samples)[0])

    def flush(self) -> np.ndarray:
        return self._run(np.repeat(SILENCE_LOGMEL[None], DELAY, axis=0))


def chunks(audio: np.ndarray, size: int = _OFFLINE_CHUNK) -> Iterator[np.ndarray]:
    """A clip in pieces of `size` samples: how a clip is pushed, so the net's work stays small."""
    return (audio[i:i + size] for i in range(0, len(audio), size))


def infer(audio: np.ndarray, net: SpeechNet | None = None) -> np.ndarray:
    """(frames, 52) weights at 100 fps for a whole 16 kHz clip: one frame per complete hop."""
    stream = SpeechStream(net)
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

"""Per-frame filters between the mixer and the outputs: smoothing, calibration, gain and clamp.

Each filter is a callable `FaceFrame -> FaceFrame` with its own state, so a pipeline is a list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from . import arkit
from .errors import OptionError
from .frame import FaceFrame
from .rig.transforms import quat_multiply


def _alpha(cutoff, dt: float):
    """Smoothing factor of a first-order low-pass at `cutoff` Hz for a step of `dt` s."""
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, float))
    return 1.0 / (1.0 + tau / dt)


class OneEuro:
    """The One Euro filter (Casiez et al. 2012), vectorised over channels.

    Its cutoff rises with the signal's speed: still channels are smoothed hard (no jitter),
    fast ones barely at all (no lag on a quick mouth opening). The defaults were chosen on
    60 fps webcam-like noise (tests/test_filters.py): +-0.02 jitter on a still face drops about
    4x, and a jaw opening in 0.1 s reaches 80% one frame after the raw signal.
    """

    def __init__(self, min_cutoff: float = 0.5, beta: float = 2.0, d_cutoff: float = 1.0):
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise OptionError("OneEuro: cutoffs must be > 0 and beta >= 0")
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if self._x is None or self._dx is None or self._t is None:  # the first sample (all three go together)
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t
            return self._x.copy()
        if t <= self._t:  # a repeated time stamp
            return self._x.copy()
        dt = t - self._t
        dx = (x - self._x) / dt
        self._dx += _alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x += _alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x.copy()


class Smooth:
    """One Euro on the 52 weights, the head quaternion and the eye angles of a frame stream."""

    def __init__(
        self, min_cutoff: float = 0.5, beta: float = 2.0, head_min_cutoff: float = 0.8, head_beta: float = 0.6
    ):
        self._weights = OneEuro(min_cutoff, beta)
        self._head = OneEuro(head_min_cutoff, head_beta)
        self._eyes = OneEuro(min_cutoff, beta)
        self._last_q: np.ndarray | None = None

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        w = np.clip(self._weights(frame.t, frame.weights), 0.0, 1.0)
        q = frame.head_rotation
        if self._last_q is not None and np.dot(q, self._last_q) < 0:
            q = -q  # the same rotation on the near side, so averaging does not cancel out
        q = self._head(frame.t, q)
        q /= np.linalg.norm(q)
        self._last_q = q
        eyes = None if frame.eyes is None else self._eyes(frame.t, frame.eyes)
        return replace(frame, weights=w.astype(np.float32), head_rotation=q, eyes=eyes)


class Calibration:
    """Neutral-pose calibration: a resting face reads as zero and still reaches one.

    `capture(frame)` feeds neutral frames; once `frames_needed` have arrived the neutral is the
    mean, and every later frame has each weight remapped from [neutral, 1] to [0, 1] and the
    head rotation taken relative to the neutral head.
    """

    def __init__(self, frames_needed: int = 30):
        if frames_needed < 1:
            raise OptionError("Calibration: frames_needed must be at least 1")
        self.frames_needed = frames_needed
        self._sum = np.zeros(arkit.COUNT)
        self._quats: list[np.ndarray] = []
        self.neutral: np.ndarray | None = None
        self.neutral_head: np.ndarray | None = None

    @property
    def done(self) -> bool:
        return self.neutral is not None

    def capture(self, frame: FaceFrame) -> None:
        self._sum += frame.weights
        q = frame.head_rotation
        self._quats.append(-q if self._quats and np.dot(q, self._quats[0]) < 0 else q)
        if len(self._quats) >= self.frames_needed:
            self.set_neutral(self._sum / len(self._quats), np.mean(self._quats, axis=0))

    def set_neutral(self, weights, head_rotation=(0.0, 0.0, 0.0, 1.0)) -> None:
        weights = np.asarray(weights, float)
        if weights.shape != (arkit.COUNT,) or not np.all((weights >= 0) & (weights < 1)):
            raise OptionError("Calibration: neutral weights must be 52 values in [0, 1)")
        q = np.asarray(head_rotation, float)
        self.neutral, self.neutral_head = weights, q / np.linalg.norm(q)

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        if self.neutral is None or self.neutral_head is None:  # not done yet
            return frame
        w = np.clip((frame.weights - self.neutral) / (1.0 - self.neutral), 0.0, 1.0)
        inv = self.neutral_head * np.array([-1, -1, -1, 1])
        q = quat_multiply(inv, frame.head_rotation)
        return replace(frame, weights=w.astype(np.float32), head_rotation=q / np.linalg.norm(q))


@dataclass
class ChannelCurve:
    """Remap [low, high] to [0, 1], raise to `gamma`, multiply by `gain`, clamp to [0, 1]."""

    gain: float = 1.0
    low: float = 0.0
    high: float = 1.0
    gamma: float = 1.0

    def __post_init__(self):
        if not (0.0 <= self.low < self.high <= 1.0) or self.gain < 0 or self.gamma <= 0:
            raise OptionError(f"ChannelCurve: need 0 <= low < high <= 1, gain >= 0, gamma > 0; got {self}")


class Gain:
    """Per-channel response curves, e.g. a stronger smile or a blink that closes sooner."""

    def __init__(self, curves: dict[str, ChannelCurve]):
        n = arkit.COUNT
        self._low, self._high = np.zeros(n), np.ones(n)
        self._gain, self._gamma = np.ones(n), np.ones(n)
        for name, c in curves.items():
            canonical = arkit.canonical(name)
            if canonical is None:
                raise OptionError(f"Gain: {name!r} is not an ARKit blendshape name")
            i = arkit.INDEX[canonical]
            self._low[i], self._high[i], self._gain[i], self._gamma[i] = c.low, c.high, c.gain, c.gamma

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        x = np.clip((frame.weights - self._low) / (self._high - self._low), 0.0, 1.0)
        w = np.clip(self._gain * x**self._gamma, 0.0, 1.0)
        return replace(frame, weights=w.astype(np.float32))


class CapturingCalibration(Calibration):
    """Calibration that takes its neutral from the first frames it sees (sit still at start)."""

    def __call__(self, frame):
        if not self.done:
            self.capture(frame)
        return super().__call__(frame)

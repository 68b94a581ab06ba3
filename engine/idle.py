"""Life when nothing drives the face: blinks, gaze shifts with micro-saccades, breath, sway,
and for a humanoid the body's breathing and weight shift (body_motion.py).

A pure function of time for a given seed: events are drawn in order from a seeded generator
and kept, so `frame(t)` gives the same answer however often or in whatever order it is asked,
and offline renders are reproducible.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from . import arkit
from .body_motion import BREATH_PERIOD, BodyMotion
from .body_motion import MASK as BODY_MASK
from .frame import FaceFrame
from .rig.rig import set_look
from .rig.transforms import quat_from_euler

# Blink timing, seconds: a fast close, a short hold, a slower open (human lids open ~2x slower).
BLINK_INTERVAL = (2.0, 6.0)
BLINK_CLOSE, BLINK_HOLD, BLINK_OPEN = 0.075, 0.04, 0.16
DOUBLE_BLINK_CHANCE = 0.15
DOUBLE_BLINK_GAP = 0.12
# Gaze: a new fixation every 0.8-3 s within +-GAZE_RANGE, micro-saccades between them.
FIXATION = (0.8, 3.0)
GAZE_RANGE = np.radians((9.0, 5.0))  # yaw, pitch
MICRO_SACCADE = (0.25, 0.7)
MICRO_RANGE = np.radians(0.6)
SACCADE_TIME = 0.045
# Breath (in time with the body's) and sway.
BREATH_PITCH = np.radians(0.7)
SWAY = np.radians((2.2, 1.0, 1.2))  # yaw, pitch, roll amplitudes

DRIVEN = [arkit.INDEX[n] for n in arkit.NAMES if n.startswith(("eyeBlink", "eyeLook"))]
_BLINKS = list(arkit.BLINK)


def smoothstep(x):
    """0 below 0, 1 above 1, an S-curve between: eases in and out."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def bump(x: float) -> float:
    """A raised-cosine pulse over x in [0, 1], zero elsewhere: a nod, a hand's beat."""
    return 0.5 - 0.5 * math.cos(2 * math.pi * x) if 0.0 <= x <= 1.0 else 0.0


class IdleMotion:
    """Seeded idle motion; `frame(t)` is the face at `t` seconds."""

    def __init__(self, seed: int = 0, body: bool = True):
        # One generator per schedule, so sampling blinks never shifts the gaze draws.
        blink_rng, gaze_rng, sway_rng = (np.random.default_rng([seed, k]) for k in range(3))
        self._blink_rng, self._gaze_rng = blink_rng, gaze_rng
        self._blinks: list[float] = []  # blink start times
        self._gaze_times: list[float] = [0.0]
        self._gaze: list[np.ndarray] = [np.zeros(2)]
        self._next_fixation = 0.0
        self._sway_phases = sway_rng.uniform(0, 2 * np.pi, (3, 3))
        self._blink_horizon = blink_rng.uniform(0.5, 2.0)
        self.body = BodyMotion(seed) if body else None  # breathing and sway for a humanoid

    # -- schedules, extended lazily ---------------------------------------------------------

    def _extend_blinks(self, t: float) -> None:
        while self._blink_horizon <= t + 1.0:
            start = self._blink_horizon
            self._blinks.append(start)
            if self._blink_rng.random() < DOUBLE_BLINK_CHANCE:
                self._blinks.append(start + BLINK_CLOSE + BLINK_HOLD + BLINK_OPEN + DOUBLE_BLINK_GAP)
            self._blink_horizon = self._blinks[-1] + self._blink_rng.uniform(*BLINK_INTERVAL)

    def _extend_gaze(self, t: float) -> None:
        while self._gaze_times[-1] <= t + 1.0:
            last = self._gaze_times[-1]
            if last >= self._next_fixation:
                target = self._gaze_rng.uniform(-1, 1, 2) * GAZE_RANGE
                if self._gaze_rng.random() < 0.35:  # people return to the centre often
                    target = np.zeros(2)
                self._next_fixation = last + self._gaze_rng.uniform(*FIXATION)
                self._fixation = target
            else:
                target = self._fixation + self._gaze_rng.normal(0, MICRO_RANGE, 2)
            self._gaze.append(target)
            self._gaze_times.append(last + self._gaze_rng.uniform(*MICRO_SACCADE))

    # -- sampling ---------------------------------------------------------------------------

    def blink(self, t: float) -> float:
        """Lid closure in [0, 1] at `t`."""
        self._extend_blinks(t)
        i = bisect.bisect_right(self._blinks, t) - 1
        if i < 0:
            return 0.0
        dt = t - self._blinks[i]
        if dt < BLINK_CLOSE:
            return float(smoothstep(dt / BLINK_CLOSE))
        dt -= BLINK_CLOSE
        if dt < BLINK_HOLD:
            return 1.0
        dt -= BLINK_HOLD
        return float(1.0 - smoothstep(dt / BLINK_OPEN))

    def gaze(self, t: float) -> np.ndarray:
        """(yaw, pitch) of both eyes in radians; positive yaw to the avatar's left."""
        self._extend_gaze(t)
        i = bisect.bisect_right(self._gaze_times, t) - 1
        if i <= 0:
            return self._gaze[0].copy()
        k = smoothstep((t - self._gaze_times[i]) / SACCADE_TIME)
        return self._gaze[i - 1] * (1 - k) + self._gaze[i] * k

    def head(self, t: float) -> np.ndarray:
        """Breath nods and a slow sway, as a quaternion."""
        p = self._sway_phases
        slow = [
            sum(np.sin(2 * np.pi * t / period + p[axis, k]) for k, period in enumerate((7.3, 11.9, 17.1))) / 3
            for axis in range(3)
        ]
        breath = np.sin(2 * np.pi * t / BREATH_PERIOD)
        yaw, pitch, roll = (SWAY[a] * slow[a] for a in range(3))
        return quat_from_euler(yaw, pitch + BREATH_PITCH * breath, roll)

    def frame(self, t: float) -> FaceFrame:
        w = np.zeros(arkit.COUNT, np.float32)
        b = self.blink(t)
        w[_BLINKS] = b
        yaw, pitch = self.gaze(t)
        set_look(w, yaw, pitch)
        mask = np.zeros(arkit.COUNT, bool)
        mask[DRIVEN] = True
        return FaceFrame.trusted(
            float(t),
            w,
            mask,
            self.head(t),
            eyes=np.array([[yaw, pitch], [yaw, pitch]]),
            source="idle",
            bones=self.body.bones(t) if self.body else None,
            bone_mask=BODY_MASK if self.body else None,
        )

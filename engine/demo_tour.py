"""The demo's tour of expressions, as data: named expressions, keyframes, blinks.

`tour_frame(t)` samples it: each keyframe eases in (smoothstep) over TRANSITION seconds
from the pose before it and then holds; blinks are layered on top, and a slow sway keeps
the head alive between keys.
"""

from __future__ import annotations

import math

import numpy as np

from . import arkit
from .expressions import EXPRESSIONS
from .frame import FaceFrame
from .rig.transforms import quat_from_euler

#: (time s, expression, head (yaw, pitch, roll) degrees): yaw + turns to the avatar's left,
#: pitch + nods down, roll + tips the head to its right shoulder.
KEYFRAMES: tuple[tuple[float, str, tuple[float, float, float]], ...] = (
    (0.0, "neutral", (0.0, 0.0, 0.0)),
    (0.5, "happy", (-8.0, -4.0, 3.0)),
    (1.6, "laugh", (4.0, -8.0, -4.0)),
    (2.6, "surprised", (0.0, -6.0, 0.0)),
    (3.5, "wink", (14.0, 2.0, 6.0)),
    (4.4, "angry", (-6.0, 8.0, 0.0)),
    (5.3, "sad", (-12.0, 10.0, -5.0)),
    (6.2, "kiss", (6.0, -2.0, 4.0)),
    (7.0, "puff", (18.0, 0.0, 0.0)),
    (7.8, "tongue", (-4.0, -4.0, -6.0)),
    (8.7, "smirk", (-16.0, 0.0, 3.0)),
    (9.4, "happy", (0.0, -2.0, 0.0)),
)
DURATION = 10.0
TRANSITION = 0.35  # seconds to ease into each keyframe
BLINKS = (1.2, 3.1, 4.9, 6.7, 8.3, 9.8)  # blink starts, seconds
BLINK_CLOSE, BLINK_OPEN = 0.07, 0.12  # a blink shuts fast and opens slower


def _expression(name: str) -> np.ndarray:
    w = np.zeros(arkit.COUNT, np.float32)
    for channel, value in EXPRESSIONS[name].items():
        w[arkit.INDEX[channel]] = value
    return w


def _ease(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _blink(t: float) -> float:
    """How shut the lids are at time t, from the BLINKS schedule."""
    for start in BLINKS:
        dt = t - start
        if 0.0 <= dt < BLINK_CLOSE:
            return _ease(dt / BLINK_CLOSE)
        if BLINK_CLOSE <= dt < BLINK_CLOSE + BLINK_OPEN:
            return 1.0 - _ease((dt - BLINK_CLOSE) / BLINK_OPEN)
    return 0.0


def tour_frame(t: float) -> FaceFrame:
    """The tour's face at time `t` seconds."""
    weights, head = _expression(KEYFRAMES[0][1]), np.array(KEYFRAMES[0][2])
    for time, name, angles in KEYFRAMES[1:]:
        if t < time:
            break
        k = _ease((t - time) / TRANSITION)
        weights = (1.0 - k) * weights + k * _expression(name)
        head = (1.0 - k) * head + k * np.array(angles)
    sway = np.array([2.0 * math.sin(1.3 * t), 1.2 * math.sin(0.9 * t + 1.0), 1.0 * math.sin(0.7 * t + 2.0)])
    blink = _blink(t)
    for side in ("Left", "Right"):
        i = arkit.INDEX[f"eyeBlink{side}"]
        weights[i] = max(weights[i], blink)
    yaw, pitch, roll = np.radians(head + sway)
    return FaceFrame(
        t, np.clip(weights, 0.0, 1.0), head_rotation=quat_from_euler(yaw, pitch, roll), source="demo"
    )

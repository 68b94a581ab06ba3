"""The demo's tour of expressions, as data: named expressions, keyframes, blinks.

`tour_frame(t)` samples it: each keyframe eases in (smoothstep) over TRANSITION seconds
from the pose before it and then holds; blinks are layered on top, and a slow sway keeps
the head alive between keys.
"""

from __future__ import annotations

import math

import numpy as np

from . import arkit
from .frame import FaceFrame
from .rig.transforms import quat_from_euler

#: Expressions as ARKit weights: used by the tour and by the viewer's expression keys.
EXPRESSIONS: dict[str, dict[str, float]] = {
    "neutral": {},
    "smile": {"mouthSmileLeft": 0.9, "mouthSmileRight": 0.9, "cheekSquintLeft": 0.5,
              "cheekSquintRight": 0.5, "eyeSquintLeft": 0.3, "eyeSquintRight": 0.3,
              "mouthDimpleLeft": 0.3, "mouthDimpleRight": 0.3},
    "laugh": {"jawOpen": 0.55, "mouthSmileLeft": 1.0, "mouthSmileRight": 1.0,
              "cheekSquintLeft": 0.8, "cheekSquintRight": 0.8, "eyeSquintLeft": 0.6,
              "eyeSquintRight": 0.6, "mouthUpperUpLeft": 0.3, "mouthUpperUpRight": 0.3,
              "browInnerUp": 0.2},
    "surprise": {"browInnerUp": 1.0, "browOuterUpLeft": 0.9, "browOuterUpRight": 0.9,
                 "eyeWideLeft": 0.9, "eyeWideRight": 0.9, "jawOpen": 0.45, "mouthFunnel": 0.35},
    "angry": {"browDownLeft": 1.0, "browDownRight": 1.0, "noseSneerLeft": 0.6,
              "noseSneerRight": 0.6, "eyeSquintLeft": 0.5, "eyeSquintRight": 0.5,
              "mouthPressLeft": 0.6, "mouthPressRight": 0.6, "mouthRollLower": 0.2},
    "sad": {"browInnerUp": 0.85, "browDownLeft": 0.2, "browDownRight": 0.2,
            "mouthFrownLeft": 0.8, "mouthFrownRight": 0.8, "mouthShrugLower": 0.5,
            "eyeLookDownLeft": 0.3, "eyeLookDownRight": 0.3},
    "wink": {"eyeBlinkLeft": 1.0, "mouthSmileLeft": 0.8, "mouthSmileRight": 0.3,
             "cheekSquintLeft": 0.6, "browDownLeft": 0.3},
    "kiss": {"mouthPucker": 1.0, "mouthFunnel": 0.2, "eyeSquintLeft": 0.2, "eyeSquintRight": 0.2,
             "browInnerUp": 0.3},
    "ooh": {"jawOpen": 0.3, "mouthFunnel": 0.9, "browInnerUp": 0.4},
    "puff": {"cheekPuff": 1.0, "mouthClose": 0.2, "eyeWideLeft": 0.3, "eyeWideRight": 0.3},
    "tongue": {"jawOpen": 0.45, "tongueOut": 1.0, "eyeSquintLeft": 0.4, "eyeSquintRight": 0.4,
               "mouthSmileLeft": 0.3, "mouthSmileRight": 0.3},
    "smirk": {"mouthSmileRight": 0.8, "mouthRight": 0.3, "browOuterUpLeft": 0.6,
              "eyeLookOutRight": 0.5, "eyeLookInLeft": 0.5},
}

#: (time s, expression, head (yaw, pitch, roll) degrees): yaw + turns to the avatar's left,
#: pitch + nods down, roll + tips the head to its right shoulder.
KEYFRAMES: tuple[tuple[float, str, tuple[float, float, float]], ...] = (
    (0.0, "neutral", (0.0, 0.0, 0.0)),
    (0.5, "smile", (-8.0, -4.0, 3.0)),
    (1.6, "laugh", (4.0, -8.0, -4.0)),
    (2.6, "surprise", (0.0, -6.0, 0.0)),
    (3.5, "wink", (14.0, 2.0, 6.0)),
    (4.4, "angry", (-6.0, 8.0, 0.0)),
    (5.3, "sad", (-12.0, 10.0, -5.0)),
    (6.2, "kiss", (6.0, -2.0, 4.0)),
    (7.0, "puff", (18.0, 0.0, 0.0)),
    (7.8, "tongue", (-4.0, -4.0, -6.0)),
    (8.7, "smirk", (-16.0, 0.0, 3.0)),
    (9.4, "smile", (0.0, -2.0, 0.0)),
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

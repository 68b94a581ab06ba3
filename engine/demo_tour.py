"""The demo's tour of expressions, as data: keyframed expressions and head poses.

`tour_frame(t)` samples it: each keyframe eases in (smoothstep) over TRANSITION seconds
from the pose before it and then holds, and a slow sway keeps the head alive between keys.
The demo layers it over `idle:`, which brings the blinks and the eyes' saccades: the tour's
frames leave the blink and gaze channels to the layer beneath unless an expression sets them
(a wink, a sideways smirk).
"""

from __future__ import annotations

import math

import numpy as np

from . import arkit
from .expressions import EXPRESSIONS
from .frame import FaceFrame
from .idle import smoothstep
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
#: Every channel but the blinks and the gaze, which the idle layer beneath animates.
EYES_FREE = np.ones(arkit.COUNT, bool)
EYES_FREE[list(arkit.BLINK + arkit.LOOK)] = False
TRANSITION = 0.35  # seconds to ease into each keyframe


def _expression(name: str) -> np.ndarray:
    w = np.zeros(arkit.COUNT, np.float32)
    for channel, value in EXPRESSIONS[name].items():
        w[arkit.INDEX[channel]] = value
    return w


def tour_frame(t: float) -> FaceFrame:
    """The tour's face at time `t` seconds."""
    weights, head = _expression(KEYFRAMES[0][1]), np.array(KEYFRAMES[0][2])
    for time, name, angles in KEYFRAMES[1:]:
        if t < time:
            break
        k = smoothstep((t - time) / TRANSITION)
        weights = (1.0 - k) * weights + k * _expression(name)
        head = (1.0 - k) * head + k * np.array(angles)
    sway = np.array([2.0 * math.sin(1.3 * t), 1.2 * math.sin(0.9 * t + 1.0), 1.0 * math.sin(0.7 * t + 2.0)])
    yaw, pitch, roll = np.radians(head + sway)
    mask = EYES_FREE | (weights > 0)
    return FaceFrame(
        t, np.clip(weights, 0.0, 1.0), mask=mask, head_rotation=quat_from_euler(yaw, pitch, roll), source="tour"
    )

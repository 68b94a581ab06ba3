"""Named facial expressions as ARKit weights: one table for the mixer's presets, the demo
tour and the viewer's expression keys.

`OVERRIDES` gives the three-vrm override rules an expression layer applies to the layers beneath
it: a big smile fades blinks (`blend`), a surprised face keeps the eyes open (`block`).
"""

from __future__ import annotations

EXPRESSIONS: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {
        "mouthSmileLeft": 0.9,
        "mouthSmileRight": 0.9,
        "cheekSquintLeft": 0.5,
        "cheekSquintRight": 0.5,
        "eyeSquintLeft": 0.3,
        "eyeSquintRight": 0.3,
        "mouthDimpleLeft": 0.3,
        "mouthDimpleRight": 0.3,
    },
    "smile": {
        "mouthSmileLeft": 0.5,
        "mouthSmileRight": 0.5,
        "cheekSquintLeft": 0.25,
        "cheekSquintRight": 0.25,
        "eyeSquintLeft": 0.12,
        "eyeSquintRight": 0.12,
        "mouthDimpleLeft": 0.15,
        "mouthDimpleRight": 0.15,
    },
    "serious": {
        "browDownLeft": 0.35,
        "browDownRight": 0.35,
        "eyeSquintLeft": 0.2,
        "eyeSquintRight": 0.2,
        "mouthPressLeft": 0.25,
        "mouthPressRight": 0.25,
    },
    "laugh": {
        "jawOpen": 0.55,
        "mouthSmileLeft": 1.0,
        "mouthSmileRight": 1.0,
        "cheekSquintLeft": 0.8,
        "cheekSquintRight": 0.8,
        "eyeSquintLeft": 0.6,
        "eyeSquintRight": 0.6,
        "mouthUpperUpLeft": 0.3,
        "mouthUpperUpRight": 0.3,
        "browInnerUp": 0.2,
    },
    "surprised": {
        "browInnerUp": 1.0,
        "browOuterUpLeft": 0.9,
        "browOuterUpRight": 0.9,
        "eyeWideLeft": 0.9,
        "eyeWideRight": 0.9,
        "jawOpen": 0.45,
        "mouthFunnel": 0.35,
    },
    "angry": {
        "browDownLeft": 1.0,
        "browDownRight": 1.0,
        "noseSneerLeft": 0.6,
        "noseSneerRight": 0.6,
        "eyeSquintLeft": 0.5,
        "eyeSquintRight": 0.5,
        "mouthPressLeft": 0.6,
        "mouthPressRight": 0.6,
        "mouthRollLower": 0.2,
    },
    "sad": {
        "browInnerUp": 0.85,
        "browDownLeft": 0.2,
        "browDownRight": 0.2,
        "mouthFrownLeft": 0.8,
        "mouthFrownRight": 0.8,
        "mouthShrugLower": 0.5,
        "eyeLookDownLeft": 0.3,
        "eyeLookDownRight": 0.3,
    },
    "wink": {
        "eyeBlinkLeft": 1.0,
        "mouthSmileLeft": 0.8,
        "mouthSmileRight": 0.3,
        "cheekSquintLeft": 0.6,
        "browDownLeft": 0.3,
    },
    "kiss": {"mouthPucker": 1.0, "mouthFunnel": 0.2, "eyeSquintLeft": 0.2, "eyeSquintRight": 0.2, "browInnerUp": 0.3},
    "ooh": {"jawOpen": 0.3, "mouthFunnel": 0.9, "browInnerUp": 0.4},
    "puff": {"cheekPuff": 1.0, "mouthClose": 0.2, "eyeWideLeft": 0.3, "eyeWideRight": 0.3},
    "tongue": {
        "jawOpen": 0.45,
        "tongueOut": 1.0,
        "eyeSquintLeft": 0.4,
        "eyeSquintRight": 0.4,
        "mouthSmileLeft": 0.3,
        "mouthSmileRight": 0.3,
    },
    "smirk": {
        "mouthSmileRight": 0.8,
        "mouthRight": 0.3,
        "browOuterUpLeft": 0.6,
        "eyeLookOutRight": 0.5,
        "eyeLookInLeft": 0.5,
    },
}

OVERRIDES: dict[str, dict[str, str]] = {
    "happy": {"blink": "blend"},
    "laugh": {"blink": "block"},
    "surprised": {"blink": "block"},
    "angry": {"blink": "blend"},
    "sad": {"look_at": "blend"},
    "wink": {"blink": "block"},
}

"""How ARKit channels drive avatars that carry visemes or VRM expressions instead of ARKit shapes.

ARKit describes muscles; VRM expressions and Oculus visemes describe whole mouth or face
poses. Each pose below is a weighted sum of ARKit channels, clipped to [0, 1]. Only the channels
an avatar has no morph of its own for feed these sums, so a "perfect sync" avatar carrying both
vocabularies is never driven twice.

The mapping, by pose (VRM 1.0 names; VRM 0.x presets are renamed to these on load):

- aa  (open "ah")   jawOpen, less half of mouthFunnel and mouthPucker (rounded lips are not "ah")
- ih  (spread "ih") mean of mouthStretchLeft/Right
- ee  ("eh")        mean of mouthLowerDownLeft/Right
- oh  (round "oh")  mouthFunnel
- ou  (pursed "oo") mouthPucker
- blinkLeft/Right   eyeBlinkLeft/Right; blink (both eyes) the mean, used only when the avatar has
                    no one-eye blinks
- happy             mean of mouthSmileLeft/Right
- sad               mean of mouthFrownLeft/Right
- angry             mean of browDownLeft/Right
- surprised         half browInnerUp plus half the mean of eyeWideLeft/Right
- lookUp / lookDown mean of the eyeLookUp / eyeLookDown pair
- lookLeft          the avatar looks to its own left: eyeLookOutLeft and eyeLookInRight
- lookRight         eyeLookInLeft and eyeLookOutRight
- relaxed, neutral  not driven: no ARKit channel says "relaxed"

Oculus visemes (`viseme_*` morphs, as on Ready Player Me avatars): aa, E, I, O, U as the vowels
above; PP from mouthPress, FF from mouthRollLower, CH from mouthShrugUpper, TH from tongueOut.
sil, DD, kk, SS, nn and RR are consonants ARKit cannot tell apart and stay undriven.
"""

from __future__ import annotations

_PAIR = 0.5  # the mean of a Left/Right pair

#: VRM 0.x blend shape presets, as spelled in VRM 0.x files and VMC, -> VRM 1.0 expression names.
VRM0_PRESETS: dict[str, str] = {
    "A": "aa", "I": "ih", "U": "ou", "E": "ee", "O": "oh",
    "Blink": "blink", "Blink_L": "blinkLeft", "Blink_R": "blinkRight",
    "Joy": "happy", "Angry": "angry", "Sorrow": "sad", "Fun": "relaxed",
    "LookUp": "lookUp", "LookDown": "lookDown", "LookLeft": "lookLeft", "LookRight": "lookRight",
    "Neutral": "neutral",
}  # fmt: skip

POSES: dict[str, dict[str, float]] = {
    "aa": {"jawOpen": 1.0, "mouthFunnel": -0.5, "mouthPucker": -0.5},
    "ih": {"mouthStretchLeft": _PAIR, "mouthStretchRight": _PAIR},
    "ee": {"mouthLowerDownLeft": _PAIR, "mouthLowerDownRight": _PAIR},
    "oh": {"mouthFunnel": 1.0},
    "ou": {"mouthPucker": 1.0},
    "blink": {"eyeBlinkLeft": _PAIR, "eyeBlinkRight": _PAIR},
    "blinkLeft": {"eyeBlinkLeft": 1.0},
    "blinkRight": {"eyeBlinkRight": 1.0},
    "happy": {"mouthSmileLeft": _PAIR, "mouthSmileRight": _PAIR},
    "sad": {"mouthFrownLeft": _PAIR, "mouthFrownRight": _PAIR},
    "angry": {"browDownLeft": _PAIR, "browDownRight": _PAIR},
    "surprised": {"browInnerUp": 0.5, "eyeWideLeft": 0.25, "eyeWideRight": 0.25},
    "lookUp": {"eyeLookUpLeft": _PAIR, "eyeLookUpRight": _PAIR},
    "lookDown": {"eyeLookDownLeft": _PAIR, "eyeLookDownRight": _PAIR},
    "lookLeft": {"eyeLookOutLeft": _PAIR, "eyeLookInRight": _PAIR},
    "lookRight": {"eyeLookInLeft": _PAIR, "eyeLookOutRight": _PAIR},
}

VISEMES: dict[str, str | dict[str, float]] = {
    # Oculus viseme -> the VRM pose it shares, or its own sum.
    "aa": "aa",
    "E": "ee",
    "I": "ih",
    "O": "oh",
    "U": "ou",
    "PP": {"mouthPressLeft": _PAIR, "mouthPressRight": _PAIR},
    "FF": {"mouthRollLower": 1.0},
    "CH": {"mouthShrugUpper": 1.0},
    "TH": {"tongueOut": 1.0},
}


def viseme_pose(viseme: str) -> dict[str, float] | None:
    """The ARKit sum for an Oculus viseme name (without the `viseme_` prefix), or None."""
    pose = VISEMES.get(viseme)
    return POSES[pose] if isinstance(pose, str) else pose

"""The 52 ARKit blendshape names: the one table every part of the engine agrees on.

Sources and sinks order these names differently (MediaPipe, Face Cap, Live Link CSV), so
everything maps by name through this module and never by another tool's index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAMES: tuple[str, ...] = (
    "eyeBlinkLeft",
    "eyeLookDownLeft",
    "eyeLookInLeft",
    "eyeLookOutLeft",
    "eyeLookUpLeft",
    "eyeSquintLeft",
    "eyeWideLeft",
    "eyeBlinkRight",
    "eyeLookDownRight",
    "eyeLookInRight",
    "eyeLookOutRight",
    "eyeLookUpRight",
    "eyeSquintRight",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawRight",
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthLeft",
    "mouthRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "noseSneerLeft",
    "noseSneerRight",
    "tongueOut",
)
COUNT = len(NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

#: Channel groups, used by layering rules (three-vrm's blink / lookAt / mouth groups).
BLINK = tuple(i for i, n in enumerate(NAMES) if n.startswith("eyeBlink"))
LOOK = tuple(i for i, n in enumerate(NAMES) if n.startswith("eyeLook"))
MOUTH = tuple(i for i, n in enumerate(NAMES) if n.startswith(("jaw", "mouth", "tongue")))


def pascal(name: str) -> str:
    """`eyeBlinkLeft` -> `EyeBlinkLeft`, the spelling of Unreal, Live Link CSV and VMC."""
    return name[0].upper() + name[1:]


def mirror(name: str) -> str:
    """The same shape on the other side of the face (`...Left` <-> `...Right`)."""
    if name.endswith("Left"):
        return name[:-4] + "Right"
    if name.endswith("Right"):
        return name[:-5] + "Left"
    return name


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_CANONICAL_KEYS: dict[str, str] = {_key(n): n for n in NAMES}

_SIDE_SUFFIX = re.compile(r"(?:[._\- ]([lLrR])|(?<=[a-z])([LR]))$")


def _side_spelled_out(name: str) -> str:
    """Apple's raw `eyeBlink_L`, Blender's `eyeBlink.L` and `eyeBlinkL` become `...Left`."""
    m = _SIDE_SUFFIX.search(name)
    if not m:
        return name
    side = (m.group(1) or m.group(2)).lower()
    return name[: m.start()] + ("Left" if side == "l" else "Right")


_SEPARATORS = re.compile(r"[._:|/\\\- ]+")


def trailing_keys(name: str):
    """`name` with leading separated parts dropped one at a time, each lower-cased and stripped
    of separators: `blendShape1.eyeBlinkLeft` gives `blendshape1eyeblinkleft`, `eyeblinkleft`.

    Exporters prefix names (`mixamorig:Head`, `Face_mouthSmileLeft`); this sees through them.
    """
    parts = [p for p in _SEPARATORS.split(name) if p]
    for first in range(len(parts)):
        yield _key("".join(parts[first:]))


def canonical(name: str) -> str | None:
    """The ARKit name that a morph or channel name spells, or None.

    Accepts camelCase, PascalCase, any case, Apple's `_L`/`_R` suffixes and exporter prefixes
    such as `blendShape1.eyeBlinkLeft`, `Face_mouthSmileLeft` or `head_jawOpen`.
    """
    for spelling in (name, _side_spelled_out(name)):
        for key in trailing_keys(spelling):
            if key in _CANONICAL_KEYS:
                return _CANONICAL_KEYS[key]
    return None


@dataclass
class NameMatch:
    """How a list of names (one mesh's morph targets) maps onto the 52 channels."""

    channels: dict[str, list[int]] = field(default_factory=dict)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)


def match_names(names: list[str]) -> NameMatch:
    """Match every name to an ARKit channel; two names claiming one channel are reported.

    An ambiguous channel is left out of `channels` (never guessed); a mapping file settles it.
    """
    claims: dict[str, list[int]] = {}
    result = NameMatch()
    for i, name in enumerate(names):
        c = canonical(name)
        if c is None:
            result.unmatched.append(name)
        else:
            claims.setdefault(c, []).append(i)
    for c, idx in claims.items():
        if len(idx) == 1:
            result.channels[c] = idx
        else:
            result.ambiguous[c] = [names[i] for i in idx]
    return result

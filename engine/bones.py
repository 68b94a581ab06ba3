"""The humanoid body bones: the one table body sources, the mixer, the rig and VMC agree on.

Names are VRM 1.0's humanoid bone names, less the eyes and jaw (the face channels drive those).
A body pose is one unit quaternion (x, y, z, w) per bone: its NORMALIZED local rotation, as
three-vrm and VMC use it. Every avatar is first brought to a T-pose whose bones all have
identity rotations in the avatar's axes (+Y up, facing +Z, +X the avatar's left); a bone's
rotation is then relative to its parent in that T-pose. So the same numbers pose any humanoid,
whatever its bind pose or its bones' own axes.
"""

from __future__ import annotations

import numpy as np

from .errors import OptionError

_FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")
_JOINTS = {"Thumb": ("Metacarpal", "Proximal", "Distal")}


def _side(side: str) -> tuple[str, ...]:
    limbs = [
        f"{side}{part}" for part in ("UpperLeg", "LowerLeg", "Foot", "Toes", "Shoulder", "UpperArm", "LowerArm", "Hand")
    ]
    fingers = [
        f"{side}{finger}{joint}"
        for finger in _FINGERS
        for joint in _JOINTS.get(finger, ("Proximal", "Intermediate", "Distal"))
    ]
    return tuple(limbs + fingers)


NAMES: tuple[str, ...] = ("hips", "spine", "chest", "upperChest", "neck", "head") + _side("left") + _side("right")
COUNT = len(NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

#: Each bone's humanoid parent (None for hips); a missing parent falls back to its own parent.
PARENT: dict[str, str | None] = {
    "hips": None,
    "spine": "hips",
    "chest": "spine",
    "upperChest": "chest",
    "neck": "upperChest",
    "head": "neck",
}
for _s in ("left", "right"):
    PARENT.update(
        {
            f"{_s}UpperLeg": "hips",
            f"{_s}LowerLeg": f"{_s}UpperLeg",
            f"{_s}Foot": f"{_s}LowerLeg",
            f"{_s}Toes": f"{_s}Foot",
            f"{_s}Shoulder": "upperChest",
            f"{_s}UpperArm": f"{_s}Shoulder",
            f"{_s}LowerArm": f"{_s}UpperArm",
            f"{_s}Hand": f"{_s}LowerArm",
        }
    )
    for _f in _FINGERS:
        _chain = [f"{_s}{_f}{j}" for j in _JOINTS.get(_f, ("Proximal", "Intermediate", "Distal"))]
        PARENT.update(zip(_chain, [f"{_s}Hand"] + _chain[:-1]))

#: Bone groups a layer can own (`bones=arms,hands` in a source's options).
GROUPS: dict[str, tuple[str, ...]] = {
    "all": NAMES,
    "none": (),
    "torso": ("hips", "spine", "chest", "upperChest"),
    "head": ("neck", "head"),
    "arms": tuple(n for n in NAMES if n.endswith(("Shoulder", "UpperArm", "LowerArm", "Hand"))),
    "hands": tuple(
        n
        for n in NAMES
        if n.endswith("Hand") or n.startswith(tuple(f"{s}{f}" for s in ("left", "right") for f in _FINGERS))
    ),
    "legs": tuple(n for n in NAMES if n.endswith(("UpperLeg", "LowerLeg", "Foot", "Toes"))),
}


def identity() -> np.ndarray:
    """(COUNT, 4) identity rotations: the normalized T-pose."""
    q = np.zeros((COUNT, 4))
    q[:, 3] = 1.0
    return q


def bone_mask(spec: str | list[str] | None) -> np.ndarray:
    """A (COUNT,) bool mask from group names (see GROUPS) or bone names."""
    mask = np.zeros(COUNT, bool)
    items = ["all"] if spec is None else [spec] if isinstance(spec, str) else spec
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if part in GROUPS:
                mask[[INDEX[n] for n in GROUPS[part]]] = True
            elif part in INDEX:
                mask[INDEX[part]] = True
            elif part:
                raise OptionError(f"bones: {part!r} is neither a group {sorted(GROUPS)} nor a humanoid bone name")
    return mask


def nlerp_rows(a: np.ndarray, b: np.ndarray, k) -> np.ndarray:
    """Row-wise normalized lerp of quaternions along the shorter arc: cheap blending for layers."""
    sign = np.where(np.einsum("ij,ij->i", a, b) < 0, -1.0, 1.0)[:, None]
    q = a * (1.0 - k) + b * sign * k
    return q / np.linalg.norm(q, axis=1, keepdims=True)

"""Humanoid bones, found once at bind time, and the normalized T-pose that body poses act on.

Bones are found, in order of trust, from the mapping file's `humanoid` block, the VRM humanoid
map, then node names: Mixamo and Ready Player Me (`mixamorig:LeftArm`, `LeftForeArm`,
`Spine2`), VRoid (`J_Bip_L_UpperArm`), Unreal (`upperarm_l`), Character Creator
(`CC_Base_L_Upperarm`) and Blender (`upper_arm.L`). Spine, chest and upper chest are taken from
the chain between hips and neck, whatever its names. A rig without hips, a head and both arms
down to the hands is not a humanoid and is left as it is.

The bind pose may be a T, an A or anything between. `HumanoidPose` turns it into a T-pose by
swinging each arm, leg and hand along its own bone direction (never by stored angles), and
from then on a normalized rotation `q` (engine/bones.py) becomes the bone's local rotation as
`inv(parent_T) * F * q * inv(F) * bone_T`, with F the avatar's facing: two fixed matrices per
bone, so posing costs two batched matrix products a frame.
"""

from __future__ import annotations

import numpy as np

from .. import bones
from ..arkit import trailing_keys
from .asset import Avatar
from .skeleton import world_matrices
from .transforms import matrix_quats, quat_matrices, quat_multiply, quat_scale_angle

#: Bones a rig needs to count as a humanoid.
REQUIRED = ("hips", "head", "leftUpperArm", "leftLowerArm", "leftHand", "rightUpperArm", "rightLowerArm", "rightHand")

_FINGER_WORDS = {
    "Thumb": ("thumb",),
    "Index": ("index",),
    "Middle": ("middle", "mid"),
    "Ring": ("ring",),
    "Little": ("pinky", "little"),
}
#: Left-side spellings, lower-case without separators; {left} is left|right and {l} is l|r.
_SIDED = {
    "Shoulder": ("{left}shoulder", "{l}shoulder", "shoulder{l}", "clavicle{l}", "{l}clavicle", "{left}clavicle"),
    "UpperArm": ("{left}arm", "{left}upperarm", "{l}upperarm", "upperarm{l}", "upperarm{left}"),
    "LowerArm": ("{left}forearm", "{left}lowerarm", "{l}lowerarm", "lowerarm{l}", "{l}forearm", "forearm{l}"),
    "Hand": ("{left}hand", "{l}hand", "hand{l}"),
    "UpperLeg": ("{left}upleg", "{left}upperleg", "{l}upperleg", "upperleg{l}", "thigh{l}", "{l}thigh", "{left}thigh"),
    "LowerLeg": (
        "{left}leg",
        "{left}lowerleg",
        "{l}lowerleg",
        "lowerleg{l}",
        "calf{l}",
        "{l}calf",
        "shin{l}",
        "{l}shin",
        "{left}shin",
    ),
    "Foot": ("{left}foot", "{l}foot", "foot{l}"),
    "Toes": ("{left}toebase", "{l}toebase", "toebase{l}", "{left}toes", "{l}toes", "ball{l}", "toe{l}", "{l}toe"),
}
_FINGER_FORMS = ("{left}hand{f}{k}", "{l}{f}{k}", "{f}{k}{l}", "{f}0{k}{l}", "{l}{f}0{k}", "{left}{f}{k}")
_CENTRE = {"hips": ("hips", "hip", "pelvis"), "neck": ("neck", "neck1", "neck01", "necktwist01"), "head": ("head",)}


def _spellings() -> dict[str, str]:
    """Name key -> humanoid bone, for every convention above and both sides."""
    table = {key: bone for bone, keys in _CENTRE.items() for key in keys}
    for side, word, letter in (("left", "left", "l"), ("right", "right", "r")):
        for part, forms in _SIDED.items():
            for form in forms:
                table[form.format(left=word, l=letter)] = f"{side}{part}"
        for finger, words in _FINGER_WORDS.items():
            joints = (
                ("Metacarpal", "Proximal", "Distal") if finger == "Thumb" else ("Proximal", "Intermediate", "Distal")
            )
            for k, joint in enumerate(joints, 1):
                for f in words:
                    for form in _FINGER_FORMS:
                        table[form.format(left=word, l=letter, f=f, k=k)] = f"{side}{finger}{joint}"
    return table


SPELLINGS = _spellings()


def _bone_of(name: str) -> str | None:
    for key in trailing_keys(name):
        if key in SPELLINGS:
            return SPELLINGS[key]
    return None


def _depth(avatar: Avatar, node: int) -> int:
    d, parent = 0, avatar.nodes[node].parent
    while parent is not None:
        parent, d = avatar.nodes[parent].parent, d + 1
    return d


def _is_ancestor(avatar: Avatar, ancestor: int, node: int | None) -> bool:
    while node is not None:
        if node == ancestor:
            return True
        node = avatar.nodes[node].parent
    return False


def find_humanoid(avatar: Avatar, overrides: dict[str, str] | None = None) -> dict[str, int]:
    """Humanoid bone name -> node index, for the bones this avatar has (maybe not a humanoid)."""
    found: dict[str, int] = {b: n for b, n in avatar.humanoid.items() if b in bones.INDEX}
    by_name: dict[str, list[int]] = {}
    for i, node in enumerate(avatar.nodes):
        bone = _bone_of(node.name) if node.mesh is None else None
        if bone is not None:
            by_name.setdefault(bone, []).append(i)
    for bone, nodes in by_name.items():
        if bone not in found:
            found[bone] = min(nodes, key=lambda n: (_depth(avatar, n), n))  # the topmost of CC's Hip/Pelvis
    for bone, node_name in (overrides or {}).items():
        if bone not in bones.INDEX:
            raise ValueError(
                f"mapping humanoid: unknown bone {bone!r}; expected a VRM humanoid bone name such as leftUpperArm"
            )
        idx = avatar.node_index(node_name)
        if idx is None:
            raise ValueError(f"mapping humanoid.{bone}: no node named {node_name!r}")
        found[bone] = idx
    if "hips" in found and not all(b in found for b in ("spine", "chest", "upperChest")):
        _spine_from_chain(avatar, found)
    return found


def _spine_from_chain(avatar: Avatar, found: dict[str, int]) -> None:
    """Spine, chest and upper chest: the nodes between hips and neck (or head), top down."""
    top = found.get("neck", found.get("head"))
    if top is None:
        return
    chain, node = [], avatar.nodes[top].parent
    while node is not None and node != found["hips"]:
        chain.append(node)
        node = avatar.nodes[node].parent
    if node is None or not chain:
        return
    chain.reverse()
    picks = {1: ["spine"], 2: ["spine", "chest"]}.get(len(chain), ["spine", "chest", "upperChest"])
    slots = [0, len(chain) // 2, len(chain) - 1][: len(picks)] if len(chain) > 3 else range(len(picks))
    taken = set(found.values())
    for bone, k in zip(picks, slots):
        if bone not in found and chain[k] not in taken:
            found[bone] = chain[k]


def missing_required(avatar: Avatar, found: dict[str, int]) -> list[str]:
    """What keeps these bones from being a humanoid we can pose (empty when it is one)."""
    missing = [b for b in REQUIRED if b not in found]
    for side in ("left", "right"):
        upper, lower, hand = (found.get(f"{side}{p}") for p in ("UpperArm", "LowerArm", "Hand"))
        if (
            upper is not None
            and lower is not None
            and hand is not None
            and not (_is_ancestor(avatar, upper, lower) and _is_ancestor(avatar, lower, hand))
        ):
            missing.append(f"{side} arm chain (upper arm > lower arm > hand)")
    return missing


def _rotation_only(m: np.ndarray) -> np.ndarray:
    """The rotation of 4x4 matrices, scale divided out of each column."""
    r = m[..., :3, :3]
    return r / np.linalg.norm(r, axis=-2, keepdims=True)


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The shortest-arc rotation matrix taking direction a to direction b."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    axis, c = np.cross(a, b), float(np.dot(a, b))
    s = float(np.linalg.norm(axis))
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        perp = np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0])
        axis, s = perp / np.linalg.norm(perp), 0.0
    else:
        axis = axis / s
    angle = np.arctan2(s, c)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


#: Shares of a head turn, spread down the spine as people turn (renormalized over the bones a
#: rig has): most in the neck and head, a little in the chest and waist.
HEAD_SHARES = {"spine": 0.08, "chest": 0.08, "upperChest": 0.09, "neck": 0.3, "head": 0.45}
#: Share of a forearm's roll (twist about its own axis) handed on to the hand's joint. A skin
#: blended from upper arm to forearm at the elbow pinches by cos(roll/2) there under linear blend
#: skinning: with half the roll moved past the forearm (the radius turns the wrist, not the
#: elbow), a 90-degree roll narrows the elbow by 8% instead of 29%, and the wrist's blend takes
#: the other half. The hand ends up turned exactly as asked.
FOREARM_TWIST_TO_HAND = 0.5


def _hand_on_twist(forearm: np.ndarray, hand: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """(forearm, hand) normalized rotations with `share` of the forearm's twist about its axis
    (X in the normalized T-pose, where the forearm points along X) moved onto the hand; their
    product, the hand's orientation, is unchanged."""
    twist = np.array([forearm[0], 0.0, 0.0, forearm[3]])
    norm = np.linalg.norm(twist)
    if norm < 1e-9:  # a half-turn swing: no twist to speak of
        return forearm, hand
    moved = quat_scale_angle(twist / norm, share)
    back = moved * [-1.0, -1.0, -1.0, 1.0]
    return quat_multiply(forearm, back), quat_multiply(moved, hand)


class HumanoidPose:
    """Posing a humanoid's bones from normalized rotations, with the head turn spread down the spine."""

    def __init__(
        self, avatar: Avatar, found: dict[str, int], order: list[int], rest_local: np.ndarray, facing: np.ndarray
    ):
        self.avatar, self.found, self.facing = avatar, dict(found), facing
        present = [b for b in bones.NAMES if b in found]
        self.bone_index = np.array([bones.INDEX[b] for b in present])  # rows of a frame's bones
        self.nodes = np.array([found[b] for b in present])
        self.tpose_local = self._tpose(order, rest_local)
        world = _rotation_only(world_matrices(avatar, order, self.tpose_local, np.empty_like(rest_local)))
        parents = [avatar.nodes[n].parent for n in self.nodes]
        parent_rot = np.stack([world[p] if p is not None else np.eye(3) for p in parents])
        self._before = parent_rot.transpose(0, 2, 1) @ facing  # inv(parent_T) F
        self._after = facing.T @ world[self.nodes]  # inv(F) bone_T
        self._scale = np.linalg.norm(rest_local[self.nodes, :3, :3], axis=1)  # per-column local scale
        self.bind_bones = bones.identity()  # the file's own pose, as normalized rotations
        bind_local = _rotation_only(rest_local[self.nodes])
        self.bind_bones[self.bone_index] = matrix_quats(
            self._before.transpose(0, 2, 1) @ bind_local @ self._after.transpose(0, 2, 1)
        )
        self._forearms = [
            (bones.INDEX[f"{side}LowerArm"], bones.INDEX[f"{side}Hand"])
            for side in ("left", "right")
            if f"{side}LowerArm" in found and f"{side}Hand" in found
        ]
        shares = {b: s for b, s in HEAD_SHARES.items() if b in found}
        total = sum(shares.values())
        self._head_rows = np.array([bones.INDEX[b] for b in shares], int)
        self._head_shares = [s / total for s in shares.values()]

    def _tpose(self, order: list[int], rest_local: np.ndarray) -> np.ndarray:
        """Local matrices with arms straight out sideways and legs straight down."""
        local = rest_local.copy()
        world = np.empty_like(local)
        f = self.facing
        for side, sign in (("left", 1.0), ("right", -1.0)):
            hand_tip = next(
                (
                    f"{side}{finger}Proximal"
                    for finger in ("Middle", "Index", "Ring", "Little")
                    if f"{side}{finger}Proximal" in self.found
                ),
                None,
            )
            chains = [
                ((f"{side}UpperArm", f"{side}LowerArm"), f @ [sign, 0, 0]),
                ((f"{side}LowerArm", f"{side}Hand"), f @ [sign, 0, 0]),
                ((f"{side}Hand", hand_tip), f @ [sign, 0, 0]),
                ((f"{side}UpperLeg", f"{side}LowerLeg"), f @ [0, -1, 0]),
                ((f"{side}LowerLeg", f"{side}Foot"), f @ [0, -1, 0]),
            ]
            for (bone, child), target in chains:
                if bone not in self.found or child not in self.found:
                    continue
                world_matrices(self.avatar, order, local, world)
                node = self.found[bone]
                direction = world[self.found[child], :3, 3] - world[node, :3, 3]
                if np.linalg.norm(direction) < 1e-9:
                    continue
                posed = world[node].copy()
                posed[:3, :3] = _swing(direction, target) @ posed[:3, :3]
                parent = self.avatar.nodes[node].parent
                local[node] = np.linalg.solve(world[parent], posed) if parent is not None else posed
        return local

    def pose(self, local: np.ndarray, body: np.ndarray, head_rotation: np.ndarray) -> None:
        """Write the bones' local rotations into `local` for a (bones.COUNT, 4) body pose,
        with `head_rotation` (avatar axes) spread over spine, chest, neck and head."""
        q = body.copy()
        for row, share in zip(self._head_rows, self._head_shares):
            q[row] = quat_multiply(q[row], quat_scale_angle(head_rotation, share))
        for forearm, hand in self._forearms:
            q[forearm], q[hand] = _hand_on_twist(q[forearm], q[hand], FOREARM_TWIST_TO_HAND)
        rot = self._before @ quat_matrices(q[self.bone_index]) @ self._after
        local[self.nodes, :3, :3] = rot * self._scale[:, None, :]

    def normalized(self, bone: str | list[str], local_rotation: np.ndarray) -> np.ndarray:
        """The normalized rotation (x, y, z, w) that gives `bone` this local rotation matrix;
        the inverse of `pose`, for clips made on the avatar's own bones. A list of N bones with
        (N, 3, 3) matrices gives (N, 4) in one batch (a clip's bones, every frame)."""
        names = [bone] if isinstance(bone, str) else bone
        k = np.searchsorted(self.bone_index, [bones.INDEX[b] for b in names])  # bone_index is sorted
        q = matrix_quats(
            self._before[k].transpose(0, 2, 1)
            @ np.reshape(local_rotation, (-1, 3, 3))
            @ self._after[k].transpose(0, 2, 1)
        )
        return q[0] if isinstance(bone, str) else q

"""The rig: how the 52 ARKit channels reach one avatar, resolved once, applied every frame.

At load time every channel is bound one of four ways (`direct` morphs found by the alias
matcher, `retarget` through VRM expressions or Oculus visemes, `joint` for jaw and eyes,
or `missing`) and folded into two matrices. Per frame, `apply` is two small matrix products and
a walk down the node hierarchy: no name look-ups, no allocation beyond the output arrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np

from .. import arkit
from ..errors import FileError, OptionError
from ..frame import FaceFrame
from .asset import Avatar
from .humanoid import HumanoidPose, find_humanoid, missing_required
from .rest_pose import arm_spread, relaxed_bones
from .retarget import POSES, viseme_pose
from .skeleton import evaluation_order, find_roles, rest_local_matrices, world_matrices
from .transforms import quat_from_axis_angle, quat_from_euler, quat_scale_angle, quat_to_matrix3

#: What a humanoid's undriven bones show: arms relaxed at its sides, or the file's own pose.
POSE_MODES = ("relaxed", "bind")
#: Share of a head turn taken by the neck; the head joint takes the rest (non-humanoid rigs).
NECK_SHARE = 0.4
#: Joint angles at a channel weight of 1, in radians.
JAW_OPEN_ANGLE = np.radians(22.0)
JAW_SIDE_ANGLE = np.radians(6.0)
JAW_FORWARD_METRES = 0.008
EYE_YAW = np.radians(30.0)
EYE_UP = np.radians(20.0)
EYE_DOWN = np.radians(25.0)


class BindingKind(str, Enum):
    """How a channel is bound: its own morphs, a pose of VRM expressions or visemes, a joint, or not at all."""

    DIRECT = "direct"
    RETARGET = "retarget"
    JOINT = "joint"
    MISSING = "missing"


@dataclass
class Binding:
    """How one ARKit channel reaches the avatar, as `inspect` reports it."""

    how: BindingKind
    targets: list[str] = field(default_factory=list)


@dataclass
class Pose:
    """What the renderer needs for one frame."""

    morph_weights: list[np.ndarray]  # per avatar mesh, (len(target_names),) float32
    world: np.ndarray  # (nodes, 4, 4) world matrices
    skin_matrices: list[np.ndarray]  # per skin, (joints, 4, 4): world[joint] @ inverse_bind


def load_mapping(path: str | Path) -> dict:
    """A per-avatar mapping file (JSON); see `Rig` for its shape."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise FileError(f"{path}: cannot read mapping file: {exc}") from None
    if not isinstance(data, dict):
        raise FileError(f"{path}: a mapping file holds one JSON object")
    return data


def sidecar_mapping(avatar_path: str | Path) -> Path | None:
    """`hero.glb` may come with `hero.mapping.json` beside it."""
    p = Path(avatar_path)
    candidate = p.with_name(p.stem + ".mapping.json")
    return candidate if candidate.is_file() else None


def _responses(spec: dict) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(channel, xs, ys) of a mapping's `response` curves, each checked."""
    if not isinstance(spec, dict):
        raise FileError("mapping response: an object of channel -> [[x, y], ...] curves")
    out = []
    for raw_name, points in spec.items():
        canonical = arkit.canonical(raw_name)
        if canonical is None:
            raise FileError(f"mapping response: {raw_name!r} is not an ARKit name")
        try:
            xy = np.asarray(points, np.float64)
        except (TypeError, ValueError):
            xy = np.zeros(0)
        if (
            xy.ndim != 2
            or xy.shape[1:] != (2,)
            or len(xy) < 2
            or not np.all(np.isfinite(xy))
            or xy[0, 0] != 0.0
            or xy[-1, 0] != 1.0
            or np.any(np.diff(xy[:, 0]) <= 0)
            or xy[:, 1].min() < 0.0
            or xy[:, 1].max() > 1.0
        ):
            raise FileError(
                f"mapping response {raw_name}: expected [[x, y], ...] with x rising from 0 to 1 "
                f"and every y in 0..1, got {points!r}"
            )
        out.append((arkit.INDEX[canonical], xy[:, 0], xy[:, 1]))
    return out


class Rig:
    """Binds an avatar to the ARKit channels and, for a humanoid, to the body bones.

    `mapping` (a dict or a JSON file) overrides any automatic choice:
    `{"channels": {"jawOpen": ["Face/MouthOpen", {"mesh": "Teeth", "target": "Open",
    "weight": 0.8}], "tongueOut": []}, "joints": {"jaw": "Jaw_Bone"},
    "humanoid": {"leftUpperArm": "Arm_L"}, "response": {"mouthSmileLeft": [[0, 0], [0.3, 0.6], [1, 1]]}}`.
    A target written without `Mesh/` binds that morph name on every mesh that has it; an empty
    list marks the channel missing on purpose. A `response` curve (points from (0, 0) to x = 1,
    straight between) reshapes a channel's weight before it reaches the avatar: the gain a
    cartoon face needs whose shapes are drawn subtler than a performer's face moves.

    `pose` is the body a humanoid shows where no source drives it: "relaxed" (arms down at
    its sides, see rest_pose.py) or "bind" (the file's own pose, often a T).
    """

    def __init__(self, avatar: Avatar, mapping: dict | str | Path | None = None, pose: str = "relaxed"):
        if pose not in POSE_MODES:
            raise OptionError(f"pose {pose!r}: expected one of {', '.join(POSE_MODES)}")
        if mapping is not None and not isinstance(mapping, dict):
            mapping = load_mapping(mapping)
        mapping = mapping or {}
        self.avatar = avatar
        self.warnings: list[str] = []
        self._offsets = np.cumsum([0] + [len(m.target_names) for m in avatar.meshes])
        n_morphs = int(self._offsets[-1])

        self.roles = find_roles(avatar, mapping.get("joints"))
        self.head_node = self.roles.get("head")
        self.bindings: dict[str, Binding] = {}
        self._direct = np.zeros((n_morphs, arkit.COUNT), np.float32)
        self._bind_direct(mapping.get("channels", {}))
        self._responses = _responses(mapping.get("response", {}))
        self._poses, self._pose_binds = self._bind_retarget(n_morphs)
        self._bind_joints()
        for name in arkit.NAMES:
            self.bindings.setdefault(name, Binding(BindingKind.MISSING))
        self._jaw_by_joint = np.array(
            [self.bindings[n].how == BindingKind.JOINT and n.startswith("jaw") for n in arkit.NAMES]
        )

        self._driven = (np.abs(self._direct).sum(1) > 0) | (np.abs(self._pose_binds).sum(1) > 0)
        self._defaults = np.concatenate(
            [np.asarray(m.default_weights, np.float32).reshape(-1) for m in avatar.meshes] or [np.zeros(0, np.float32)]
        )
        if len(self._defaults) != n_morphs:  # a mesh without default weights
            self._defaults = np.zeros(n_morphs, np.float32)

        self._order = evaluation_order(avatar)
        self._rest_local = rest_local_matrices(avatar)
        self._rest_world = world_matrices(avatar, self._order, self._rest_local, np.empty_like(self._rest_local))
        # The avatar's facing: VRM 0.x models look down -Z, against glTF's +Z.
        self.facing = quat_to_matrix3(
            quat_from_axis_angle((0, 1, 0), np.pi) if avatar.vrm_version == "0.x" else np.array([0.0, 0.0, 0.0, 1.0])
        )
        self._bind_turns()
        self.humanoid_bones = find_humanoid(avatar, mapping.get("humanoid"))
        self.humanoid_missing = missing_required(avatar, self.humanoid_bones)
        self.humanoid: HumanoidPose | None = None
        self.rest_bones: np.ndarray | None = None  # what undriven bones show
        if not self.humanoid_missing:
            self.humanoid = HumanoidPose(avatar, self.humanoid_bones, self._order, self._rest_local, self.facing)
            self.rest_bones = self.humanoid.bind_bones
            if pose == "relaxed":
                self.arm_spread = arm_spread(self)
                self.rest_bones = relaxed_bones(self.arm_spread)

    # -- binding, once ---------------------------------------------------------------------

    def _morph_slots(self, spec) -> list[tuple[int, float]]:
        """(flat morph index, weight) pairs that a mapping entry names."""
        if isinstance(spec, str):
            mesh_name, _, target = spec.rpartition("/")
            spec = {"mesh": mesh_name or None, "target": target}
        if not isinstance(spec, dict) or "target" not in spec:
            raise FileError(f"mapping: a target is 'Mesh/target', 'target' or an object, got {spec!r}")
        slots = []
        for mi, mesh in enumerate(self.avatar.meshes):
            if spec.get("mesh") not in (None, mesh.name):
                continue
            for ti, tname in enumerate(mesh.target_names):
                if tname == spec["target"]:
                    slots.append((int(self._offsets[mi]) + ti, float(spec.get("weight", 1.0))))
        if not slots:
            raise FileError(f"mapping: no morph target matches {spec!r}")
        return slots

    def _label(self, flat: int) -> str:
        mi = int(np.searchsorted(self._offsets, flat, side="right") - 1)
        mesh = self.avatar.meshes[mi]
        return f"{mesh.name}/{mesh.target_names[flat - self._offsets[mi]]}"

    def _bind_direct(self, overrides: dict):
        for mi, mesh in enumerate(self.avatar.meshes):
            match = arkit.match_names(mesh.target_names)
            for name, candidates in match.ambiguous.items():
                self.warnings.append(
                    f"mesh {mesh.name!r}: {name} is ambiguous between {candidates}; "
                    "left unbound (settle it in a mapping file)"
                )
            for name, (ti,) in match.channels.items():
                self._direct[int(self._offsets[mi]) + ti, arkit.INDEX[name]] = 1.0
        for raw_name, specs in overrides.items():
            canonical = arkit.canonical(raw_name)
            if canonical is None:
                raise FileError(f"mapping channels: {raw_name!r} is not an ARKit name")
            col = arkit.INDEX[canonical]
            self._direct[:, col] = 0.0
            for spec in specs or []:
                for flat, weight in self._morph_slots(spec):
                    self._direct[flat, col] = weight
            self.bindings[canonical] = Binding(BindingKind.DIRECT if specs else BindingKind.MISSING)
        for name in arkit.NAMES:
            rows = np.flatnonzero(self._direct[:, arkit.INDEX[name]])
            if len(rows):
                self.bindings[name] = Binding(BindingKind.DIRECT, [self._label(int(r)) for r in rows])

    def _bind_retarget(self, n_morphs: int) -> tuple[np.ndarray, np.ndarray]:
        """Poses (VRM expressions, Oculus visemes) fed by channels that have no direct morph."""
        has_own = {n for n, b in self.bindings.items() if b.how in (BindingKind.DIRECT, BindingKind.MISSING)}
        poses: list[dict[str, float]] = []
        binds: list[list[tuple[int, float]]] = []
        labels: list[str] = []
        expressions = {e.name: e for e in self.avatar.expressions}
        for e in self.avatar.expressions:
            recipe = POSES.get(e.name)
            if recipe is None:
                continue
            if e.name == "blink":  # both eyes, only for an eye that has no one-eye blink
                recipe = {c: v for c, v in recipe.items() if "blink" + c.removeprefix("eyeBlink") not in expressions}
            slots = [
                (int(self._offsets[b.mesh]) + b.target, b.weight)
                for b in e.binds
                if 0 <= b.mesh < len(self.avatar.meshes)
                and 0 <= b.target < len(self.avatar.meshes[b.mesh].target_names)
            ]
            poses.append(recipe)
            binds.append(slots)
            labels.append(f"expression:{e.name}")
        for mi, mesh in enumerate(self.avatar.meshes):
            for ti, tname in enumerate(mesh.target_names):
                if tname.lower().startswith("viseme_") and (recipe := viseme_pose(tname[7:])):
                    poses.append(recipe)
                    binds.append([(int(self._offsets[mi]) + ti, 1.0)])
                    labels.append(f"viseme:{mesh.name}/{tname}")

        table = np.zeros((len(poses), arkit.COUNT), np.float32)
        pose_binds = np.zeros((n_morphs, len(poses)), np.float32)
        for p, (recipe, slots, label) in enumerate(zip(poses, binds, labels)):
            for name, coeff in recipe.items():
                if name in has_own:
                    continue
                table[p, arkit.INDEX[name]] = coeff
                if coeff > 0:
                    self.bindings.setdefault(name, Binding(BindingKind.RETARGET)).targets.append(label)
            for flat, weight in slots:
                pose_binds[flat, p] += weight
        return table, pose_binds

    def _bind_joints(self):
        for name, role in (("jawOpen", "jaw"), ("jawLeft", "jaw"), ("jawRight", "jaw"), ("jawForward", "jaw")):
            if role in self.roles and name not in self.bindings:
                self.bindings[name] = Binding(BindingKind.JOINT, [f"joint:{self._node_name(role)}"])
        for side in ("Left", "Right"):
            role = "leftEye" if side == "Left" else "rightEye"
            if role not in self.roles:
                continue
            for look in ("Down", "In", "Out", "Up"):
                name = f"eyeLook{look}{side}"
                label = f"joint:{self._node_name(role)}"
                if name in self.bindings:
                    self.bindings[name].targets.append(label)
                else:
                    self.bindings[name] = Binding(BindingKind.JOINT, [label])

    def _node_name(self, role: str) -> str:
        return self.avatar.nodes[self.roles[role]].name

    # -- per frame -------------------------------------------------------------------------

    def rest_pose(self) -> Pose:
        return self.apply(FaceFrame(0.0))

    def waist_height(self, pose: Pose) -> float | None:
        """A humanoid's waist (its hips joint) height in `pose`, in world units."""
        if self.humanoid is None:
            return None
        return float(pose.world[self.humanoid_bones["hips"], 1, 3])

    def pose_body(self, body: np.ndarray) -> Pose:
        """A neutral face over this (bones.COUNT, 4) body pose."""
        return self.apply(FaceFrame(0.0, bones=body))

    def apply(self, frame: FaceFrame) -> Pose:
        w = frame.weights
        if self._responses:
            w = w.copy()
            for col, xs, ys in self._responses:
                w[col] = np.interp(w[col], xs, ys)
        pose_weights = np.clip(self._poses @ w, 0.0, 1.0)
        flat = np.where(self._driven, self._direct @ w + self._pose_binds @ pose_weights, self._defaults)
        morphs = [flat[a:b] for a, b in self._mesh_slices]

        local = self._rest_local.copy()
        if self.humanoid is not None:
            body = self.rest_bones
            assert body is not None, "a humanoid rig has rest bones"
            if frame.bones is not None:
                assert frame.bone_mask is not None, "FaceFrame gives bones a mask"
                body = np.where(frame.bone_mask[:, None], frame.bones, body)
            self.humanoid.pose(local, body, frame.head_rotation)
            if frame.head_position is not None and self._shift_node is not None:
                self._shift(local, self._shift_node, frame.head_position)
        else:
            self._pose_head(local, frame.head_rotation, frame.head_position)
        if self._jaw is not None:
            self._pose_jaw(local, w * self._jaw_by_joint)
        self._pose_eyes(local, frame)
        world = world_matrices(self.avatar, self._order, local, np.empty_like(local))
        skins = [world[joints] @ inverse for joints, inverse in self._skins]
        return Pose(morphs, world, skins)

    # -- the joints the face turns, resolved once ------------------------------------------

    def _bind_turns(self) -> None:
        """For each joint the face turns (neck, head, jaw, eyes): the two fixed matrices that
        turn it about its own pivot by a rotation in the avatar's axes, `A @ R @ B @ local`, and
        the one that moves it by an offset in the avatar's axes, in its parent's units."""
        self._turns: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._moves: dict[int, np.ndarray] = {}
        for node in self.roles.values():
            parent = self.avatar.nodes[node].parent
            p = self._rest_world[parent][:3, :3] if parent is not None else np.eye(3)
            self._moves[node] = np.linalg.solve(p, self.facing)
            p = p / np.linalg.norm(p, axis=0, keepdims=True)  # rotation only
            self._turns[node] = (p.T @ self.facing, self.facing.T @ p)
        head, neck = self.roles.get("head"), self.roles.get("neck")
        self._head_turns = (
            [(neck, NECK_SHARE), (head, 1.0 - NECK_SHARE)]
            if head is not None and neck is not None
            else [(n, 1.0) for n in (head, neck) if n is not None]
        )
        self._shift_node = neck if neck is not None else head
        self._jaw = self.roles["jaw"] if self._jaw_by_joint.any() else None
        self._eyes = [
            (k, side, self.roles[role])
            for k, (side, role) in enumerate((("Left", "leftEye"), ("Right", "rightEye")))
            if role in self.roles
        ]
        self._mesh_slices = list(zip(self._offsets[:-1], self._offsets[1:]))
        self._skins = [(s.joints, s.inverse_bind) for s in self.avatar.skins]

    def _rotate(self, local: np.ndarray, node: int, q_avatar) -> None:
        """Turn `node` about its own pivot by a rotation given in the avatar's axes."""
        before, after = self._turns[node]
        local[node, :3, :3] = before @ quat_to_matrix3(q_avatar) @ after @ local[node, :3, :3]

    def _shift(self, local: np.ndarray, node: int, offset_avatar) -> None:
        local[node, :3, 3] += self._moves[node] @ np.asarray(offset_avatar, float)

    def _pose_head(self, local, rotation, position):
        for node, share in self._head_turns:
            self._rotate(local, node, rotation if share == 1.0 else quat_scale_angle(rotation, share))
        if position is not None and self._shift_node is not None:
            self._shift(local, self._shift_node, position)

    def _pose_jaw(self, local, w):
        yaw = (w[_JAW_LEFT] - w[_JAW_RIGHT]) * JAW_SIDE_ANGLE
        q = quat_from_euler(yaw, w[_JAW_OPEN] * JAW_OPEN_ANGLE, 0.0)
        self._rotate(local, self._jaw, q)
        if w[_JAW_FORWARD]:
            self._shift(local, self._jaw, (0.0, 0.0, w[_JAW_FORWARD] * JAW_FORWARD_METRES))

    def _pose_eyes(self, local, frame: FaceFrame):
        for k, side, node in self._eyes:
            yaw, pitch = frame.eyes[k] if frame.eyes is not None else eye_angles(frame.weights, side)
            self._rotate(local, node, quat_from_euler(yaw, pitch, 0.0))


_JAW_LEFT, _JAW_RIGHT, _JAW_OPEN, _JAW_FORWARD = (
    arkit.INDEX[n] for n in ("jawLeft", "jawRight", "jawOpen", "jawForward")
)
#: Per side: the indices of eyeLookIn, eyeLookOut, eyeLookDown and eyeLookUp.
_LOOK = {
    side: tuple(arkit.INDEX[f"eyeLook{d}{side}"] for d in ("In", "Out", "Down", "Up")) for side in ("Left", "Right")
}


def set_look(weights: np.ndarray, yaw: float, pitch: float) -> None:
    """Writes the eyeLook* weights of both eyes looking at (yaw, pitch) radians, the inverse
    of `eye_angles`: positive yaw to the avatar's left, positive pitch down."""
    for side in ("Left", "Right"):
        towards_out = yaw if side == "Left" else -yaw  # +yaw is out for the left eye
        look_in, look_out, down, up = _LOOK[side]
        weights[look_out] = min(max(towards_out, 0.0) / EYE_YAW, 1.0)
        weights[look_in] = min(max(-towards_out, 0.0) / EYE_YAW, 1.0)
        weights[down] = min(max(pitch, 0.0) / EYE_DOWN, 1.0)
        weights[up] = min(max(-pitch, 0.0) / EYE_UP, 1.0)


def eye_angles(weights: np.ndarray, side: str) -> tuple[float, float]:
    """(yaw, pitch) in radians that the eyeLook* weights of one eye describe.

    Positive yaw looks to the avatar's left (+X): out for the left eye, in for the right one.
    Positive pitch looks down.
    """
    look_in, look_out, down, up = (weights[i] for i in _LOOK[side])
    towards_left = look_out - look_in if side == "Left" else look_in - look_out
    pitch = down * EYE_DOWN - up * EYE_UP
    return float(towards_left * EYE_YAW), float(pitch)

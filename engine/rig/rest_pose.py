"""A relaxed standing pose for any humanoid: arms down at the sides, elbows, wrists and fingers
a little bent, as people stand when they are not doing anything.

It is written as normalized rotations (engine/bones.py), so the same angles pose every humanoid
whatever its bind pose: a T-pose and an A-pose avatar end up alike. The one thing that depends
on the avatar is how far the arms stand out from the body: the least spread at which its upper
arms and forearms clear the torso's own mesh, so a broad avatar's arms do not sink into it.
"""

from __future__ import annotations

import numpy as np

from .. import bones
from .transforms import quat_from_axis_angle, quat_multiply

#: Degrees. Arms hang this far forward of vertical, and elbows, wrists and fingers bend so much.
ARM_FORWARD = 5.0
ELBOW_BEND = 14.0
WRIST_BEND = 6.0
FINGER_CURL = (10.0, 18.0, 12.0)  # proximal, intermediate, distal
THUMB_CURL = (0.0, 10.0, 12.0)  # metacarpal, proximal, distal
#: The arms' spread from vertical is searched between these, in steps.
SPREAD_RANGE = (6.0, 36.0)
SPREAD_STEP = 2.0
#: Arm vertices within this share of the upper arm's length of the shoulder are the armpit,
#: which touches the torso in any pose.
ARMPIT = 0.3
#: Skin may press this deep (a share of the figure's height) before it counts as inside: a
#: relaxed arm touches the flank.
CONTACT = 0.008
#: An arm may have this share of its vertices inside the torso's outline (skinning noise).
INSIDE_TOLERANCE = 0.02


def _about(axis, degrees: float) -> np.ndarray:
    return quat_from_axis_angle(axis, np.radians(degrees))


def relaxed_bones(spread: float) -> np.ndarray:
    """(bones.COUNT, 4) normalized rotations of the relaxed pose, arms `spread` degrees out."""
    q = bones.identity()
    for side, sign in (("left", 1.0), ("right", -1.0)):
        # Swing the arm from sideways to down about the forward axis, then forward a little.
        down = _about((0, 0, 1), -sign * (90.0 - spread))
        q[bones.INDEX[f"{side}UpperArm"]] = quat_multiply(_about((1, 0, 0), -ARM_FORWARD), down)
        # In the T-pose, palm down, the elbow hinges about +Y and a hand flexes towards -Y.
        q[bones.INDEX[f"{side}LowerArm"]] = _about((0, 1, 0), -sign * ELBOW_BEND)
        q[bones.INDEX[f"{side}Hand"]] = _about((0, 0, 1), -sign * WRIST_BEND)
        for finger in ("Index", "Middle", "Ring", "Little"):
            for joint, curl in zip(("Proximal", "Intermediate", "Distal"), FINGER_CURL):
                q[bones.INDEX[f"{side}{finger}{joint}"]] = _about((0, 0, 1), -sign * curl)
        for joint, curl in zip(("Metacarpal", "Proximal", "Distal"), THUMB_CURL):
            q[bones.INDEX[f"{side}Thumb{joint}"]] = _about((0, 0, 1), -sign * curl)
    return q


def arm_spread(rig) -> float:
    """The least spread (degrees) at which both arms clear the torso in `rig`'s avatar.

    Each vertex follows its strongest joint; the torso is what the hips and spine bones move, the
    arm what the upper and lower arm move (a hand may rest against the thigh). An arm vertex is
    inside when it lies nearer the midline than the torso's outermost vertex in its cell of
    height and depth.
    """
    found = rig.humanoid.found
    points, owner = _vertices_by_joint(rig.avatar)
    torso = np.isin(owner, [found[b] for b in ("hips", "spine", "chest", "upperChest") if b in found])
    if not torso.any():
        return SPREAD_RANGE[0]
    arms = [
        (np.isin(owner, [found[f"{side}UpperArm"], found[f"{side}LowerArm"]]), side, sign)
        for side, sign in (("left", 1.0), ("right", -1.0))
    ]
    for spread in np.arange(SPREAD_RANGE[0], SPREAD_RANGE[1] + 1e-9, SPREAD_STEP):
        pose = rig.pose_body(relaxed_bones(spread))
        world = pose.world[owner]
        posed = (np.einsum("vij,vj->vi", world[:, :3, :3], points) + world[:, :3, 3]) @ rig.facing
        if all(
            _inside_share(posed, torso, arm, sign, _armpit(rig, pose, side)) <= INSIDE_TOLERANCE
            for arm, side, sign in arms
        ):
            return float(spread)
    return SPREAD_RANGE[1]


def _armpit(rig, pose, side: str) -> tuple[np.ndarray, float]:
    """The shoulder joint (avatar axes) and the radius around it that counts as armpit."""
    found = rig.humanoid.found
    shoulder = pose.world[found[f"{side}UpperArm"], :3, 3] @ rig.facing
    elbow = pose.world[found[f"{side}LowerArm"], :3, 3] @ rig.facing
    return shoulder, ARMPIT * float(np.linalg.norm(elbow - shoulder))


def _inside_share(posed: np.ndarray, torso: np.ndarray, arm: np.ndarray, sign: float, armpit) -> float:
    """Share of one arm's vertices (armpit aside) inside the torso's outline on that side."""
    shoulder, reach = armpit
    points = posed[arm]
    points = points[np.linalg.norm(points - shoulder, axis=1) > reach]
    if not len(points):
        return 0.0
    trunk = posed[torso]
    height = np.ptp(posed[:, 1]) or 1.0
    cell = 0.02 * height  # a fiftieth of the figure's height
    lo = np.minimum(trunk.min(0), points.min(0))  # so every cell index is >= 0

    def keys(p):
        return np.floor((p[:, 1] - lo[1]) / cell).astype(int), np.floor((p[:, 2] - lo[2]) / cell).astype(int)

    ty, tz = keys(trunk)
    outline = np.full((ty.max() + 3, tz.max() + 3), -np.inf)  # outermost torso extent per (height, depth) cell
    np.maximum.at(outline, (ty + 1, tz + 1), sign * trunk[:, 0])
    ay, az = keys(points)
    inside_cells = (ay + 1 < outline.shape[0]) & (az + 1 < outline.shape[1])
    limit = np.full(len(points), -np.inf)
    limit[inside_cells] = outline[ay[inside_cells] + 1, az[inside_cells] + 1]
    return float(np.mean(sign * points[:, 0] < limit - CONTACT * height))


def _vertices_by_joint(avatar) -> tuple[np.ndarray, np.ndarray]:
    """Every skinned vertex in its strongest joint's bind space, and that joint's node."""
    points, owner = [], []
    for node in avatar.nodes:
        if node.mesh is None or node.skin is None:
            continue
        skin = avatar.skins[node.skin]
        for prim in avatar.meshes[node.mesh].primitives:
            if prim.joints is None or prim.weights is None:
                continue
            strongest = prim.joints[np.arange(len(prim.joints)), np.argmax(prim.weights, axis=1)]
            joint_nodes = np.asarray(skin.joints)[strongest]
            inverse = skin.inverse_bind[strongest]
            p = prim.positions.astype(np.float64)
            points.append(np.einsum("vij,vj->vi", inverse[:, :3, :3], p) + inverse[:, :3, 3])
            owner.append(joint_nodes)
    if not points:
        return np.zeros((0, 3)), np.zeros(0, int)
    return np.concatenate(points), np.concatenate(owner)

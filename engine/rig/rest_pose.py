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
#: An arm may have this share of its vertices inside the torso's outline (skinning noise).
INSIDE_TOLERANCE = 0.005


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

    Each vertex follows its strongest joint; a torso vertex is one the hips or spine bones move.
    An arm vertex is inside when, in its slice of height and depth, it lies nearer the midline
    than the torso's outermost vertex on that side.
    """
    humanoid = rig.humanoid
    found = humanoid.found
    points, owner = _vertices_by_joint(rig.avatar)
    if not len(points):
        return SPREAD_RANGE[0]
    torso_nodes = [found[b] for b in ("hips", "spine", "chest", "upperChest") if b in found]
    torso = np.isin(owner, torso_nodes)
    arms = {side: np.isin(owner, [found[f"{side}{p}"] for p in ("UpperArm", "LowerArm", "Hand")])
            for side in ("left", "right")}
    if not torso.any():
        return SPREAD_RANGE[0]
    facing = rig.facing
    body = humanoid.bind_bones.copy()
    for spread in np.arange(SPREAD_RANGE[0], SPREAD_RANGE[1] + 1e-9, SPREAD_STEP):
        body[:] = relaxed_bones(spread)
        pose = rig.pose_body(body)
        world = np.einsum("vij,vj->vi", pose.world[owner][:, :3, :3], points) + pose.world[owner][:, :3, 3]
        world = world @ facing  # into the avatar's axes: +X its left, +Z its front
        if all(_inside_share(world, torso, arms[side], sign, rig, side, pose) <= INSIDE_TOLERANCE
               for side, sign in (("left", 1.0), ("right", -1.0))):
            return float(spread)
    return SPREAD_RANGE[1]


def _inside_share(world, torso, arm, sign, rig, side, pose) -> float:
    found = rig.humanoid.found
    shoulder = pose.world[found[f"{side}UpperArm"], :3, 3] @ rig.facing
    elbow = pose.world[found[f"{side}LowerArm"], :3, 3] @ rig.facing
    reach = ARMPIT * np.linalg.norm(elbow - shoulder)
    arm_points = world[arm]
    arm_points = arm_points[np.linalg.norm(arm_points - shoulder, axis=1) > reach]
    if not len(arm_points):
        return 0.0
    trunk = world[torso]
    height = np.ptp(world[:, 1]) or 1.0
    slab = 0.02 * height
    inside = 0
    for p in arm_points[:: max(1, len(arm_points) // 600)]:
        near = trunk[(np.abs(trunk[:, 1] - p[1]) < slab) & (np.abs(trunk[:, 2] - p[2]) < 2 * slab)]
        if len(near) and sign * p[0] < np.max(sign * near[:, 0]) and sign * p[0] > 0:
            inside += 1
    return inside / len(arm_points[:: max(1, len(arm_points) // 600)])


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

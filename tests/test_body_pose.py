"""The relaxed rest pose, the normalized T-pose under it, the living body, and the head turn
spread down the spine, on skinned humanoids built in code (tests/humanoid_fixtures.py)."""

import numpy as np
import pytest

from engine import bones
from engine.body_motion import BodyMotion
from engine.frame import FaceFrame
from engine.idle import IdleMotion
from engine.rig.gltf import load_avatar
from engine.rig.rest_pose import relaxed_bones
from engine.rig.rig import Rig
from engine.rig.skinning import deform
from engine.rig.transforms import quat_from_euler
from humanoid_fixtures import build_humanoid


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("humanoids")


@pytest.fixture(scope="module")
def t_pose(folder):
    """Mixamo names, bones' own axes along each bone, a T-pose, fingers."""
    return load_avatar(build_humanoid(folder, naming="mixamo", pose="T"))


@pytest.fixture(scope="module")
def a_pose(folder):
    """Ready Player Me names, an A-pose."""
    return load_avatar(build_humanoid(folder, naming="rpm", pose="A"))


def _joint(rig, pose, bone):
    """A bone's head in the avatar's axes (+X its left, +Y up, +Z its front)."""
    return pose.world[rig.humanoid.found[bone], :3, 3] @ rig.facing


def _direction(rig, pose, bone, child):
    d = _joint(rig, pose, child) - _joint(rig, pose, bone)
    return d / np.linalg.norm(d)


def _degrees(a, b):
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b), -1, 1))))


CHAINS = [(f"{s}{a}", f"{s}{b}") for s in ("left", "right")
          for a, b in (("UpperArm", "LowerArm"), ("LowerArm", "Hand"), ("Hand", "MiddleProximal"),
                       ("MiddleProximal", "MiddleIntermediate"), ("UpperLeg", "LowerLeg"))]


def test_a_t_pose_and_an_a_pose_avatar_stand_in_the_same_relaxed_pose(t_pose, a_pose):
    rigs = [Rig(t_pose), Rig(a_pose)]
    poses = [rig.rest_pose() for rig in rigs]
    for bone, child in CHAINS:
        t_dir, a_dir = (_direction(r, p, bone, child) for r, p in zip(rigs, poses))
        assert _degrees(t_dir, a_dir) < 3.0, (bone, child)
    # ... and the bind poses they came from were far apart.
    binds = [Rig(a, pose="bind") for a in (t_pose, a_pose)]
    bind_poses = [r.rest_pose() for r in binds]
    assert _degrees(*(_direction(r, p, "leftUpperArm", "leftLowerArm") for r, p in zip(binds, bind_poses))) > 30


def test_relaxed_arms_hang_at_the_sides_with_elbows_and_fingers_a_little_bent(t_pose):
    rig = Rig(t_pose)
    pose = rig.rest_pose()
    for side, sign in (("left", 1.0), ("right", -1.0)):
        upper = _direction(rig, pose, f"{side}UpperArm", f"{side}LowerArm")
        fore = _direction(rig, pose, f"{side}LowerArm", f"{side}Hand")
        assert upper[1] < -0.9 and sign * upper[0] > 0  # down, a little out to its own side
        assert 5 < _degrees(upper, fore) < 30  # a soft elbow ...
        assert fore[2] > upper[2]  # ... that brings the hand forward, not back
        assert _joint(rig, pose, f"{side}Hand")[1] < _joint(rig, pose, f"{side}UpperArm")[1] - 0.3
        finger = [_direction(rig, pose, f"{side}Middle{a}", f"{side}Middle{b}")
                  for a, b in (("Proximal", "Intermediate"), ("Intermediate", "Distal"))]
        assert 5 < _degrees(*finger) < 40  # curled a little


def test_the_bind_pose_option_shows_the_file_exactly_as_it_is(a_pose):
    """Normalizing to a T-pose and back is exact: no drift in any bone."""
    bind = Rig(a_pose, pose="bind")
    posed = bind.rest_pose().world
    plain = bind.apply(FaceFrame(0.0)).world
    np.testing.assert_allclose(posed, plain, atol=1e-9)
    from engine.rig.skeleton import world_matrices

    file_pose = world_matrices(a_pose, bind._order, bind._rest_local, np.empty_like(bind._rest_local))
    np.testing.assert_allclose(posed, file_pose, atol=1e-6)


def _inside_arm_share(avatar, rig, pose) -> float:
    """Share of upper-arm and forearm vertices (the armpit aside) that lie more than 1 cm inside
    the torso, measured on fully skinned vertices: per 2 cm slice of height and depth, nearer
    the midline than the torso's outermost vertex on their side."""
    found = rig.humanoid.found
    torso_nodes = [found[b] for b in ("hips", "spine", "chest", "upperChest") if b in found]
    inside = total = 0
    for node_index, node in enumerate(avatar.nodes):
        if node.mesh is None or node.skin is None:
            continue
        joints = np.asarray(avatar.skins[node.skin].joints)
        for pi, prim in enumerate(avatar.meshes[node.mesh].primitives):
            positions = deform(avatar, pose, node.mesh, pi, node_index)[0] @ rig.facing
            owner = joints[prim.joints[np.arange(len(prim.joints)), np.argmax(prim.weights, 1)]]
            trunk = positions[np.isin(owner, torso_nodes)]
            for side, sign in (("left", 1.0), ("right", -1.0)):
                shoulder = _joint(rig, pose, f"{side}UpperArm")
                arm = positions[np.isin(owner, [found[f"{side}UpperArm"], found[f"{side}LowerArm"]])]
                arm = arm[arm[:, 1] < shoulder[1] - 0.08]
                for p in arm[::2]:
                    near = trunk[(np.abs(trunk[:, 1] - p[1]) < 0.01) & (np.abs(trunk[:, 2] - p[2]) < 0.01)]
                    total += 1
                    inside += bool(len(near)) and float(np.max(sign * near[:, 0]) - sign * p[0]) > 0.01
    return inside / max(total, 1)


def test_upper_arms_do_not_pass_through_the_torso(t_pose):
    rig = Rig(t_pose)
    rest = _inside_arm_share(t_pose, rig, rig.rest_pose())
    assert rest < 0.02
    # The same arms hanging straight down sink into the hips: the spread was needed.
    assert _inside_arm_share(t_pose, rig, rig.pose_body(relaxed_bones(0.0))) > max(3 * rest, 0.02)


def test_a_vrm0_avatar_facing_minus_z_bends_its_elbows_towards_its_own_front(folder):
    avatar = load_avatar(build_humanoid(folder, naming="vroid", pose="T", vrm="0.x"))
    rig = Rig(avatar)
    pose = rig.rest_pose()
    assert rig.humanoid is not None
    for side in ("left", "right"):
        upper = _direction(rig, pose, f"{side}UpperArm", f"{side}LowerArm")
        fore = _direction(rig, pose, f"{side}LowerArm", f"{side}Hand")
        assert upper[1] < -0.9 and fore[2] > upper[2]


def test_the_head_turn_is_spread_over_spine_chest_neck_and_head(t_pose):
    rig = Rig(t_pose)
    turn = FaceFrame(0.0, head_rotation=quat_from_euler(np.radians(40), 0.0, 0.0))
    still, turned = rig.rest_pose(), rig.apply(turn)
    found = rig.humanoid.found

    def yaw(pose, bone):
        m = pose.world[found[bone], :3, :3]
        m = m / np.linalg.norm(m, axis=0)
        return m

    def relative(bone, parent):
        a = yaw(still, parent).T @ yaw(still, bone)
        b = yaw(turned, parent).T @ yaw(turned, bone)
        return _degrees(*(np.array([1.0, 0, 0]) @ m.T for m in (a, b)))

    head = yaw(turned, "head") @ yaw(still, "head").T
    assert np.degrees(np.arccos((np.trace(head) - 1) / 2)) == pytest.approx(40, abs=0.5)
    for bone, parent in (("spine", "hips"), ("chest", "spine"), ("neck", "upperChest"), ("head", "neck")):
        assert relative(bone, parent) > 1.0, bone  # every joint of the chain takes a share


def test_the_body_breathes_and_sways_the_same_way_every_time(t_pose):
    motion, again = BodyMotion(seed=3), BodyMotion(seed=3)
    times = np.arange(0, 12, 0.1)
    chest = np.array([motion.bones(t)[bones.INDEX["upperChest"]] for t in times])
    np.testing.assert_array_equal(chest, [again.bones(t)[bones.INDEX["upperChest"]] for t in times])
    angles = np.degrees(2 * np.arccos(np.clip(np.abs(chest[:, 3]), 0, 1)))
    assert 0.3 < angles.max() < 5  # visible, never a lurch
    breaths = np.sum(np.diff((angles > angles.mean()).astype(int)) == 1)
    assert 2 <= breaths <= 4  # a breath every ~4 s
    hips = np.array([motion.bones(t)[bones.INDEX["hips"]] for t in times])
    assert np.ptp(hips[:, 2]) > 0.005  # the weight shifts
    assert not np.array_equal(hips, [BodyMotion(seed=4).bones(t)[bones.INDEX["hips"]] for t in times])


def test_breathing_moves_the_chest_and_shoulders_but_the_feet_stay_planted(t_pose):
    rig = Rig(t_pose)
    idle = IdleMotion(seed=1)
    poses = [rig.apply(idle.frame(t)) for t in np.arange(0, 10, 0.25)]
    shoulder = np.array([_joint(rig, p, "leftUpperArm") for p in poses])
    foot = np.array([_joint(rig, p, "leftFoot") for p in poses])
    assert np.ptp(shoulder[:, 1]) > 0.003  # the shoulders rise and fall
    assert np.ptp(foot, axis=0).max() < min(0.008, 0.5 * np.ptp(shoulder, axis=0).max())

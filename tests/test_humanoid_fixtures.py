"""The code-built humanoids (humanoid_fixtures.py): valid files that have what they claim.

The body-posing tests trust these avatars, so the claims are checked here: bone names per
rig, bone frames along the bones (or world-aligned for VRoid), weights, closed outward
surfaces, the T and A poses, the face morphs, and clips that pose every rig the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gltf_fixtures import khronos_issues
from humanoid_fixtures import CLIPS, MORPHS, bone_tree, build_humanoid, node_name, posed_world
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from engine.rig.gltf import load_avatar

WALK_JOINTS = ("leftFoot", "rightFoot", "leftHand", "rightHand")
VARIANTS = {
    "mixamo_T": dict(naming="mixamo", pose="T", clips=True),
    "rpm_A": dict(naming="rpm", pose="A"),
    "vroid_vrm1": dict(naming="vroid", vrm="1.0"),
    "vroid_vrm0_A": dict(naming="vroid", pose="A", fingers=False, clips=True, vrm="0.x"),
    "mixamo_A_bare": dict(naming="mixamo", pose="A", fingers=False),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("humanoids")
    return {key: build_humanoid(folder, **options) for key, options in VARIANTS.items()}


@pytest.fixture(scope="module")
def avatars(files):
    return {key: load_avatar(path) for key, path in files.items()}


def _bones(key: str) -> dict[str, int]:
    """VRM 1.0 bone name -> node index, from the names the variant's rig uses."""
    options = VARIANTS[key]
    return {bone: node_name(bone, options["naming"]) for bone, _ in bone_tree(options.get("fingers", True))}


def _joint(avatar, world, key, bone) -> np.ndarray:
    return world[avatar.node_index(_bones(key)[bone]), :3, 3]


def _facing(key: str) -> float:
    return -1.0 if VARIANTS[key].get("vrm") == "0.x" else 1.0


def test_each_variant_loads_small_and_clean(files, avatars):
    for key, path in files.items():
        avatar = avatars[key]
        assert path.suffix == (".glb" if VARIANTS[key].get("vrm") is None else ".vrm")
        assert path.stat().st_size < 3_000_000, key
        assert not avatar.warnings and not avatar.unsupported, (key, avatar.warnings, avatar.unsupported)
        assert avatar.vrm_version == VARIANTS[key].get("vrm")
        count = sum(p.vertex_count for m in avatar.meshes for p in m.primitives)
        assert 5_000 <= count <= 20_000, (key, count)
        assert len(avatar.materials) == 3


@pytest.mark.parametrize("key", list(VARIANTS))
def test_passes_the_khronos_validator(files, key):
    issues = khronos_issues(files[key], timeout=60)
    assert issues["numErrors"] == 0, [m for m in issues["messages"] if m["severity"] == 0]
    warnings = {m["code"] for m in issues["messages"] if m["severity"] == 1}
    # VRM 0.x's extension is named "VRM", without the vendor prefix glTF asks for
    assert warnings <= ({"INVALID_EXTENSION_NAME_FORMAT"} if key == "vroid_vrm0_A" else set()), warnings


def test_bones_carry_each_rigs_names(avatars):
    expected = {
        "mixamo_T": ["mixamorig:Hips", "mixamorig:Spine2", "mixamorig:LeftForeArm",
                     "mixamorig:LeftHandThumb1", "mixamorig:RightHandPinky3", "mixamorig:RightUpLeg",
                     "mixamorig:LeftToeBase"],
        "rpm_A": ["Hips", "Spine1", "LeftArm", "RightHand", "LeftHandIndex3", "RightLeg", "RightToeBase"],
        "vroid_vrm1": ["J_Bip_C_Hips", "J_Bip_C_UpperChest", "J_Bip_L_UpperArm", "J_Bip_R_LowerArm",
                       "J_Bip_L_Thumb1", "J_Bip_R_Little3", "J_Bip_L_UpperLeg", "J_Bip_R_ToeBase"],
        "vroid_vrm0_A": ["J_Bip_C_Chest", "J_Bip_L_Shoulder", "J_Bip_R_Hand", "J_Bip_L_Foot"],
    }
    for key, avatar in avatars.items():
        joints = {avatar.nodes[j].name for j in avatar.skins[0].joints}
        assert set(expected.get(key, [])) <= joints, key
        assert joints == set(_bones(key).values()), key
        # 22 body bones, and 15 per hand with fingers
        assert len(joints) == (52 if VARIANTS[key].get("fingers", True) else 22), key


def test_vrm_humanoid_and_expressions(avatars):
    for key in ("vroid_vrm1", "vroid_vrm0_A"):
        avatar = avatars[key]
        nodes = {bone: avatar.node_index(name) for bone, name in _bones(key).items()}
        assert avatar.humanoid == nodes, key  # 0.x thumb names come back as 1.0's
        face = next(m for m in avatar.meshes if m.name == "Face")
        binds = {e.name: sorted(face.target_names[b.target] for b in e.binds) for e in avatar.expressions}
        assert binds == {"aa": ["jawOpen"], "blink": ["eyeBlinkLeft", "eyeBlinkRight"],
                         "happy": ["mouthSmileLeft", "mouthSmileRight"]}, key


def test_bone_frames_follow_each_rigs_convention(avatars):
    for key, avatar in avatars.items():
        world = posed_world(avatar)
        names = _bones(key)
        tree = bone_tree(VARIANTS[key].get("fingers", True))
        for bone, parent in tree:
            node = avatar.nodes[avatar.node_index(names[bone])]
            if VARIANTS[key]["naming"] == "vroid":  # world-aligned; an A-pose lowers the upper arms
                lowered = VARIANTS[key].get("pose") == "A" and bone.endswith("UpperArm")
                angle = 2 * np.degrees(np.arccos(min(abs(node.rotation[3]), 1.0)))
                assert angle == pytest.approx(45.0 if lowered else 0.0, abs=1e-6), f"{key} {bone}"
                continue
            assert abs(node.rotation[3]) < np.cos(np.radians(2.0)), f"{key} {bone} is unrotated at rest"
            children = [avatar.node_index(names[b]) for b, p in tree if p == bone]
            if children:  # +Y points at a child: the next bone of the chain
                i = avatar.node_index(names[bone])
                along = world[children, :3, 3] - world[i, :3, 3]
                cosines = along @ world[i, :3, 1] / np.linalg.norm(along, axis=1)
                assert cosines.max() > 0.9999, f"{key} {bone}"


def test_skin_weights_are_smooth_convex_and_four_wide(avatars):
    for key, avatar in avatars.items():
        for mesh in avatar.meshes:
            for prim in mesh.primitives:
                assert prim.joints.shape[1] == 4
                np.testing.assert_allclose(prim.weights.sum(axis=1), 1.0, atol=2e-7)
                assert prim.weights.min() >= 0 and prim.joints.max() < len(avatar.skins[0].joints)
        # the elbow blends over a few centimetres: vertices there share upper arm and forearm
        body = next(m for m in avatar.meshes if m.name == "Body")
        world = posed_world(avatar)
        elbow = _joint(avatar, world, key, "leftLowerArm")
        joints = [avatar.nodes[j].name for j in avatar.skins[0].joints]
        upper, lower = (joints.index(_bones(key)[b]) for b in ("leftUpperArm", "leftLowerArm"))
        for prim in body.primitives:
            near = np.linalg.norm(prim.positions - elbow, axis=1) < 0.06
            share = (prim.weights * (prim.joints == lower))[near].sum(axis=1)
            share_up = (prim.weights * (prim.joints == upper))[near].sum(axis=1)
            if near.any() and prim.material == 0:  # the skin: the bare arm
                assert ((share > 0.2) & (share_up > 0.2)).sum() > 20, key


def test_surfaces_are_closed_and_face_outwards(avatars):
    avatar = avatars["rpm_A"]
    for mesh in avatar.meshes:
        for prim in mesh.primitives:
            faces = prim.indices.astype(np.int64)
            edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
            _, uses = np.unique(edges, axis=0, return_counts=True)
            assert (uses == 2).all(), f"{mesh.name}: open or non-manifold edges"
            n = prim.vertex_count
            graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
            count, label = connected_components(graph, directed=False)
            p = prim.positions.astype(np.float64)
            volume = np.einsum("ij,ij->i", p[faces[:, 0]], np.cross(p[faces[:, 1]], p[faces[:, 2]]))
            per_piece = np.bincount(label[faces[:, 0]], weights=volume, minlength=count)
            assert (per_piece > 0).all(), f"{mesh.name}: a piece is inside out"
            centre = p.mean(axis=0)
            assert (prim.normals * (p - centre)).sum(axis=1).mean() > 0


def test_t_pose_hands_at_shoulder_height_a_pose_below(avatars):
    for key, avatar in avatars.items():
        world = posed_world(avatar)
        for side in ("left", "right"):
            shoulder = _joint(avatar, world, key, side + "UpperArm")
            hand = _joint(avatar, world, key, side + "Hand")
            drop = shoulder[1] - hand[1]
            if VARIANTS[key].get("pose", "T") == "T":
                assert abs(drop) < 0.01, key
            else:
                assert 0.3 < drop < 0.45, key  # 45 degrees down over the 0.53 m arm
            outward = (hand[0] - shoulder[0]) * (1 if side == "left" else -1) * _facing(key)
            assert outward > 0.3, f"{key}: {side} hand is on the avatar's {side}"
        points = np.concatenate([p.positions for m in avatar.meshes for p in m.primitives])
        assert abs(points[:, 1].min()) < 0.002 and 1.65 < points[:, 1].max() < 1.8, key


def test_face_morphs_move_the_face_on_the_right_sides(avatars):
    for key, avatar in avatars.items():
        face = next(m for m in avatar.meshes if m.name == "Face")
        assert face.target_names == list(MORPHS)
        prim = face.primitives[0]
        head = _joint(avatar, posed_world(avatar), key, "head")
        for name, target in zip(face.target_names, prim.targets):
            moved = np.linalg.norm(target.positions, axis=1)
            assert 0.003 < moved.max() < 0.04, (key, name)
            where = prim.positions[moved > 0.3 * moved.max()] - head
            front = where[:, 2] * _facing(key)
            assert front.min() > -0.005 and front.mean() > 0.04, f"{key} {name}: not on the front of the face"
            if name.endswith(("Left", "Right")):
                side = 1 if name.endswith("Left") else -1
                assert (where[:, 0] * side * _facing(key) > 0).mean() > 0.9, f"{key} {name}: wrong side"


def test_clips_pose_every_rig_alike(avatars):
    assert not avatars["rpm_A"].animations
    positions = {}
    for key in ("mixamo_T", "vroid_vrm0_A"):
        avatar = avatars[key]
        clips = {a.name: a for a in avatar.animations}
        assert list(clips) == list(CLIPS)
        assert clips["Walk"].duration == pytest.approx(1.2) and clips["Wave"].duration == pytest.approx(2.0)
        assert all(c.interpolation == "LINEAR" for a in clips.values() for c in a.channels)
        for channel in clips["Walk"].channels:
            np.testing.assert_allclose(channel.values[0], channel.values[-1], atol=1e-6)  # it loops
        bob = next(c for c in clips["Walk"].channels if c.path == "translation").values[:, 1]
        assert 0.015 < np.ptp(bob) < 0.03
        (smile,) = clips["Smile"].channels
        assert (smile.path, avatar.nodes[smile.node].name) == ("weights", "Face")
        assert smile.values.reshape(-1, len(MORPHS))[1, MORPHS.index("mouthSmileLeft")] == 1.0
        flip = np.array([_facing(key), 1, _facing(key)])
        positions[key] = {  # Wave leaves the left arm in the rig's own rest pose
            (clip, t): np.array([_joint(avatar, posed_world(avatar, clip, t), key, b) * flip for b in bones])
            for clip, t, bones in (("Walk", 0.3, WALK_JOINTS), ("Walk", 0.9, WALK_JOINTS),
                                   ("Wave", 0.5, ("rightLowerArm", "rightHand")))
        }
    walk = positions["mixamo_T"][("Walk", 0.3)]
    assert walk[0, 2] - walk[1, 2] > 0.3  # left foot ahead ...
    assert walk[3, 2] - walk[2, 2] > 0.1  # ... right hand ahead
    assert walk[2, 1] < 1.0 and walk[3, 1] < 1.0  # arms hang
    elbow, hand = positions["mixamo_T"][("Wave", 0.5)]
    assert hand[1] > elbow[1] + 0.2  # the right hand up above the elbow
    for frame, where in positions["mixamo_T"].items():
        np.testing.assert_allclose(positions["vroid_vrm0_A"][frame], where, atol=1e-4, err_msg=str(frame))

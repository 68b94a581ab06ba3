"""Rig resolution and posing, on avatars built as arrays so every expected value is by hand."""

import json

import numpy as np
import pytest

from engine import arkit
from engine.frame import FaceFrame
from engine.rig.asset import Avatar, Expression, Mesh, MorphBind, MorphTarget, Node, Primitive, Skin
from engine.rig.rig import JAW_OPEN_ANGLE, NECK_SHARE, Rig
from engine.rig.skinning import deform
from engine.rig.transforms import quat_from_euler


def _prim(n_targets=0, joints=None, weights=None):
    pos = np.array([[1.0, 1.5, 0.0], [0.0, 0.5, 1.0], [0.0, 1.0, 0.0]], np.float32)
    targets = [MorphTarget(np.full((3, 3), 0.1 * (k + 1), np.float32)) for k in range(n_targets)]
    return Primitive(pos, np.array([[0, 1, 2]], np.uint32), joints=joints, weights=weights,
                     targets=targets)


def _mesh(name, target_names):
    return Mesh(name, [_prim(len(target_names))], list(target_names),
                np.zeros(len(target_names), np.float32))


def _avatar(meshes, nodes=None, skins=(), expressions=(), vrm=None):
    nodes = nodes or [Node(f"mesh{i}", mesh=i) for i in range(len(meshes))]
    return Avatar("test.glb", nodes, meshes, list(skins), expressions=list(expressions),
                  vrm_version=vrm)


def test_direct_binding_finds_aliases_on_several_meshes():
    face = _mesh("Face", ["EyeBlink_L", "jawOpen", "hairSway"])
    teeth = _mesh("Teeth", ["blendShape1.jawOpen"])
    rig = Rig(_avatar([face, teeth]))
    assert rig.bindings["eyeBlinkLeft"].how == "direct"
    assert rig.bindings["eyeBlinkLeft"].targets == ["Face/EyeBlink_L"]
    assert rig.bindings["jawOpen"].targets == ["Face/jawOpen", "Teeth/blendShape1.jawOpen"]
    assert rig.bindings["tongueOut"].how == "missing"

    pose = rig.apply(FaceFrame.from_named(0.0, {"jawOpen": 0.6, "eyeBlinkLeft": 0.25}))
    assert np.allclose(pose.morph_weights[0], [0.25, 0.6, 0.0])
    assert np.allclose(pose.morph_weights[1], [0.6])


def test_ambiguous_morphs_are_reported_and_left_unbound():
    rig = Rig(_avatar([_mesh("Face", ["eyeBlinkLeft", "EyeBlink_L"])]))
    assert rig.bindings["eyeBlinkLeft"].how == "missing"
    assert any("ambiguous" in w and "EyeBlink_L" in w for w in rig.warnings)


def test_undriven_morphs_keep_their_default_weights():
    mesh = _mesh("Face", ["jawOpen", "bodyFat"])
    mesh.default_weights = np.array([0.0, 0.4], np.float32)
    pose = Rig(_avatar([mesh])).apply(FaceFrame.from_named(0.0, {"jawOpen": 1.0}))
    assert np.allclose(pose.morph_weights[0], [1.0, 0.4])


def test_vrm_expressions_are_driven_through_the_retarget_table():
    mesh = _mesh("Face", ["Fcl_MTH_A", "Fcl_EYE_Close_L", "Fcl_EYE_Close_R", "Fcl_MTH_O"])
    exprs = [
        Expression("aa", [MorphBind(0, 0, 1.0)], preset="aa"),
        Expression("blinkLeft", [MorphBind(0, 1, 1.0)], preset="blinkLeft"),
        Expression("blinkRight", [MorphBind(0, 2, 1.0)], preset="blinkRight"),
        Expression("oh", [MorphBind(0, 3, 0.5)], preset="oh"),
    ]
    rig = Rig(_avatar([mesh], expressions=exprs, vrm="1.0"))
    assert rig.bindings["jawOpen"].how == "retarget"
    assert rig.bindings["jawOpen"].targets == ["expression:aa"]
    assert rig.bindings["eyeBlinkRight"].targets == ["expression:blinkRight"]
    assert rig.bindings["mouthFunnel"].how == "retarget"

    pose = rig.apply(FaceFrame.from_named(0.0, {"jawOpen": 0.8, "mouthFunnel": 0.4, "eyeBlinkRight": 1.0}))
    # aa = jawOpen - funnel/2 = 0.6; oh = funnel = 0.4, bound at weight 0.5.
    assert np.allclose(pose.morph_weights[0], [0.6, 0.0, 1.0, 0.2])


def test_a_channel_with_its_own_morph_never_also_drives_a_retarget_pose():
    mesh = _mesh("Face", ["jawOpen", "viseme_aa"])
    rig = Rig(_avatar([mesh]))
    assert rig.bindings["jawOpen"].how == "direct"
    pose = rig.apply(FaceFrame.from_named(0.0, {"jawOpen": 1.0}))
    assert np.allclose(pose.morph_weights[0], [1.0, 0.0])


def test_oculus_visemes_are_retargets():
    rig = Rig(_avatar([_mesh("Head", ["viseme_aa", "viseme_O", "viseme_PP", "viseme_sil"])]))
    assert rig.bindings["jawOpen"].targets == ["viseme:Head/viseme_aa"]
    assert rig.bindings["mouthFunnel"].how == "retarget"
    pose = rig.apply(FaceFrame.from_named(0.0, {"mouthPressLeft": 1.0, "mouthPressRight": 1.0}))
    assert np.allclose(pose.morph_weights[0], [0.0, 0.0, 1.0, 0.0])


def _two_joint_avatar():
    """neck at the origin, head 1 m above it; one mesh skinned half to each."""
    nodes = [
        Node("Neck", children=[1]),
        Node("Head", parent=0, translation=np.array([0.0, 1.0, 0.0])),
        Node("Body", mesh=0, skin=0),
    ]
    joints = np.array([[0, 1, 0, 0]] * 3, np.uint16)
    weights = np.array([[0.5, 0.5, 0, 0]] * 3, np.float32)
    mesh = Mesh("Body", [_prim(0, joints, weights)])
    inverse_bind = np.stack([np.eye(4), np.eye(4)])
    inverse_bind[1, 1, 3] = -1.0
    return _avatar([mesh], nodes, [Skin("skin", [0, 1], inverse_bind)])


def _ry(angle, v):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([v[0] * c + v[2] * s, v[1], -v[0] * s + v[2] * c])


def test_head_turn_is_split_over_neck_and_head_and_skinned_by_hand():
    avatar = _two_joint_avatar()
    rig = Rig(avatar)
    assert rig.roles == {"neck": 0, "head": 1}
    yaw = np.radians(90)
    pose = rig.apply(FaceFrame(0.0, head_rotation=quat_from_euler(yaw, 0, 0)))
    positions, _ = deform(avatar, pose, 0, 0)
    v = np.array([1.0, 1.5, 0.0])
    # Neck turns NECK_SHARE of the way; the head, riding on it, reaches the full turn.
    expected = 0.5 * _ry(NECK_SHARE * yaw, v) + 0.5 * _ry(yaw, v)
    assert np.allclose(positions[0], expected, atol=1e-6)
    # A yaw towards +X: the vertex in front (+Z) moves to +X, the avatar's left.
    assert positions[1][0] > 0.5


def test_rest_pose_leaves_a_skinned_mesh_in_place():
    avatar = _two_joint_avatar()
    positions, _ = deform(avatar, Rig(avatar).rest_pose(), 0, 0)
    assert np.allclose(positions, avatar.meshes[0].primitives[0].positions, atol=1e-6)


def test_jaw_joint_opens_when_no_jaw_morph_exists():
    nodes = [Node("Head", children=[1]), Node("Jaw", parent=0, translation=np.array([0, -0.05, 0.02]))]
    rig = Rig(_avatar([], nodes))
    assert rig.bindings["jawOpen"].how == "joint"
    assert rig.bindings["jawOpen"].targets == ["joint:Jaw"]
    pose = rig.apply(FaceFrame.from_named(0.0, {"jawOpen": 1.0}))
    chin = pose.world[1] @ np.array([0, 0, 0.1, 1.0])
    assert chin[1] < -0.05 - 0.1 * np.sin(JAW_OPEN_ANGLE) + 1e-6  # the chin drops
    assert np.allclose(pose.world[1][:3, 3], [0, -0.05, 0.02])  # about the hinge


def test_eye_joints_follow_look_weights_and_explicit_gaze():
    nodes = [Node("Head", children=[1, 2]), Node("LeftEye", parent=0), Node("RightEye", parent=0)]
    rig = Rig(_avatar([], nodes))
    assert rig.bindings["eyeLookOutLeft"].how == "joint"
    pose = rig.apply(FaceFrame.from_named(0.0, {"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0}))
    for eye in (1, 2):  # both look to the avatar's left, +X
        assert (pose.world[eye][:3, :3] @ [0, 0, 1])[0] > 0.4
    gaze = FaceFrame(0.0, eyes=[[0.0, 0.3], [0.0, 0.3]])  # pitch down
    assert (rig.apply(gaze).world[1][:3, :3] @ [0, 0, 1])[1] < -0.25


def test_vrm0_avatars_face_minus_z_and_turn_the_same_way_for_the_viewer():
    avatar = _two_joint_avatar()
    avatar.vrm_version = "0.x"
    pose = Rig(avatar).apply(FaceFrame(0.0, head_rotation=quat_from_euler(0, np.radians(30), 0)))
    # A nod down tips that avatar's forward (-Z) towards -Y.
    assert (pose.world[1][:3, :3] @ [0, 0, -1])[1] < -0.4


def test_mapping_file_overrides_channels_and_joints(tmp_path):
    mesh = _mesh("Face", ["MouthOpen", "jawOpen", "Blink"])
    nodes = [Node("Face", mesh=0), Node("Kiefer")]
    mapping = {
        "channels": {
            "JawOpen": [{"mesh": "Face", "target": "MouthOpen", "weight": 0.5}],
            "eyeBlinkLeft": ["Blink"],
            "eyeBlinkRight": ["Face/Blink"],
            "tongueOut": [],
        },
        "joints": {"jaw": "Kiefer"},
    }
    path = tmp_path / "m.json"
    path.write_text(json.dumps(mapping))
    rig = Rig(_avatar([mesh], nodes), path)
    assert rig.bindings["jawOpen"].targets == ["Face/MouthOpen"]
    assert rig.bindings["tongueOut"].how == "missing"
    assert rig.roles["jaw"] == 1
    pose = rig.apply(FaceFrame.from_named(0.0, {"jawOpen": 1.0, "eyeBlinkLeft": 0.5}))
    assert np.allclose(pose.morph_weights[0], [0.5, 0.0, 0.5])


@pytest.mark.parametrize(
    "mapping, message",
    [
        ({"channels": {"notAShape": []}}, "notAShape"),
        ({"channels": {"jawOpen": ["Face/nope"]}}, "nope"),
        ({"joints": {"tail": "Kiefer"}}, "tail"),
        ({"joints": {"jaw": "nope"}}, "nope"),
        ({"response": {"grin": [[0, 0], [1, 1]]}}, "grin"),
        ({"response": {"jawOpen": [[0, 0], [0.5, 1.5], [1, 1]]}}, "jawOpen.*y in 0..1"),
        ({"response": {"jawOpen": [[0.2, 0], [1, 1]]}}, "x rising from 0 to 1"),
        ({"response": {"jawOpen": "steep"}}, "jawOpen"),
    ],
)
def test_bad_mapping_entries_are_named(mapping, message):
    with pytest.raises(ValueError, match=message):
        Rig(_avatar([_mesh("Face", ["jawOpen"])], [Node("Face", mesh=0), Node("Kiefer")]), mapping)


def test_a_response_curve_reshapes_its_channel_only():
    mesh = _mesh("Face", ["mouthSmileLeft", "mouthSmileRight"])
    avatar = _avatar([mesh], [Node("Face", mesh=0)])
    rig = Rig(avatar, {"response": {"mouthSmileLeft": [[0, 0], [0.25, 0.5], [1, 1]]}})
    for x in (0.1, 0.25, 0.6, 1.0):
        got = rig.apply(FaceFrame.from_named(0.0, {"mouthSmileLeft": x, "mouthSmileRight": x})).morph_weights[0]
        assert got[0] == pytest.approx(np.interp(x, [0, 0.25, 1], [0, 0.5, 1]))
        assert got[1] == pytest.approx(x)


def test_the_mascots_smile_is_as_broad_as_the_performers():
    """A performer's broad smile reads about 0.5 on MediaPipe's mouthSmile; the mascots' shapes
    at 0.5 barely curl, so their mapping files give their smiles a gain curve."""
    from engine.offline import open_avatar
    from engine.rig import MASCOT, MASCOT_M

    for path in (MASCOT, MASCOT_M):
        _, rig = open_avatar(path)
        frame = FaceFrame.from_named(0.0, {"mouthSmileLeft": 0.5, "mouthSmileRight": 0.5, "jawOpen": 0.5})
        pose = rig.apply(frame)
        bare = Rig(rig.avatar).apply(frame)
        smiles = 0
        for k, mesh in enumerate(rig.avatar.meshes):
            for name in ("mouthSmileLeft", "mouthSmileRight"):
                if name in mesh.target_names:
                    t = mesh.target_names.index(name)
                    assert pose.morph_weights[k][t] >= 0.75 and bare.morph_weights[k][t] == pytest.approx(0.5)
                    smiles += 1
            if "jawOpen" in mesh.target_names:  # other channels pass through
                t = mesh.target_names.index("jawOpen")
                assert pose.morph_weights[k][t] == pytest.approx(bare.morph_weights[k][t])
        assert smiles >= 2


def test_every_channel_reaches_its_own_morph_in_order():
    face = _mesh("Face", list(arkit.NAMES))
    rig = Rig(_avatar([face]))
    pose = rig.apply(FaceFrame(0.0, np.linspace(0, 1, 52, dtype=np.float32)))
    assert np.allclose(pose.morph_weights[0], np.linspace(0, 1, 52))


def test_both_eye_blink_only_covers_eyes_without_their_own_blink():
    mesh = _mesh("Face", ["Blink", "Blink_L"])
    exprs = [Expression("blink", [MorphBind(0, 0, 1.0)]), Expression("blinkLeft", [MorphBind(0, 1, 1.0)])]
    rig = Rig(_avatar([mesh], expressions=exprs, vrm="1.0"))
    assert rig.bindings["eyeBlinkLeft"].targets == ["expression:blinkLeft"]
    pose = rig.apply(FaceFrame.from_named(0.0, {"eyeBlinkLeft": 1.0}))
    assert np.allclose(pose.morph_weights[0], [0.0, 1.0])


def test_jaw_joint_takes_only_the_jaw_channels_no_morph_covers():
    mesh = _mesh("Face", ["Fcl_MTH_A"])
    nodes = [Node("Face", mesh=0), Node("Head", children=[2]), Node("Jaw", parent=1)]
    rig = Rig(_avatar([mesh], nodes, expressions=[Expression("aa", [MorphBind(0, 0, 1.0)])]))
    assert rig.bindings["jawOpen"].how == "retarget"
    assert rig.bindings["jawLeft"].how == "joint"
    opened = rig.apply(FaceFrame.from_named(0.0, {"jawOpen": 1.0}))
    assert np.allclose(opened.world[2], np.eye(4))  # the morph opens the mouth, not the bone
    assert opened.morph_weights[0][0] == pytest.approx(1.0)
    sideways = rig.apply(FaceFrame.from_named(0.0, {"jawLeft": 1.0}))
    assert (sideways.world[2][:3, :3] @ [0, 0, 1])[0] > 0.05  # the chin swings to +X

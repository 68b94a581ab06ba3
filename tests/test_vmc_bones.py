"""VMC body bones in and out, over real UDP sockets on 127.0.0.1 (issue 18, item 5)."""

import math
import struct

import numpy as np
import pytest
from pythonosc.osc_packet import OscPacket
from scipy.spatial.transform import Rotation

from engine import bones
from engine.drivers.synthetic import FunctionSource
from engine.frame import FaceFrame
from engine.mixer import LayerRule
from engine.pipeline import OfflineClock, Pipeline
from engine.registry import open_sink
from engine.protocols import osc, vmc
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from engine.rig.transforms import quat_from_euler, quat_to_euler
from humanoid_fixtures import build_humanoid
from test_mocap_network import _Listening, _udp, _wait
from test_vmc import _bundle, _s

S45, C45 = math.sin(math.radians(45)), math.cos(math.radians(45))


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> Rig:
    return Rig(load_avatar(build_humanoid(tmp_path_factory.mktemp("vmc"), naming="mixamo", pose="A")))


def _bone_msg(name: str, position, q) -> bytes:
    return _s("/VMC/Ext/Bone/Pos") + _s(",sfffffff") + _s(name) + struct.pack(">7f", *position, *q)


def _world_y(rig: Rig, frame: FaceFrame, bone: str) -> float:
    return float(rig.apply(frame).world[rig.humanoid_bones[bone], 1, 3])


def test_unity_names_are_vrm_names_capitalized_but_the_thumb_shifts_one_joint():
    assert vmc.unity_name("leftUpperArm") == "LeftUpperArm" and vmc.unity_name("hips") == "Hips"
    assert [vmc.unity_name(f"rightThumb{j}") for j in ("Metacarpal", "Proximal", "Distal")] == [
        "RightThumbProximal", "RightThumbIntermediate", "RightThumbDistal"]
    assert "Neck" not in vmc.BODY and "Head" not in vmc.BODY and len(vmc.BODY) == bones.COUNT - 2


def test_hand_built_vseeface_bundle_decodes_to_glTF_rotations_over_loopback(rig):
    """Known Unity quaternions, expectations from the axes alone: Unity is left-handed with the
    avatar's left at -X; the same numbers rotate vectors the same way in both, so a left arm
    (Unity -X) turned +90 degrees about +Z points down, and in glTF (left arm +X) that is -90."""
    spine_unity = (0.0, math.sin(math.radians(15)), 0.0, math.cos(math.radians(15)))  # +30 about Unity +Y
    thumb_unity = (0.1, 0.2, 0.3, 0.9)
    bundle = _bundle(
        _s("/VMC/Ext/OK") + _s(",i") + struct.pack(">i", 1),
        _s("/VMC/Ext/T") + _s(",f") + struct.pack(">f", 3.5),
        _s("/VMC/Ext/Root/Pos") + _s(",sfffffff") + _s("root") + struct.pack(">7f", 0, 0, 0, 0, 0, 0, 1),
        _bone_msg("Hips", (0, 0.95, 0), (0, 0, 0, 1)),
        _bone_msg("Spine", (0, 0.1, 0), spine_unity),
        _bone_msg("LeftUpperArm", (-0.12, 0, 0), (0, 0, S45, C45)),
        _bone_msg("LeftThumbProximal", (-0.02, 0, 0.02), thumb_unity),
        _bone_msg("Neck", (0, 0.1, 0), (0, 0, 0, 1)),
        _bone_msg("Head", (0, 0.1, 0), (0, -math.sin(math.radians(10)), 0, math.cos(math.radians(10)))),
        _s("/VMC/Ext/Blend/Val") + _s(",sf") + _s("JawOpen") + struct.pack(">f", 0.5),
        _s("/VMC/Ext/Blend/Apply") + _s(","),
    )
    with _Listening("vmc://127.0.0.1:0") as rx:
        rx.send(bundle)
        assert _wait(lambda: rx.source.stats.frames == 1)
        f = rx.source.frame_at(0.0)
    heard = {bones.NAMES[i] for i in np.flatnonzero(f.bone_mask)}
    assert heard == {"hips", "spine", "leftUpperArm", "leftThumbMetacarpal"}  # the thumb shifts a joint
    arm = f.bones[bones.INDEX["leftUpperArm"]]
    assert arm == pytest.approx([0, 0, -S45, C45], abs=1e-6)
    assert Rotation.from_quat(arm).apply([1, 0, 0]) == pytest.approx([0, -1, 0], abs=1e-6)  # left arm down
    turned = Rotation.from_quat(f.bones[bones.INDEX["spine"]]).apply([0, 0, 1])
    assert turned == pytest.approx([-0.5, 0, math.sqrt(3) / 2], abs=1e-6)  # to the avatar's right (-X)
    thumb = np.array(thumb_unity) / np.linalg.norm(thumb_unity)
    assert f.bones[bones.INDEX["leftThumbMetacarpal"]] == pytest.approx(thumb * [1, -1, -1, 1], abs=1e-6)
    # Neck and Head are the head (20 degrees to the avatar's left), not body bones.
    assert quat_to_euler(f.head_rotation)[0] == pytest.approx(math.radians(20), abs=1e-6)
    assert f.weight("jawOpen") == 0.5
    # On the avatar: the left hand hangs below the shoulder; at rest the other arm does too.
    assert _world_y(rig, f, "leftHand") < _world_y(rig, f, "leftUpperArm") - 0.4


def test_root_rotation_turns_the_hips_once_they_are_heard():
    q = quat_from_euler(math.radians(90), 0, 0)  # glTF: a quarter turn to the avatar's left
    root = osc.message(vmc.ROOT, "root", 1.0, 0.0, 2.0, *map(float, q * [1, -1, -1, 1]))
    apply = osc.message(vmc.APPLY)
    dec = vmc.VmcDecoder()
    assert dec.feed(osc.bundle([root, apply]), 0.0).bones is None  # no body heard: none claimed
    hips = osc.message(vmc.BONE, "Hips", 0.0, 0.9, 0.0, 0.0, 0.0, 0.0, 1.0)
    f = dec.feed(osc.bundle([root, hips, apply]), 0.0)
    assert f.bones[bones.INDEX["hips"]] == pytest.approx(q, abs=1e-6)
    assert dec.root[0] == pytest.approx([-1.0, 0.0, 2.0])


def _posed(rig: Rig) -> np.ndarray:
    body = bones.identity()
    rng = np.random.default_rng(4)
    for name in ("spine", "leftUpperArm", "rightLowerArm", "leftThumbMetacarpal", "rightLittleDistal", "leftFoot"):
        body[bones.INDEX[name]] = quat_from_euler(*rng.uniform(-0.8, 0.8, 3))
    return body


def test_our_sink_sends_the_posed_body_and_our_source_hears_it(rig):
    """A body source over the avatar's rest -> vmc:// sink ... vmc:// source: the same bones."""
    body = _posed(rig)
    mine = bones.bone_mask(["spine", "leftUpperArm", "rightLowerArm", "leftThumbMetacarpal", "rightLittleDistal",
                            "leftFoot"])
    head = quat_from_euler(0.2, -0.1, 0.05)
    source = FunctionSource(LayerRule("body", 5),
                            lambda t: FaceFrame(t, head_rotation=head, bones=body, bone_mask=mine))
    with _Listening("vmc://127.0.0.1:0") as rx:
        Pipeline([source], [open_sink(f"vmc://127.0.0.1:{rx.port}")], rig).run(OfflineClock(30, 0.1))
        assert _wait(lambda: rx.source.stats.frames == 3)
        got = rx.source.frame_at(1.0)
    assert rx.source.stats.rejected == rx.source.stats.malformed == 0
    expected = np.where(mine[:, None], body, rig.rest_bones)  # the rest pose under the rest
    sent = np.ones(bones.COUNT, bool)
    sent[[bones.INDEX["neck"], bones.INDEX["head"]]] = False
    assert np.array_equal(got.bone_mask, sent)
    same_sign = np.sign(np.sum(got.bones * expected, axis=1))[:, None]
    assert np.abs(got.bones * same_sign - expected)[sent].max() < 1e-6
    assert np.allclose(quat_to_euler(got.head_rotation), (0.2, -0.1, 0.05), atol=1e-5)
    # The received body poses the avatar as the sent one does.
    sent_pose = rig.apply(FaceFrame(0.0, head_rotation=head, bones=expected)).world
    assert np.abs(rig.apply(got).world[:, :3, 3] - sent_pose[:, :3, 3]).max() < 1e-4


def test_bone_positions_are_the_avatars_t_pose_offsets_in_unity_axes(rig):
    rx = _udp()
    try:
        Pipeline([FunctionSource(LayerRule("face", 5), lambda t: FaceFrame(t))],
                 [open_sink(f"vmc://127.0.0.1:{rx.getsockname()[1]}")], rig).run(OfflineClock(30, 0.04))
        messages = {m.message.params[0]: m.message.params for m in OscPacket(rx.recv(16384)).messages
                    if m.message.address == vmc.BONE}
    finally:
        rx.close()
    assert messages["Hips"][1:4] == pytest.approx([0.0, 0.96, 0.0], abs=0.01)  # hips height
    assert messages["LeftUpperArm"][1] < -0.1  # out from the shoulder to the avatar's left: -X in Unity
    assert messages["RightUpperArm"][1] > 0.1
    assert messages["LeftLowerLeg"][2] < -0.3  # the knee below the hip


@pytest.mark.parametrize("bad", [
    ("LeftHand", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # no rotation
    ("LeftHand", 0.0, 0.0, 0.0, float("nan"), 0.0, 0.0, 1.0),
    ("LeftHand", 0.0, 0.0, 0.0, 0.0),  # truncated
    (7, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),  # no name
])
def test_hostile_bone_messages_are_counted_and_dropped(bad):
    good = osc.message(vmc.BONE, "RightHand", 0.0, 0.0, 0.0, 0.0, 0.0, S45, C45)
    with _Listening("vmc://127.0.0.1:0") as rx:
        rx.send(osc.bundle([osc.message(vmc.BONE, *bad), good, osc.message(vmc.APPLY)]))
        assert _wait(lambda: rx.source.stats.frames == 1)
        f = rx.source.frame_at(0.0)
    assert rx.source.stats.rejected == 1 and rx.source.stats.malformed == 0
    assert np.flatnonzero(f.bone_mask).tolist() == [bones.INDEX["rightHand"]]
    assert f.bones[bones.INDEX["rightHand"]] == pytest.approx([0, 0, -S45, C45], abs=1e-6)

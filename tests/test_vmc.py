import math
import struct

import numpy as np
import pytest
from pythonosc.osc_packet import OscPacket

from engine import arkit
from engine.frame import FaceFrame
from engine.protocols import vmc
from engine.protocols.errors import PacketError
from engine.rig.transforms import quat_from_euler, quat_to_euler


def _s(text: str) -> bytes:
    """An OSC string by hand: bytes, a NUL, padded with NULs to a multiple of 4."""
    raw = text.encode() + b"\x00"
    return raw + b"\x00" * (-len(raw) % 4)


def _bundle(*elements: bytes) -> bytes:
    return b"#bundle\x00" + b"\x00" * 7 + b"\x01" + b"".join(struct.pack(">i", len(e)) + e for e in elements)


def _frame(**kw):
    return FaceFrame(0.75, np.linspace(0, 1, 52, dtype=np.float32), **kw)


def test_hand_built_blend_val_and_apply_decode():
    val = b"/VMC/Ext/Blend/Val\x00\x00" + b",sf\x00" + b"JawOpen\x00" + b"\x3f\x00\x00\x00"  # 0.5
    assert val == _s("/VMC/Ext/Blend/Val") + _s(",sf") + _s("JawOpen") + struct.pack(">f", 0.5)
    apply = b"/VMC/Ext/Blend/Apply\x00\x00\x00\x00" + b",\x00\x00\x00"
    dec = vmc.VmcDecoder()
    assert dec.feed(val, 1.0) is None  # values wait for Apply
    f = dec.feed(apply, 2.0)
    assert f.t == 2.0 and f.weight("jawOpen") == 0.5
    assert f.mask.sum() == 1  # only what was sent is driven
    f = dec.feed(_bundle(_s("/VMC/Ext/Blend/Val") + _s(",sf") + _s("eyeblink_l") + struct.pack(">f", 0.25), apply), 3.0)
    assert f.weight("eyeBlinkLeft") == 0.25 and f.weight("jawOpen") == 0.5  # names any case; values persist


def test_hand_built_head_bone_in_unity_axes_turns_the_head_to_its_left():
    s15, c15 = math.sin(math.radians(15)), math.cos(math.radians(15))
    # Unity: a negative turn about +Y turns a +Z-facing avatar to its left (-X in Unity).
    bone = _s("/VMC/Ext/Bone/Pos") + _s(",sfffffff") + _s("Head") + struct.pack(">7f", 0, 0.1, 0, 0, -s15, 0, c15)
    apply = _s("/VMC/Ext/Blend/Apply") + _s(",")
    f = vmc.VmcDecoder().feed(_bundle(bone, apply), 0.0)
    yaw, pitch, roll = quat_to_euler(f.head_rotation)
    assert yaw == pytest.approx(math.radians(30)) and pitch == pytest.approx(0) and roll == pytest.approx(0)


def test_encoded_bundle_is_standard_osc_in_the_documented_order():
    head = quat_from_euler(0.3, -0.2, 0.1)
    data = vmc.encode(_frame(head_rotation=head, eyes=[[0.1, 0.05], [0.12, 0.05]]))
    messages = [m.message for m in OscPacket(data).messages]  # python-osc's own parser
    addresses = [m.address for m in messages]
    assert addresses[:7] == [vmc.OK, vmc.TIME, vmc.ROOT] + [vmc.BONE] * 4
    assert addresses[7:-1] == [vmc.VAL] * 52 and addresses[-1] == vmc.APPLY
    assert messages[1].params == [pytest.approx(0.75)]
    assert [m.params[0] for m in messages[3:7]] == ["Neck", "Head", "LeftEye", "RightEye"]
    head_msg = messages[4].params
    assert head_msg[4:8] == pytest.approx([head[0], -head[1], -head[2], head[3]], abs=1e-6)  # X mirror
    assert head_msg[1] == pytest.approx(0.0)
    left_eye = messages[5].params
    assert left_eye[1] < 0  # the avatar's left eye sits at -X in Unity
    names = [m.params[0] for m in messages[7:-1]]
    assert names[:2] == ["EyeBlinkLeft", "EyeLookDownLeft"] and names[-1] == "TongueOut"


def test_perfect_sync_round_trip():
    src = _frame(head_rotation=quat_from_euler(0.3, -0.2, 0.1), eyes=[[0.1, 0.05], [0.12, -0.05]])
    f = vmc.VmcDecoder().feed(vmc.encode(src), 5.0)
    assert np.allclose(f.weights, src.weights, atol=1e-6) and f.mask.all()
    assert np.allclose(quat_to_euler(f.head_rotation), (0.3, -0.2, 0.1), atol=1e-6)
    assert np.allclose(f.eyes, src.eyes, atol=1e-6)


def test_vrm0_presets_from_the_retarget_sums_and_their_inverse():
    f = FaceFrame.from_named(0, {"jawOpen": 0.8, "mouthFunnel": 0.2, "eyeBlinkLeft": 1.0, "eyeBlinkRight": 0.4,
                                 "mouthSmileLeft": 0.6, "mouthSmileRight": 0.4, "eyeLookOutLeft": 0.5,
                                 "eyeLookInRight": 0.5})
    values = dict(vmc.blend_values(f, "vrm0"))
    assert "Fun" not in values and "Neutral" not in values
    assert set(values) == set(vmc.VRM0_PRESETS) - {"Fun", "Neutral"}
    assert values["A"] == pytest.approx(0.8 - 0.5 * 0.2)  # aa: jawOpen less half the funnel
    assert values["O"] == pytest.approx(0.2)
    assert values["Joy"] == pytest.approx(0.5)
    assert values["LookLeft"] == pytest.approx(0.5)
    # Shared closure in Blink, the rest per eye: an avatar with all three closes each eye once.
    assert (values["Blink"], values["Blink_L"], values["Blink_R"]) == pytest.approx((0.4, 0.6, 0.0))
    back = vmc.VmcDecoder().feed(vmc.encode(f, "vrm0"), 0.0)
    assert back.weight("eyeBlinkLeft") == pytest.approx(1.0) and back.weight("eyeBlinkRight") == pytest.approx(0.4)
    assert back.weight("jawOpen") == pytest.approx(0.7)
    assert back.weight("mouthSmileLeft") == back.weight("mouthSmileRight") == pytest.approx(0.5)
    assert back.weight("eyeLookOutLeft") == back.weight("eyeLookInRight") == pytest.approx(0.5)
    assert not back.mask[arkit.INDEX["cheekPuff"]]  # no preset drives it


def test_arkit_names_win_over_presets_and_unknown_addresses_are_ignored():
    dec = vmc.VmcDecoder()
    msgs = [_s("/VMC/Ext/Blend/Val") + _s(",sf") + _s(n) + struct.pack(">f", v)
            for n, v in (("A", 0.9), ("JAWOPEN", 0.2), ("Fun", 1.0))]
    msgs += [_s("/VMC/Ext/Hmd/Pos") + _s(",s") + _s("x"), _s("/VMC/Ext/Blend/Apply") + _s(",")]
    f = dec.feed(_bundle(*msgs), 0.0)
    assert f.weight("jawOpen") == pytest.approx(0.2)
    assert dec.router.rejected == 0


@pytest.mark.parametrize("args", [b",s\x00\x00" + _s("JawOpen"),  # too few
                                  b",sf\x00" + _s("JawOpen") + struct.pack(">f", float("nan")),
                                  b",ff\x00" + struct.pack(">ff", 1, 2),  # mistyped
                                  b",ss\x00" + _s("JawOpen") + _s("x")])
def test_bad_messages_are_dropped_and_counted_and_the_bundle_still_applies(args):
    dec = vmc.VmcDecoder()
    bad = _s("/VMC/Ext/Blend/Val") + args
    good = _s("/VMC/Ext/Blend/Val") + _s(",sfi") + _s("MouthClose") + struct.pack(">fi", 0.5, 7)  # extra arg ok
    f = dec.feed(_bundle(bad, good, _s("/VMC/Ext/Blend/Apply") + _s(",")), 0.0)
    assert dec.router.rejected == 1 and "Blend/Val" in dec.router.last_rejection
    assert f.weight("mouthClose") == 0.5 and f.weight("jawOpen") == 0.0


def test_undecodable_datagrams_raise_packet_error_naming_the_part():
    for data, part in [(b"hello", "neither"), (_s("/VMC/Ext/OK") + b",i\x00\x00", "malformed"),
                       (b"#bundle\x00\x00", "timetag"), (_bundle()[:16] + struct.pack(">i", 1 << 30) + b"/x\x00\x00", "size"),
                       (_s("/VMC/*/Val") + _s(",sf") + _s("A") + struct.pack(">f", 1), "pattern"),
                       (_s("/VMC/Ext/Blend/Val") + _s(",sb") + _s("A") + struct.pack(">i", 0), "type tags")]:
        with pytest.raises(PacketError, match=part):
            vmc.VmcDecoder().feed(data, 0.0)


def test_status_time_and_root_are_kept():
    dec = vmc.VmcDecoder()
    dec.feed(_bundle(_s("/VMC/Ext/OK") + _s(",iii") + struct.pack(">iii", 1, 3, 1),
                     _s("/VMC/Ext/T") + _s(",f") + struct.pack(">f", 12.5),
                     _s("/VMC/Ext/Root/Pos") + _s(",sfffffff") + _s("root") + struct.pack(">7f", 1, 2, 3, 0, 0, 0, 1)), 0.0)
    assert dec.loaded == 1 and dec.sender_time == 12.5
    assert dec.root[0] == pytest.approx([-1, 2, 3])  # Unity -> glTF


def test_unknown_blend_mode_is_refused():
    with pytest.raises(ValueError, match="blend"):
        vmc.encode(_frame(), "vrm1")

import math
import struct

import numpy as np
import pytest

from engine import arkit
from engine.frame import FaceFrame
from engine.protocols import livelink_udp
from engine.rig.transforms import quat_from_euler, quat_to_euler

DEVICE = b"A1B2C3D4-0000-1111-2222-333344445555"  # 36 bytes, as the app sends


def _golden(values: list[float] | None, subject: bytes = b"iPhoneXFaceAR", fps=(60, 1)) -> bytes:
    """A version-6 packet by the documented layout, big-endian, no encoder involved."""
    head = (b"\x06" + struct.pack(">i", len(DEVICE)) + DEVICE + struct.pack(">i", len(subject)) + subject
            + struct.pack(">i", 1234) + struct.pack(">f", 0.5) + struct.pack(">ii", *fps))
    if values is None:
        return head
    return head + b"\x3d" + struct.pack(">61f", *values)  # count 61 = 0x3d


def _values():
    v = [0.0] * 61
    v[arkit.INDEX["jawOpen"]] = 0.75
    v[arkit.INDEX["eyeBlinkRight"]] = 1.0000001  # the app's float noise above 1
    v[52:55] = [0.25, -0.1, 0.05]  # head yaw, pitch, roll
    v[55:57] = [0.02, 0.03]  # left eye yaw, pitch
    return v


def test_hand_built_packet_decodes_field_by_field():
    data = _golden(_values())
    assert len(data) == 306 + len(b"iPhoneXFaceAR")
    p = livelink_udp.decode(data)
    assert p.device_id == DEVICE.decode() and p.subject == "iPhoneXFaceAR"
    assert (p.frame_number, p.sub_frame, p.fps) == (1234, 0.5, 60.0)
    f = livelink_udp.to_frame(p, 3.0)
    assert f.t == 3.0 and f.weight("jawOpen") == 0.75 and f.weight("eyeBlinkRight") == 1.0
    yaw, pitch, roll = quat_to_euler(f.head_rotation)
    assert yaw == pytest.approx(math.radians(45))  # 0.25 = 45 degrees / 180
    assert (pitch, roll) == pytest.approx((math.radians(-18), math.radians(9)))
    assert f.eyes[0] == pytest.approx((0.02 * math.pi, 0.03 * math.pi))


def test_radians_option_reads_and_writes_plain_radians():
    f = livelink_udp.to_frame(livelink_udp.decode(_golden(_values())), 0.0, angle_units="radians")
    assert quat_to_euler(f.head_rotation)[0] == pytest.approx(0.25)
    src = FaceFrame(0.0, head_rotation=quat_from_euler(0.4, 0.0, 0.0))
    data = livelink_udp.encode(src, 1, 30, angle_units="radians")
    assert struct.unpack(">f", data[-36:-32])[0] == pytest.approx(0.4)  # HeadYaw, value 53 of 61
    assert struct.unpack(">f", livelink_udp.encode(src, 1, 30)[-36:-32])[0] == pytest.approx(0.4 / math.pi)
    with pytest.raises(ValueError, match="angle units"):
        livelink_udp.encode(src, 1, 30, angle_units="degrees")


def test_hand_built_header_only_packet_is_no_face():
    p = livelink_udp.decode(_golden(None, subject=b"Phone2", fps=(30, 1)))
    assert p.values is None and p.subject == "Phone2" and p.fps == 30.0
    assert livelink_udp.to_frame(p, 0.0) is None


def test_our_encoder_matches_the_hand_built_bytes():
    f = livelink_udp.to_frame(livelink_udp.decode(_golden(_values())), 0.0)
    ours = livelink_udp.encode(f, 1234, 60, "iPhoneXFaceAR", DEVICE.decode(), sub_frame=0.5)
    theirs = _golden(_values())
    assert ours[:-61 * 4] == theirs[:-61 * 4]
    ours, theirs = np.frombuffer(ours[-244:], ">f4"), np.frombuffer(theirs[-244:], ">f4")
    assert np.allclose(ours[:52], np.clip(theirs[:52], 0, 1))  # shapes clamped >= 0 and <= 1
    assert np.allclose(ours[52:], theirs[52:], atol=1e-6)  # eye rolls are sent as 0

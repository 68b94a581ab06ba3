import math
import struct

import numpy as np
import pytest

from engine import arkit
from engine.frame import FaceFrame
from engine.protocols import facecap
from engine.protocols.errors import PacketError
from engine.rig.transforms import quat_from_euler, quat_to_euler


def _s(text: str) -> bytes:
    raw = text.encode() + b"\x00"
    return raw + b"\x00" * (-len(raw) % 4)


def _feed(*datagrams: bytes) -> FaceFrame:
    dec = facecap.FaceCapDecoder()
    for d in datagrams:
        dec.feed(d)
    return dec.frame(1.0)


def test_order_is_face_caps_own_and_covers_the_52():
    assert sorted(facecap.ORDER) == sorted(arkit.NAMES)
    assert facecap.ORDER[:3] == ("browInnerUp", "browDownLeft", "browDownRight")
    assert facecap.ORDER[13] == "eyeBlinkLeft" and facecap.ORDER[24] == "jawOpen"


def test_hand_built_w_with_float_and_int_values():
    as_float = b"/W\x00\x00" + b",if\x00" + struct.pack(">i", 13) + struct.pack(">f", 0.75)
    as_int = _s("/W") + _s(",ii") + struct.pack(">ii", 24, 1)
    f = _feed(as_float, as_int)
    assert f.weight("eyeBlinkLeft") == 0.75  # index 13 in Face Cap's order, 0 in ARKit's
    assert f.weight("jawOpen") == 1.0
    assert f.mask.sum() == 2


def test_hand_built_head_and_eyes_read_as_unity_axes():
    # /HR degrees (x, y, z): 10 down, 30 to the performer's right, 5 towards the performer's left.
    hr = _s("/HR") + _s(",fff") + struct.pack(">3f", 10, 30, 5)
    elr = _s("/ELR") + _s(",ff") + struct.pack(">2f", 8, -12)  # left eye 8 down, 12 to the left
    ht = _s("/HT") + _s(",fff") + struct.pack(">3f", 0.01, 0.02, 0.5)
    f = _feed(hr, elr, ht)
    yaw, pitch, roll = quat_to_euler(f.head_rotation)
    assert (yaw, pitch, roll) == pytest.approx((math.radians(-30), math.radians(10), math.radians(-5)))
    assert f.eyes[0] == pytest.approx((math.radians(12), math.radians(8)))
    assert f.head_position == pytest.approx((-0.01, 0.02, 0.5))


def test_hand_built_quaternion_is_mirrored_like_vmc():
    s, c = math.sin(math.radians(20)), math.cos(math.radians(20))
    f = _feed(_s("/HRQ") + _s(",ffff") + struct.pack(">4f", 0, -s, 0, c))  # Unity: 40 deg to the left
    assert quat_to_euler(f.head_rotation)[0] == pytest.approx(math.radians(40))


def test_round_trip_of_our_encoder():
    src = FaceFrame(0.0, np.linspace(0, 1, 52, dtype=np.float32), head_rotation=quat_from_euler(0.3, -0.2, 0.1),
                    head_position=[0.0, 0.05, 0.4], eyes=[[0.1, 0.05], [0.12, -0.05]])
    f = _feed(facecap.encode(src))
    assert np.allclose(f.weights, src.weights, atol=1e-6)
    assert np.allclose(quat_to_euler(f.head_rotation), (0.3, -0.2, 0.1), atol=1e-6)
    assert np.allclose(f.eyes, src.eyes, atol=1e-6) and np.allclose(f.head_position, src.head_position)


def test_bad_messages_are_dropped_and_counted():
    dec = facecap.FaceCapDecoder()
    for bad in (_s("/W") + _s(",if") + struct.pack(">if", 52, 1.0),  # index out of range
                _s("/W") + _s(",ff") + struct.pack(">ff", 1.0, 1.0),  # float index
                _s("/HR") + _s(",ff") + struct.pack(">ff", 1, 2),  # too few
                _s("/HRQ") + _s(",ffff") + struct.pack(">4f", 0, 0, 0, 0)):  # not a rotation
        dec.feed(bad)
    assert dec.router.rejected == 4
    assert not dec.frame(0).mask.any()
    with pytest.raises(PacketError, match="facecap"):
        dec.feed(b"\x00\x01garbage")

import struct

import numpy as np
import pytest
from pythonosc.osc_packet import OscPacket

from engine.frame import FaceFrame
from engine.protocols import osc_out
from engine.protocols.errors import PacketError


def _frame():
    return FaceFrame(0.0, np.linspace(0, 1, 52, dtype=np.float32))


def test_per_channel_is_one_pascal_case_address_per_channel():
    messages = [m.message for m in OscPacket(osc_out.encode(_frame(), "per-channel")).messages]
    assert [m.address for m in messages][:2] == ["/blendshape/EyeBlinkLeft", "/blendshape/EyeLookDownLeft"]
    assert len(messages) == 52 and messages[17].address == "/blendshape/JawOpen"
    assert messages[17].params == [pytest.approx(17 / 51)]


def test_all_is_one_message_with_52_floats_in_arkit_order():
    data = osc_out.encode(_frame(), "all")
    assert data[:16] == b"/blendshapes\x00\x00\x00\x00"
    assert data[16:16 + 56] == b"," + b"f" * 52 + b"\x00\x00\x00"
    assert np.allclose(struct.unpack(">52f", data[72:]), _frame().weights)
    assert len(data) == 72 + 52 * 4


def test_hand_built_messages_decode():
    one = b"/blendshape/JawOpen\x00" + b",f\x00\x00" + struct.pack(">f", 0.5)
    f = osc_out.decode(one, 1.0)
    assert f.weight("jawOpen") == 0.5 and f.mask.sum() == 1
    for mode in osc_out.MODES:
        assert np.allclose(osc_out.decode(osc_out.encode(_frame(), mode), 0.0).weights, _frame().weights)
    with pytest.raises(PacketError, match="names no ARKit"):
        osc_out.decode(b"/blendshape/Smirk\x00\x00\x00" + b",f\x00\x00" + struct.pack(">f", 0.5), 0.0)
    with pytest.raises(ValueError, match="mode"):
        osc_out.encode(_frame(), "some")

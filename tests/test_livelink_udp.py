import socket
import struct

import numpy as np
import pytest

from engine import arkit
from engine.expressions import EXPRESSIONS
from engine.frame import FaceFrame
from engine.pipeline import OfflineClock, Pipeline
from engine.registry import open_sink, open_source
from engine.protocols.livelink_udp import PacketError, decode, encode, to_frame
from engine.rig.transforms import quat_from_euler, quat_to_euler


def _frame():
    w = np.linspace(0, 1, 52, dtype=np.float32)
    return FaceFrame(0.5, w, head_rotation=quat_from_euler(0.3, -0.2, 0.1), eyes=[[0.1, 0.05], [0.12, 0.05]])


def test_packet_layout_is_big_endian_version_6_with_61_values():
    subject = "iPhoneXFaceAR"
    device = "0123456789abcdef0123456789abcdef0123"
    data = encode(_frame(), frame_number=30, fps=30, subject=subject, device_id=device)
    assert len(data) == 306 + len(subject)  # as the app's packets, with a 36-byte id
    assert data[0] == 6
    assert struct.unpack(">i", data[1:5])[0] == 36
    frame_no, sub, num, den = struct.unpack(">ifii", data[5 + 36 + 4 + len(subject):][:16])
    assert (frame_no, num, den) == (30, 30, 1)  # denominator 1, never 0 at 30 fps
    values = np.frombuffer(data[-61 * 4:], ">f4")
    assert values[arkit.INDEX["jawOpen"]] == pytest.approx(17 / 51)
    assert values[52] == pytest.approx(0.3 / np.pi, abs=1e-6)  # head yaw in degrees / 180


def test_round_trip_through_decode():
    packet = decode(encode(_frame(), 7, 60))
    assert packet.fps == 60 and packet.frame_number == 7
    f = to_frame(packet, 1.0)
    assert np.allclose(f.weights, _frame().weights, atol=1e-6)
    assert np.allclose(quat_to_euler(f.head_rotation), (0.3, -0.2, 0.1), atol=1e-5)
    assert f.eyes[1, 0] == pytest.approx(0.12, abs=1e-6)


def test_header_only_packet_means_no_face():
    packet = decode(encode(None, 3, 60))
    assert packet.values is None and to_frame(packet, 0.0) is None


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d[:3], "truncated"),
        (lambda d: b"\x05" + d[1:], "version"),
        (lambda d: d[:1] + struct.pack(">i", 10**9) + d[5:], "device id length"),
        (lambda d: d[:-4], "truncated"),
        (lambda d: d + b"\x00", "after the values"),
        (lambda d: d[:-4] + b"\x7f\xc0\x00\x00", "NaN"),
        (lambda d: d[: len(d) - 245] + b"\x3c" + d[len(d) - 244:], "value count"),
    ],
)
def test_hostile_packets_are_refused_with_the_field(mutate, field):
    data = bytearray(encode(_frame(), 1, 60))
    with pytest.raises(PacketError, match=field):
        decode(bytes(mutate(bytes(data))))


def test_fuzzed_packets_never_crash_otherwise():
    rng = np.random.default_rng(0)
    good = encode(_frame(), 1, 60)
    for _ in range(2000):
        data = bytearray(good)
        for i in rng.integers(0, len(data), rng.integers(1, 6)):
            data[i] = rng.integers(0, 256)
        try:
            decode(bytes(data[: rng.integers(0, len(data) + 1)]))
        except PacketError:
            pass


def test_livelink_sink_sends_a_packet_per_frame_on_loopback(tmp_path):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(2.0)
    port = rx.getsockname()[1]
    p = Pipeline([open_source("expression:surprised")], [open_sink(f"livelink://127.0.0.1:{port}?subject=Mascot")])
    p.run(OfflineClock(30, 0.5))
    packets = [decode(rx.recv(2048)) for _ in range(15)]
    rx.close()
    assert [pk.frame_number for pk in packets] == list(range(15))
    assert {pk.subject for pk in packets} == {"Mascot"}
    assert packets[-1].values[arkit.INDEX["browInnerUp"]] == pytest.approx(EXPRESSIONS["surprised"]["browInnerUp"])

"""Every decoder, fed hostile input, raises only its protocol's error and stays small."""

import struct
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.frame import FaceFrame
from engine.protocols import facecap, ifacialmocap, livelink_udp, osc, osc_out, vmc
from engine.protocols.errors import PacketError
from engine.protocols.livelink_csv import TakeError, read_take
from engine.rig.transforms import quat_from_euler

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_FRAME = FaceFrame(0.5, np.linspace(0, 1, 52, dtype=np.float32), head_rotation=quat_from_euler(0.3, -0.2, 0.1),
                   head_position=[0.0, 0.05, 0.4], eyes=[[0.1, 0.05], [0.12, -0.05]])


def _livelink(data):
    packet = livelink_udp.decode(data)
    livelink_udp.to_frame(packet, 0.0)  # whatever decodes must make a valid frame
    livelink_udp.to_frame(packet, 0.0, angle_units="radians")


def _vmc(data):
    vmc.VmcDecoder().feed(data, 0.0)


def _facecap(data):
    dec = facecap.FaceCapDecoder()
    dec.feed(data)
    dec.frame(0.0)


DECODERS = {
    "livelink": (_livelink, livelink_udp.encode(_FRAME, 7, 60, "Phone")),
    "vmc": (_vmc, vmc.encode(_FRAME)),
    "vmc-vrm0": (_vmc, vmc.encode(_FRAME, "vrm0")),
    "facecap": (_facecap, facecap.encode(_FRAME)),
    "ifacialmocap": (lambda d: ifacialmocap.decode(d, 0.0), ifacialmocap.encode(_FRAME)),
    "osc-all": (lambda d: osc_out.decode(d, 0.0), osc_out.encode(_FRAME, "all")),
    "osc-per-channel": (lambda d: osc_out.decode(d, 0.0), osc_out.encode(_FRAME, "per-channel")),
}


def _only_packet_errors(name: str, data: bytes) -> None:
    decode, _ = DECODERS[name]
    try:
        decode(data)
    except PacketError:
        pass


names = st.sampled_from(sorted(DECODERS))


@FUZZ
@given(names, st.binary(max_size=1500))
def test_random_bytes(name, data):
    _only_packet_errors(name, data)


@FUZZ
@given(names, st.data())
def test_truncations_and_byte_flips_of_good_datagrams(name, data):
    good = bytearray(DECODERS[name][1])
    for _ in range(data.draw(st.integers(0, 6))):
        good[data.draw(st.integers(0, len(good) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(good)))
    _only_packet_errors(name, bytes(good[:cut]))


@FUZZ
@given(names, st.data())
def test_nan_and_huge_words_written_over_good_datagrams(name, data):
    """NaN/inf floats, and huge or negative lengths and counts, at any 4-byte-aligned word."""
    good = bytearray(DECODERS[name][1])
    word = data.draw(st.sampled_from([b"\x7f\xc0\x00\x00", b"\x7f\x80\x00\x00", b"\xff\xff\xff\xff",
                                      b"\x7f\xff\xff\xff", b"\x80\x00\x00\x00", struct.pack(">i", 1 << 20)]))
    at = data.draw(st.integers(0, len(good) - 4))
    good[at:at + 4] = word
    _only_packet_errors(name, bytes(good))


_args = st.lists(st.one_of(st.floats(width=32), st.integers(-(2**31), 2**31 - 1),
                           st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
                           st.booleans()), max_size=9)
_addresses = st.sampled_from([vmc.OK, vmc.TIME, vmc.ROOT, vmc.BONE, vmc.VAL, vmc.APPLY, "/W", "/HT", "/HR",
                              "/HRQ", "/ELR", "/ERR", "/blendshapes", "/blendshape/JawOpen", "/x"])


@FUZZ
@given(st.sampled_from(["vmc", "facecap", "osc-all"]), st.lists(st.tuples(_addresses, _args), min_size=1, max_size=8))
def test_osc_messages_with_wrong_counts_types_and_nan(name, messages):
    built = [osc.message(a, *args) for a, args in messages]
    _only_packet_errors(name, osc.bundle(built))
    _only_packet_errors(name, built[0].dgram)


_items = st.one_of(
    st.tuples(st.sampled_from(["eyeBlink_L", "jawOpen", "mouthLeft", "x", ""]), st.sampled_from(["-"]),
              st.one_of(st.integers(-200, 200).map(str), st.floats().map(str), st.text(max_size=5))),
    st.tuples(st.sampled_from(["=head", "head", "leftEye", "rightEye", "=x"]), st.sampled_from(["#", ""]),
              st.lists(st.one_of(st.floats().map(str), st.text(max_size=4)), max_size=8).map(",".join)),
)


@FUZZ
@given(st.lists(_items, max_size=12))
def test_ifacialmocap_text_with_wrong_counts_and_nan(items):
    _only_packet_errors("ifacialmocap", "|".join("".join(i) for i in items).encode())


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_csv_reader_raises_only_take_errors(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_text("Timecode,BlendShapeCount,JawOpen,HeadYaw\n" + text)
        try:
            read_take(path)
        except TakeError:
            pass


def test_huge_declared_lengths_allocate_nothing_big():
    hostile = [
        b"\x06" + struct.pack(">i", 2**31 - 1) + b"x" * 64,  # Live Link string length
        b"#bundle\x00" + b"\x00" * 8 + struct.pack(">i", 2**31 - 1) + b"/x\x00\x00",  # OSC element size
        b"/VMC/Ext/Blend/Val\x00\x00,b\x00\x00" + struct.pack(">i", 2**31 - 1),  # OSC blob size
        b"jawOpen-" + b"9" * 4000 + b"|",  # iFacialMocap number
    ]
    tracemalloc.start()
    try:
        for data in hostile * 20:
            for name in DECODERS:
                _only_packet_errors(name, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000


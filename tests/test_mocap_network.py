"""Mocap sources and network sinks over real UDP sockets on 127.0.0.1."""

import socket
import threading
import time

import numpy as np
import pytest

from engine.expressions import EXPRESSIONS
from engine.frame import FaceFrame
from engine.pipeline import OfflineClock, Pipeline, RealtimeClock
from engine.registry import open_sink, open_source
from engine.protocols import facecap, ifacialmocap, livelink_udp, osc, osc_out, vmc
from engine.protocols.livelink_csv import read_take
from engine.rig.transforms import quat_from_euler, quat_to_euler
from engine.options import parse_host_port


def _wait(predicate, timeout=3.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def _udp() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2.0)
    return s


class _Listening:
    """A source opened on a free loopback port and started on an offline clock."""

    def __init__(self, uri: str):
        self.source = open_source(uri)
        self.port = self.source.address[1]
        self.tx = _udp()

    def __enter__(self):
        self.source.start(OfflineClock(60, None))
        return self

    def send(self, data: bytes):
        self.tx.sendto(data, ("127.0.0.1", self.port))

    def __exit__(self, *exc):
        self.source.stop()
        self.tx.close()


FACE = FaceFrame(0.0, np.linspace(0, 1, 52, dtype=np.float32), head_rotation=quat_from_euler(0.3, -0.2, 0.1),
                 eyes=[[0.1, 0.05], [0.12, -0.05]])


def test_receivers_default_to_loopback_and_accept_port_zero():
    assert parse_host_port("", vmc.DEFAULT_PORT, "vmc", bind=True) == ("127.0.0.1", 39539)
    assert parse_host_port(":0", 1, "x", bind=True) == ("127.0.0.1", 0)
    with pytest.raises(ValueError, match="outside 1..65535"):
        parse_host_port("127.0.0.1:0", 1, "x")  # a sink needs a real port


@pytest.mark.parametrize("scheme, encode, tolerance", [
    ("livelink", lambda f: livelink_udp.encode(f, 1, 60), 1e-6),
    ("vmc", vmc.encode, 1e-6),
    ("facecap", facecap.encode, 1e-6),
    ("ifacialmocap", ifacialmocap.encode, 0.005 + 1e-6),
])
def test_every_receiver_decodes_what_arrives(scheme, encode, tolerance):
    with _Listening(f"{scheme}://127.0.0.1:0") as rx:
        rx.send(encode(FACE))
        assert _wait(lambda: rx.source.stats.frames == 1)
        f = rx.source.frame_at(2.5)
    assert f.t == 2.5  # offline: stamped with the tick that first sees it
    assert np.abs(f.weights - FACE.weights).max() <= tolerance
    assert np.allclose(quat_to_euler(f.head_rotation), (0.3, -0.2, 0.1), atol=1e-4)
    assert rx.source.rule.priority == 10 and rx.source.rule.head


@pytest.mark.parametrize("scheme, good", [
    ("livelink", livelink_udp.encode(FACE, 1, 60)),
    ("vmc", vmc.encode(FACE)),
    ("facecap", facecap.encode(FACE)),
    ("ifacialmocap", ifacialmocap.encode(FACE)),
])
def test_garbage_is_counted_and_the_stream_goes_on(scheme, good, caplog):
    with _Listening(f"{scheme}://127.0.0.1:0") as rx:
        for junk in (b"\x00garbage", b"\xff" * 7, b"/x\x00\x00,q\x00\x00"):
            rx.send(junk)
        rx.send(b"#" * 30000)  # over every cap
        rx.send(good)
        assert _wait(lambda: rx.source.stats.frames == 1)
        stats = rx.source.stats
        assert stats.datagrams == 5 and stats.malformed == 3 and stats.oversize == 1
        assert rx.source._thread.is_alive()
        started = time.monotonic()
    assert time.monotonic() - started < 1.0  # stop() is prompt
    malformed_logs = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(malformed_logs) == 1  # logged once per kind, then only counted


def test_vmc_messages_with_bad_arguments_are_counted_as_rejected():
    with _Listening("vmc://127.0.0.1:0") as rx:
        bad = osc.bundle([osc.message(vmc.VAL, "JawOpen"), osc.message(vmc.APPLY)])
        rx.send(bad)
        assert _wait(lambda: rx.source.stats.frames == 1)
        assert rx.source.stats.rejected == 1 and rx.source.stats.malformed == 0


def test_livelink_picks_a_subject_when_several_phones_stream():
    a = FaceFrame.from_named(0, {"jawOpen": 0.2})
    b = FaceFrame.from_named(0, {"jawOpen": 0.9})
    with _Listening("livelink://127.0.0.1:0?subject=PhoneB") as rx:
        for k in range(5):
            rx.send(livelink_udp.encode(a, k, 60, "PhoneA"))
            rx.send(livelink_udp.encode(b, k, 60, "PhoneB"))
        assert _wait(lambda: rx.source.stats.frames == 5 and rx.source.stats.ignored == 5)
        assert rx.source.frame_at(1.0).weight("jawOpen") == pytest.approx(0.9)
    with _Listening("livelink://127.0.0.1:0") as rx:  # no choice: the first one heard
        rx.send(livelink_udp.encode(a, 0, 60, "PhoneA"))
        assert _wait(lambda: rx.source.stats.frames == 1)
        rx.send(livelink_udp.encode(b, 0, 60, "PhoneB"))
        assert _wait(lambda: rx.source.stats.ignored == 1)
        assert rx.source.frame_at(1.0).weight("jawOpen") == pytest.approx(0.2)


def test_livelink_radians_option_on_source_and_sink():
    with _Listening("livelink://127.0.0.1:0?angles=radians") as rx:
        p = Pipeline([open_source("idle:")], [open_sink(f"livelink://127.0.0.1:{rx.port}?angles=radians")])
        rx.send(livelink_udp.encode(FaceFrame(0, head_rotation=quat_from_euler(0.5, 0, 0)), 0, 60, angle_units="radians"))
        assert _wait(lambda: rx.source.stats.frames == 1)
        assert quat_to_euler(rx.source.frame_at(0.0).head_rotation)[0] == pytest.approx(0.5, abs=1e-6)
        p.run(OfflineClock(30, 0.1))
        assert _wait(lambda: rx.source.stats.frames == 4)


def test_silence_and_no_face_fade_the_layer_to_idle():
    with _Listening("livelink://127.0.0.1:0") as rx:
        p = Pipeline([open_source("idle:"), rx.source], [])
        rx.send(livelink_udp.encode(FaceFrame.from_named(0, {"jawOpen": 1.0}), 0, 60))
        assert _wait(lambda: rx.source.stats.frames == 1)
        ticks = np.arange(0, 1.2, 1 / 60)
        mixed = {round(t, 4): p.step(t) for t in ticks}
        assert mixed[0.0].weight("jawOpen") == pytest.approx(1.0)
        assert mixed[0.5].weight("jawOpen") == pytest.approx(1.0)  # 0.5 s old: still fresh
        assert 0.0 < mixed[round(40 / 60, 4)].weight("jawOpen") < 1.0  # fading
        assert p.mixer.level(rx.source.name) == 0.0 and mixed[round(70 / 60, 4)].weight("jawOpen") < 0.05
        # It comes back when the phone does, and a header-only packet means no face.
        rx.send(livelink_udp.encode(FaceFrame.from_named(0, {"jawOpen": 1.0}), 1, 60))
        assert _wait(lambda: rx.source.stats.frames == 2)
        assert rx.source.frame_at(2.0).t == 2.0
        rx.send(livelink_udp.encode(None, 2, 60))
        assert _wait(lambda: rx.source.stats.datagrams == 3)
        assert _wait(lambda: rx.source.frame_at(2.1) is None)


def test_ifacialmocap_sends_the_handshake_and_hears_the_phone():
    phone = _udp()
    source = open_source(f"ifacialmocap://127.0.0.1:0?phone=127.0.0.1:{phone.getsockname()[1]}&handshake_every=0.2")
    source.start(OfflineClock(60, None))
    try:
        data, pc = phone.recvfrom(1024)
        assert data == ifacialmocap.HANDSHAKE and pc[1] == source.address[1]  # from the listening port
        assert phone.recvfrom(1024)[0] == ifacialmocap.HANDSHAKE  # repeated
        phone.sendto(ifacialmocap.encode(FACE), pc)
        assert _wait(lambda: source.stats.frames == 1)
    finally:
        source.stop()
        phone.close()


def test_vmc_sink_to_vmc_source_in_real_time(tmp_path):
    """expression:surprised -> vmc:// sink ... vmc:// source -> csv recording, both live."""
    source = open_source("vmc://127.0.0.1:0")
    port = source.address[1]
    out = tmp_path / "rec.csv"
    receiver = Pipeline([source], [open_sink(f"csv:{out}")])
    sender = Pipeline([open_source("expression:surprised")], [open_sink(f"vmc://127.0.0.1:{port}?blend=perfectsync")])
    thread = threading.Thread(target=sender.run, args=(RealtimeClock(60, 1.2),))
    thread.start()
    stats = receiver.run(RealtimeClock(60, 1.0))
    thread.join()
    assert stats.frames >= 50 and source.stats.frames >= 50 and source.stats.malformed == 0
    _, frames = read_take(out)
    assert frames[-1].weight("browInnerUp") == pytest.approx(EXPRESSIONS["surprised"]["browInnerUp"], abs=1e-3)
    assert frames[-1].weight("eyeWideLeft") == pytest.approx(EXPRESSIONS["surprised"]["eyeWideLeft"], abs=1e-3)


@pytest.mark.parametrize("blend", ["perfectsync", "vrm0"])
def test_vmc_sink_offline_one_bundle_per_frame(blend):
    with _Listening("vmc://127.0.0.1:0") as rx:
        p = Pipeline([open_source("expression:happy")], [open_sink(f"vmc://127.0.0.1:{rx.port}?blend={blend}")])
        p.run(OfflineClock(30, 0.5))
        assert _wait(lambda: rx.source.stats.frames == 15)
        assert rx.source.stats.datagrams == 15
        f = rx.source.frame_at(1.0)
        assert f.weight("mouthSmileLeft") == pytest.approx(EXPRESSIONS["happy"]["mouthSmileLeft"], abs=1e-6)


@pytest.mark.parametrize("mode", ["per-channel", "all"])
def test_osc_sink(mode):
    rx = _udp()
    try:
        p = Pipeline([open_source("expression:angry")], [open_sink(f"osc://127.0.0.1:{rx.getsockname()[1]}?mode={mode}")])
        p.run(OfflineClock(30, 0.1))
        frames = [osc_out.decode(rx.recv(4096), 0.0) for _ in range(3)]
    finally:
        rx.close()
    assert frames[-1].weight("browDownLeft") == pytest.approx(EXPRESSIONS["angry"]["browDownLeft"], abs=1e-6)


def test_sink_options_are_checked():
    for uri, word in [("vmc://127.0.0.1:1?blend=vrm9", "blend"), ("osc://127.0.0.1:1?mode=x", "mode"),
                      ("livelink://127.0.0.1:1?angles=deg", "angles"), ("vmc://127.0.0.1:1?colour=1", "colour")]:
        with pytest.raises(ValueError, match=word):
            open_sink(uri)
    with pytest.raises(ValueError, match="angles"):
        open_source("livelink://127.0.0.1:0?angles=deg")


def test_facecap_datagrams_with_nothing_usable_publish_no_frame():
    with _Listening("facecap://127.0.0.1:0") as rx:
        rx.send(osc.message("/Unknown", 1.0).dgram)
        rx.send(osc.message("/W", 99, 1.0).dgram)  # index out of range: rejected
        assert _wait(lambda: rx.source.stats.datagrams == 2 and rx.source.stats.ignored == 2)
        assert rx.source.stats.rejected == 1 and rx.source.frame_at(0.0) is None
        rx.send(osc.message("/W", 24, 0.5).dgram)
        assert _wait(lambda: rx.source.stats.frames == 1)
        assert rx.source.frame_at(0.1).weight("jawOpen") == 0.5

"""The issue's two commands, on loopback ports: Live Link Face in -> VMC out + a CSV take, and
the take played back into Live Link."""

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.frame import FaceFrame
from engine.protocols import livelink_udp, vmc
from engine.protocols.livelink_csv import read_take

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    """A port that was free a moment ago: another process may take it before the run binds it,
    so a caller retries with a new one when the run says it cannot listen."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listen() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    return s


def _drain(sock: socket.socket, into: list, stop: threading.Event):
    while not stop.is_set():
        try:
            into.append(sock.recv(65536))
        except socket.timeout:
            pass


def _live(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "live", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)


def test_phone_to_vseeface_with_a_recording_then_the_take_into_unreal(tmp_path):
    phone_port, take = [_free_port()], tmp_path / "take.csv"
    vseeface, unreal = _listen(), _listen()
    got_vmc, got_livelink, stop, recorded = [], [], threading.Event(), threading.Event()
    threads = [threading.Thread(target=_drain, args=(vseeface, got_vmc, stop)),
               threading.Thread(target=_drain, args=(unreal, got_livelink, stop))]

    def phone():
        face = FaceFrame.from_named(0, {"jawOpen": 0.6, "eyeBlinkLeft": 0.3})
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            k = 0
            while not (stop.is_set() or recorded.is_set()):  # streams until the recording run is over,
                tx.sendto(livelink_udp.encode(face, k, 60), ("127.0.0.1", phone_port[0]))  # however slow its start
                time.sleep(1 / 60)
                k += 1

    threads.append(threading.Thread(target=phone))
    for t in threads:
        t.start()
    try:
        for _ in range(5):  # the port race: a port taken between _free_port and the run's bind
            first = _live("--source", f"livelink://127.0.0.1:{phone_port[0]}", "--sink",
                          f"vmc://127.0.0.1:{vseeface.getsockname()[1]}", "--sink", f"csv:{take}", "--duration", "1.0")
            if "cannot listen" not in first.stderr:
                break
            phone_port[0] = _free_port()
        recorded.set()
        assert first.returncode == 0, first.stderr
        _, frames = read_take(take)
        assert len(frames) >= 40 and frames[-1].weight("jawOpen") == pytest.approx(0.6, abs=1e-6)
        second = _live("--source", f"csv:{take}", "--sink", f"livelink://127.0.0.1:{unreal.getsockname()[1]}",
                       "--duration", "0.7")
        assert second.returncode == 0, second.stderr
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
        vseeface.close(), unreal.close()
    last = vmc.VmcDecoder().feed(got_vmc[-1], 0.0)  # every datagram is a whole frame
    assert len(got_vmc) >= 40 and last.weight("jawOpen") == pytest.approx(0.6, abs=1e-6)
    packets = [livelink_udp.decode(d) for d in got_livelink]
    assert len(packets) >= 30 and packets[-1].values[17] == pytest.approx(0.6, abs=1e-6)

"""Mocap protocols: codec throughput, loopback latency and packet loss.

Printed, per protocol: encode and decode rates (frames/s); latency from sending a datagram to
the registered source holding the decoded frame, p50/p99, beside a raw socket's send -> recv of
the same bytes on the same kind of thread (the baseline); and the loss of 10 Live Link subjects
at 60 Hz for --seconds into a live pipeline (livelink:// -> vmc://), beside a raw socket that
receives the very same stream. Figures only: nothing here asserts a timing.

    python -m bench.protocols [--seconds 60] [--samples 500]
    python run.py bench protocols -- --seconds 10
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from engine.frame import FaceFrame
from engine.pipeline import Pipeline, RealtimeClock
from engine.protocols import facecap, ifacialmocap, livelink_udp, osc_out, vmc
from engine.protocols.livelink_csv import TakeWriter, read_take
from engine.registry import open_sink, open_source
from engine.rig.transforms import quat_from_euler

FACE = FaceFrame(
    0.0,
    np.linspace(0, 1, 52, dtype=np.float32),
    head_rotation=quat_from_euler(0.3, -0.2, 0.1),
    eyes=[[0.1, 0.05], [0.12, -0.05]],
)


def _decoders():
    """name -> (encode(frame) -> bytes, decode(bytes)), decoders that keep state made once."""
    vmc_dec, fc_dec = vmc.VmcDecoder(), facecap.FaceCapDecoder()
    return {
        "livelink": (
            lambda f: livelink_udp.encode(f, 1, 60),
            lambda d: livelink_udp.to_frame(livelink_udp.decode(d), 0.0),
        ),
        "vmc perfectsync": (vmc.encode, lambda d: vmc_dec.feed(d, 0.0)),
        "vmc vrm0": (lambda f: vmc.encode(f, "vrm0"), lambda d: vmc_dec.feed(d, 0.0)),
        "facecap": (facecap.encode, lambda d: (fc_dec.feed(d), fc_dec.frame(0.0))),
        "ifacialmocap": (ifacialmocap.encode, lambda d: ifacialmocap.decode(d, 0.0)),
        "osc per-channel": (lambda f: osc_out.encode(f, "per-channel"), lambda d: osc_out.decode(d, 0.0)),
        "osc all": (lambda f: osc_out.encode(f, "all"), lambda d: osc_out.decode(d, 0.0)),
    }


def _rate(fn, budget: float = 0.3) -> float:
    """Calls per second of `fn`, over about `budget` seconds."""
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < budget:
        for _ in range(20):
            fn()
        n += 20
    return n / elapsed


def throughput() -> list[tuple[str, float, float, int]]:
    rows = []
    for name, (encode, decode) in _decoders().items():
        data = encode(FACE)
        rows.append((name, _rate(lambda e=encode: e(FACE)), _rate(lambda d=decode, b=data: d(b)), len(data)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "take.csv"
        with TakeWriter(path) as w:
            write_rate = _rate(lambda: w.write(FACE))
            rows_written = path.read_text().count("\n") - 1
        read_rate = _rate(lambda: read_take(path), budget=0.5) * rows_written
        rows.append(("csv take", write_rate, read_rate, path.stat().st_size // max(rows_written, 1)))
    return rows


class _RawReceiver(threading.Thread):
    """The baseline: recv on its own thread and signal, no decoding."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.got, self.count, self.stop = threading.Event(), 0, threading.Event()
        self.stamp = 0.0

    def run(self):
        while not self.stop.is_set():
            try:
                self.sock.recv(65536)
            except TimeoutError:
                continue
            self.stamp = time.perf_counter()
            self.count += 1
            self.got.set()


def _round_trips(tx, port: int, data: bytes, got: threading.Event, stamp, samples: int) -> np.ndarray:
    out = []
    for _ in range(samples):
        got.clear()
        sent = time.perf_counter()
        tx.sendto(data, ("127.0.0.1", port))
        if got.wait(1.0):
            out.append(stamp() - sent)
    return np.array(out) * 1000


def latency(samples: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    rows = []
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    codecs = _decoders()
    for scheme, codec in (
        ("livelink", "livelink"),
        ("vmc", "vmc perfectsync"),
        ("facecap", "facecap"),
        ("ifacialmocap", "ifacialmocap"),
    ):
        data = codecs[codec][0](FACE)
        source = open_source(f"{scheme}://127.0.0.1:0")
        got, stamps = threading.Event(), [0.0]
        publish = source._publish

        def stamped(frame, arrived, publish=publish, got=got, stamps=stamps):
            publish(frame, arrived)
            stamps[0] = time.perf_counter()
            got.set()

        source._publish = stamped
        source.start(RealtimeClock(60, None))
        engine_ms = _round_trips(tx, source.address[1], data, got, lambda s=stamps: s[0], samples)
        source.stop()
        raw = _RawReceiver()
        raw.start()
        raw_ms = _round_trips(tx, raw.port, data, raw.got, lambda r=raw: r.stamp, samples)
        raw.stop.set()
        raw.join()
        raw.sock.close()
        rows.append((scheme, engine_ms, raw_ms))
    tx.close()
    return rows


def loss(seconds: float, subjects: int = 10, fps: float = 60.0) -> dict:
    """Subjects x fps Live Link packets into a live livelink:// -> vmc:// pipeline, and the same
    packets into a raw socket."""
    sink_drain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink_drain.bind(("127.0.0.1", 0))
    source = open_source("livelink://127.0.0.1:0?subject=Phone0")
    pipeline = Pipeline([source], [open_sink(f"vmc://127.0.0.1:{sink_drain.getsockname()[1]}")])
    raw = _RawReceiver()
    raw.start()
    sent = [0]

    def phones():
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        start = time.perf_counter()
        k = 0
        while (due := start + k / fps) < start + seconds:
            time.sleep(max(0.0, due - time.perf_counter()))
            for s in range(subjects):
                packet = livelink_udp.encode(FACE, k, int(fps), f"Phone{s}")
                tx.sendto(packet, ("127.0.0.1", source.address[1]))
                tx.sendto(packet, ("127.0.0.1", raw.port))
                sent[0] += 1
            k += 1
        tx.close()

    sender = threading.Thread(target=phones)
    sender.start()
    stats = pipeline.run(RealtimeClock(fps, seconds + 0.3))
    sender.join()
    time.sleep(0.2)
    raw.stop.set()
    raw.join()
    raw.sock.close()
    sink_drain.close()
    s = source.stats
    return {
        "sent": sent[0],
        "engine": s.datagrams,
        "frames": s.frames,
        "ignored": s.ignored,
        "malformed": s.malformed,
        "raw": raw.count,
        "ticks": stats.frames,
        "dropped_ticks": stats.dropped_ticks,
        "frame_ms": (stats.percentile_ms(50), stats.percentile_ms(99)),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the packet-loss run")
    ap.add_argument("--samples", type=int, default=500, help="round trips per protocol for latency")
    args = ap.parse_args(argv)

    print("codec throughput (one frame: 52 weights, head, eyes)")
    print(f"  {'protocol':<16} {'encode/s':>10} {'decode/s':>10} {'bytes':>6}")
    for name, enc, dec, size in throughput():
        print(f"  {name:<16} {enc:>10.0f} {dec:>10.0f} {size:>6}")

    print(f"loopback latency, send -> decoded frame on the source, {args.samples} round trips")
    print(f"  {'protocol':<16} {'p50 ms':>8} {'p99 ms':>8}   baseline raw recv p50 / p99 ms")
    for name, ms, raw in latency(args.samples):
        print(
            f"  {name:<16} {np.percentile(ms, 50):>8.3f} {np.percentile(ms, 99):>8.3f}   "
            f"{np.percentile(raw, 50):.3f} / {np.percentile(raw, 99):.3f}"
            f"  ({np.percentile(ms, 50) / np.percentile(raw, 50):.1f}x)"
        )

    r = loss(args.seconds)
    lost, raw_lost = r["sent"] - r["engine"], r["sent"] - r["raw"]
    print(f"packet loss, 10 Live Link subjects x 60 Hz for {args.seconds:g} s into livelink:// -> vmc://")
    print(
        f"  sent {r['sent']}, source received {r['engine']} (lost {lost}, {100 * lost / max(r['sent'], 1):.3f} %): "
        f"{r['frames']} frames of the chosen subject, {r['ignored']} of the others, {r['malformed']} malformed"
    )
    print(f"  baseline raw socket received {r['raw']} (lost {raw_lost})")
    print(
        f"  pipeline: {r['ticks']} ticks, {r['dropped_ticks']} dropped, frame time p50 {r['frame_ms'][0]:.3f} ms "
        f"p99 {r['frame_ms'][1]:.3f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

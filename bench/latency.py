"""Latency through the engine, csv: -> livelink:// on loopback, and live frame times.

Each frame is stamped when the source hands it to the pipeline; a receiver on 127.0.0.1 stamps
the packet carrying that frame number. Printed: latency p50/p99/max, live frame time
p50/p99 and dropped ticks, and, as the baseline from the same run, the bare cost of encoding
and sending one packet on the same socket pair.

    python run.py bench latency [--seconds 10] [--fps 60]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.frame import FaceFrame
from engine.pipeline import Pipeline, RealtimeClock
from engine.protocols import livelink_udp
from engine.protocols.livelink_csv import TakeWriter
from engine.registry import open_sink, open_source

from .loopback import LoopbackReceiver


def _write_take(path: Path, seconds: float, fps: float) -> None:
    t = np.arange(int(seconds * fps)) / fps
    with TakeWriter(path, fps=fps) as w:
        for tk in t:
            w.write(FaceFrame.from_named(tk, {"jawOpen": 0.5 + 0.5 * np.sin(7 * tk)}))


def measure(seconds: float = 10.0, fps: float = 60.0) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        take = Path(tmp) / "take.csv"
        _write_take(take, seconds + 1, fps)
        rx = LoopbackReceiver()
        source = open_source(f"csv:{take}")
        handed: dict[int, float] = {}
        inner = source.frame_at

        def stamped(t):
            f = inner(t)
            handed.setdefault(int(round(t * fps)), time.perf_counter())
            return f

        source.frame_at = stamped
        pipeline = Pipeline(
            [source], [open_sink(f"livelink://127.0.0.1:{rx.port}"), open_sink(f"csv:{Path(tmp) / 'rec.csv'}")]
        )
        stats = pipeline.run(RealtimeClock(fps, seconds))
        rx.close()

        # Baseline: encode + send + receive of one packet, no pipeline.
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        base_rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        base_rx.bind(("127.0.0.1", 0))
        frame = FaceFrame(0.0)
        bare = []
        for k in range(500):
            t0 = time.perf_counter()
            tx.sendto(livelink_udp.encode(frame, k, int(fps)), base_rx.getsockname())
            base_rx.recv(2048)
            bare.append(time.perf_counter() - t0)
        tx.close(), base_rx.close()

    arrivals: dict[int, float] = {}
    for t, packet in rx.packets:
        arrivals.setdefault(packet.frame_number, t)
    lat = np.array([arrivals[k] - handed[k] for k in arrivals if k in handed]) * 1000
    return {
        "frames": stats.frames,
        "received": len(lat),
        "latency_ms": (np.percentile(lat, 50), np.percentile(lat, 99), lat.max()),
        "frame_ms": (stats.percentile_ms(50), stats.percentile_ms(99)),
        "dropped_ticks": stats.dropped_ticks,
        "bare_ms": np.percentile(np.array(bare) * 1000, 50),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fps", type=float, default=60.0)
    args = ap.parse_args(argv)
    r = measure(args.seconds, args.fps)
    p50, p99, worst = r["latency_ms"]
    print(
        f"csv: -> livelink:// at {args.fps:g} fps for {args.seconds:g} s: {r['received']}/{r['frames']} frames received"
    )
    print(f"  latency    p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {worst:.3f} ms")
    print(
        f"  frame time p50 {r['frame_ms'][0]:.3f} ms  p99 {r['frame_ms'][1]:.3f} ms  dropped ticks {r['dropped_ticks']}"
    )
    print(
        f"  baseline: bare encode+send+receive p50 {r['bare_ms']:.3f} ms; "
        f"engine latency is {p50 / r['bare_ms']:.1f}x that"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

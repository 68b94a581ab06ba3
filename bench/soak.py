"""Soak: a long live run at 60 fps, resident memory at the start and the end (it must stay flat).

    python run.py bench soak [--minutes 30]

Runs idle + a looping take + an expression into Live Link (loopback) and a CSV recording.
The baseline is the resident memory after the first 10 s, once every cache is warm.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
from pathlib import Path

from engine.pipeline import Pipeline, RealtimeClock
from engine.registry import open_sink, open_source

from .latency import _write_take


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    args = ap.parse_args(argv)
    seconds = args.minutes * 60
    sink_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink_sock.bind(("127.0.0.1", 0))
    sink_sock.settimeout(0.5)
    stop = threading.Event()

    def drain():
        while not stop.is_set():
            try:
                sink_sock.recv(2048)
            except TimeoutError:
                pass

    threading.Thread(target=drain, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        take = Path(tmp) / "take.csv"
        _write_take(take, 20, 60)
        pipeline = Pipeline(
            [open_source("idle:"), open_source(f"csv:{take}?loop=true"), open_source("expression:happy?intensity=0.4")],
            [
                open_sink(f"livelink://127.0.0.1:{sink_sock.getsockname()[1]}"),
                open_sink(f"csv:{Path(tmp) / 'rec.csv'}"),
            ],
        )
        samples = []
        timer_stop = threading.Event()

        def sample():
            while not timer_stop.wait(10.0):
                samples.append(rss_mib())

        threading.Thread(target=sample, daemon=True).start()
        start = rss_mib()
        stats = pipeline.run(RealtimeClock(60, seconds))
        timer_stop.set()
    stop.set()
    end = rss_mib()
    warm = samples[0] if samples else start
    print(
        f"soak {args.minutes:g} min at 60 fps: {stats.frames} frames, {stats.dropped_ticks} ticks dropped, "
        f"frame time p50 {stats.percentile_ms(50):.2f} ms p99 {stats.percentile_ms(99):.2f} ms"
    )
    print(
        f"  resident memory: start {start:.1f} MiB, after 10 s {warm:.1f} MiB, end {end:.1f} MiB "
        f"(end / warm = {end / warm:.3f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`run.py bench NAME`: the benchmarks under bench/ (figures printed, never asserted)."""

from __future__ import annotations

import importlib

BENCHES = {
    "load": "bench.load",
    "render": "bench.render",
    "latency": "bench.latency",
    "live_frames": "bench.live_frames",
    "protocols": "bench.protocols",
    "soak": "bench.soak",
    "webcam": "bench.webcam",
    "speech": "bench.speech",
    "overlay": "bench.overlay",
    "speak": "bench.speak",
    "body": "bench.body",
    "startup": "bench.startup",
    "frame_path": "bench.frame_path",
}


def add_arguments(p) -> None:
    p.add_argument("name", choices=sorted(BENCHES))
    p.add_argument("rest", nargs="*", help="the benchmark's own options, after --")


def run(args) -> int:
    return importlib.import_module(BENCHES[args.name]).main(args.rest)

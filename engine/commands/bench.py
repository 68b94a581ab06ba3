"""`run.py bench NAME`: the benchmarks under bench/ (figures printed, never asserted)."""

from __future__ import annotations

import importlib

#: Each benchmark's module and what it measures (for --help, without importing it).
BENCHES = {
    "load": ("bench.load", "loading a 50k-vertex avatar with 52 dense morph targets"),
    "render": ("bench.render", "offscreen rendering speed and what morph targets cost"),
    "latency": ("bench.latency", "latency csv: -> livelink:// on loopback, live frame times"),
    "live_frames": ("bench.live_frames", "live frame times with a window, Live Link and CSV sinks"),
    "protocols": ("bench.protocols", "mocap codecs: throughput, loopback latency, packet loss"),
    "soak": ("bench.soak", "a 30-minute live run: does memory stay flat"),
    "webcam": ("bench.webcam", "the face tracker's cost over bare MediaPipe, smoothing, latency"),
    "speech": ("bench.speech", "the speech net against its baselines: speed and lip-sync"),
    "overlay": ("bench.overlay", "what branding overlays cost a 1080p frame"),
    "speak": ("bench.speak", "seconds of spokesperson video per second of wall time"),
    "body": ("bench.body", "what the living body costs a frame"),
    "startup": ("bench.startup", "how fast the command line answers --help"),
    "frame_path": ("bench.frame_path", "mixer + rig per frame against an older commit"),
    "audio_decode": ("bench.audio_decode", "decoding and resampling audio files against an older commit"),
    "transcript": ("bench.transcript", "forcing a transcript onto real speech, against the speech net"),
    "stage": ("bench.stage", "serve: /say to the open mouth on the page, audio/mouth sync, 10 viewers"),
    "ray_speak": ("bench.ray_speak", "speak --ray local against one machine: a batch of 4, one script in pieces"),
}


def add_arguments(p) -> None:
    p.add_argument(
        "name",
        choices=sorted(BENCHES),
        metavar="NAME",
        help="; ".join(f"{name}: {what}" for name, (_, what) in BENCHES.items()),
    )
    p.add_argument("rest", nargs="*", help="the benchmark's own options, after --")


def run(args) -> int:
    return importlib.import_module(BENCHES[args.name][0]).main(args.rest)

"""The speech net against the loudness baseline, measured in the same run on one thread:
offline speed in multiples of real time, compute per 10 ms hop when streaming, the
algorithmic latency (lookahead) and peak memory.

    python -m bench.speech [--seconds 60]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import torch

from engine.drivers.audio.baselines import loudness_jaw
from engine.drivers.audio.features import HOP, SAMPLE_RATE
from engine.drivers.audio.model import LOOKAHEAD_S, load
from engine.drivers.audio.stream import SpeechStream, infer


def _speechlike(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    buzz = np.sign(np.sin(2 * np.pi * 120 * t)) * (np.sin(2 * np.pi * 3 * t) > 0)
    return (0.2 * buzz + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


def _timed(fn, audio):
    tracemalloc.start()
    start = time.perf_counter()
    fn(audio)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=60.0)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    audio = _speechlike(args.seconds)
    net = load()
    infer(audio[:SAMPLE_RATE], net)  # warm up
    rows = {"net": lambda a: infer(a, net), "loudness": loudness_jaw}
    print(f"{args.seconds:.0f} s of audio, 1 thread; peak memory is Python allocations (tracemalloc)")
    for name, fn in rows.items():
        seconds, peak = _timed(fn, audio)
        print(f"  {name:9} offline {args.seconds / seconds:8.0f}x real time   peak {peak / 2**20:7.1f} MiB")
    stream = SpeechStream(net)
    hops = [audio[i:i + HOP] for i in range(0, min(len(audio), 10 * SAMPLE_RATE), HOP)]
    times = []
    for hop in hops:
        start = time.perf_counter()
        stream.push(hop)
        times.append(time.perf_counter() - start)
    times = np.array(times[50:]) * 1000
    print(f"  net streaming: {np.median(times):.3f} ms per 10 ms hop (p99 {np.percentile(times, 99):.3f} ms)")
    print(f"  lookahead: net {LOOKAHEAD_S * 1000:.0f} ms, loudness baseline 25 ms (its window)")


if __name__ == "__main__":
    main()

"""The speech net against both baselines (loudness flapping; pocketsphinx phone recognition
where the speech-data extra is installed), measured in the same run on one thread: offline
speed in multiples of real time (and how much of the net's is its features and its voice
gate), compute per 10 ms hop when streaming, the algorithmic latency
(lookahead) and peak memory; and the speed and peak memory of lip-syncing
a long 48 kHz WAV file (mouth and brows), streamed block by block as `audio:` does, against
decoding it whole first.

    python -m bench.speech [--seconds 60] [--file-minutes 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
import wave
from pathlib import Path

import numpy as np

from engine.drivers.audio.source import AudioSource
from engine.speech.audio_file import read_audio
from engine.speech.features import HOP, SAMPLE_RATE, StreamingFeatures, features
from engine.speech.gate import VoiceGate
from engine.speech.runtime import LOOKAHEAD_S, load
from engine.speech.stream import SpeechStream, infer
from engine.speech_training.baselines import loudness_jaw, phone_recognition


def _speechlike(seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * rate)) / rate
    buzz = np.sign(np.sin(2 * np.pi * 120 * t)) * (np.sin(2 * np.pi * 3 * t) > 0)
    return (0.2 * buzz + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


def _write_wav(path: Path, seconds: float, rate: int = 48000) -> Path:
    """`_speechlike` at 48 kHz, one second of it over and over (its buzz repeats each second)."""
    second = (_speechlike(1.0, rate) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        for _ in range(int(seconds)):
            w.writeframes(second)
    return path


def _timed(fn, audio, repeats: int = 3):
    """(best of `repeats` untraced runs in seconds, peak traced Python allocation of one more run):
    tracing every allocation slows the run, so the time is taken without it."""
    seconds = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(audio)
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    fn(audio)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--file-minutes", type=float, default=10.0, help="length of the long file")
    args = p.parse_args(argv)
    audio = _speechlike(args.seconds)
    net = load()
    infer(audio[:SAMPLE_RATE], net)  # warm up
    rows = {"net": lambda a: infer(a, net), "loudness": loudness_jaw}
    try:
        import pocketsphinx  # noqa: F401

        rows["phones"] = phone_recognition
    except ImportError:
        print("(phones baseline skipped: pip install pocketsphinx, the speech-data extra)")
    print(
        f"{args.seconds:.0f} s of audio, 1 thread; peak memory is Python allocations (tracemalloc; "
        "pocketsphinx's own C allocations are not in it)"
    )
    for name, fn in rows.items():
        seconds, peak = _timed(fn, audio)
        print(f"  {name:9} offline {args.seconds / seconds:8.0f}x real time   peak {peak / 2**20:7.1f} MiB")
    # the net's share of that: its features alone, and with the voice gate's periodicity and gate
    plain = _timed(features, audio)[0]
    gated = _timed(lambda a: VoiceGate().push(*StreamingFeatures().push_voiced(a)), audio)[0]
    print(
        f"  of which features {args.seconds / plain:.0f}x real time; features, periodicity and voice gate "
        f"{args.seconds / gated:.0f}x"
    )
    stream = SpeechStream(net)
    hops = [audio[i : i + HOP] for i in range(0, min(len(audio), 10 * SAMPLE_RATE), HOP)]
    times = []
    for hop in hops:
        start = time.perf_counter()
        stream.push(hop)
        times.append(time.perf_counter() - start)
    times = np.array(times[50:]) * 1000
    print(f"  net streaming: {np.median(times):.3f} ms per 10 ms hop (p99 {np.percentile(times, 99):.3f} ms)")
    print(
        "  baselines streaming: none as written (loudness takes its reference level from the whole clip, "
        "phones decodes whole utterances)"
    )
    print(
        f"  lookahead: net {LOOKAHEAD_S * 1000:.0f} ms, loudness baseline 25 ms (its window), "
        "phones baseline the whole utterance"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = _write_wav(Path(folder) / "long.wav", args.file_minutes * 60)
        decoded = int(args.file_minutes * 60) * SAMPLE_RATE * 4
        print(f"a {args.file_minutes:.0f}-minute 48 kHz WAV ({decoded / 2**20:.0f} MiB decoded to 16 kHz float32):")
        for name, fn in (
            ("streamed", lambda p: AudioSource.from_file(p, net=net)),
            ("whole", lambda p: AudioSource(read_audio(p), net=net)),
        ):
            seconds, peak = _timed(fn, path, repeats=1)
            print(f"  {name:9} {args.file_minutes * 60 / seconds:8.0f}x real time   peak {peak / 2**20:7.1f} MiB")


if __name__ == "__main__":
    main()

"""Decoding and resampling audio files against an older commit's, in one run.

    python run.py bench audio_decode [--baseline REV] [--seconds 120]

The baseline (default: the commit before the decoders moved to libsndfile, PyAV and soxr) is
checked out in a temporary git worktree and timed by the same code in a subprocess, on the same
files, so both figures come from one machine in one state doing the same work. Figures: seconds
of audio decoded to 16 kHz per second of wall time for each file (best of 3), the same for the
streaming resampler fed 10-50 ms blocks as a microphone feeds it, how much audio that
resampler holds back between blocks (latency a live microphone adds to the net's lookahead),
in its default mode and in the low-delay mode the microphone uses, and how well each rejects
aliases (a sweep over the stopband against one over the voice band, 48 kHz to 16 kHz).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "87ff91f"

# Runs inside either checkout (the working directory comes first on sys.path, ahead of the
# venv's editable install); both have audio_blocks and Resampler(rate).push.
TIMER = """
import inspect, json, sys, time
import numpy as np
from engine.speech.audio_file import Resampler, audio_blocks, resample_to_16k
files, mic_rate = json.loads(sys.argv[1]), int(sys.argv[2])
result = {}
for name, path in files.items():
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        n = sum(len(b) for b in audio_blocks(path))
        best = min(best, time.perf_counter() - start)
    result[name] = n / 16000 / best
x = (0.1 * np.random.default_rng(0).standard_normal(60 * mic_rate)).astype(np.float32)
rng, cuts = np.random.default_rng(1), [0]
while cuts[-1] < len(x):
    cuts.append(cuts[-1] + int(rng.integers(mic_rate // 100, mic_rate // 20 + 1)))
low_delay = "low_delay" in inspect.signature(Resampler).parameters
def sweep(f0, f1, rate=48000, seconds=4):
    t = np.arange(seconds * rate) / rate
    return (0.5 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds)))).astype(np.float32)
for mode in ([False, True] if low_delay else [False]):
    suffix = " low delay" if mode else ""
    resampler, out, held = Resampler(mic_rate, low_delay=True) if mode else Resampler(mic_rate), 0, []
    start = time.perf_counter()
    for a, b in zip(cuts, cuts[1:]):
        out += len(resampler.push(x[a:b])); held.append(min(b, len(x)) / mic_rate - out / 16000)
    result["mic blocks" + suffix] = len(x) / mic_rate / (time.perf_counter() - start)
    result["held ms" + suffix] = [1e3 * float(np.median(held[10:])), 1e3 * float(np.percentile(held[10:], 99))]
    kw = {"low_delay": True} if mode else {}
    energy = [np.mean(resample_to_16k(sweep(*band), 48000, **kw)[2000:-2000].astype(np.float64) ** 2)
              for band in ((8800, 23900), (100, 7000))]
    result["alias dB" + suffix] = 10 * float(np.log10(energy[0] / energy[1]))
print(json.dumps(result))
"""


def _files(folder: Path, seconds: int) -> dict[str, str]:
    """Voice-like buzz bursts over noise as a 48 kHz mono WAV, a 44.1 kHz stereo WAV, FLAC and MP3."""
    from imageio_ffmpeg import get_ffmpeg_exe
    from scipy.io import wavfile

    files = {}
    for rate, channels in ((48000, 1), (44100, 2)):
        t = np.arange(seconds * rate) / rate
        x = 0.2 * np.sign(np.sin(2 * np.pi * 150 * t)) * (np.sin(2 * np.pi * 1.5 * t) > 0)
        x = x + 0.02 * np.random.default_rng(0).standard_normal(len(t))
        data = (np.stack([x, 0.5 * x], axis=1) if channels == 2 else x) * 32767
        path = folder / f"{rate}_{channels}ch.wav"
        wavfile.write(path, rate, data.astype(np.int16))
        files[f"wav {rate} Hz {channels}ch"] = str(path)
    for ext in ("flac", "mp3"):
        path = folder / f"speech.{ext}"
        subprocess.run([get_ffmpeg_exe(), "-v", "error", "-i", files["wav 44100 Hz 2ch"], str(path)], check=True)
        files[f"{ext} 44100 Hz 2ch"] = str(path)
    return files


def _time(checkout: Path, files: dict[str, str], mic_rate: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", TIMER, json.dumps(files), str(mic_rate)], cwd=checkout, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"timing {checkout} failed:\n{out.stderr}")
    return json.loads(out.stdout.splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=BASELINE, help=f"the commit to compare with (default {BASELINE})")
    ap.add_argument("--seconds", type=int, default=120, help="length of each test file")
    ap.add_argument("--mic-rate", type=int, default=48000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp), args.seconds)
        old = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), args.baseline], cwd=ROOT, check=True)
        try:
            base, now = _time(old, files, args.mic_rate), _time(ROOT, files, args.mic_rate)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=True)
    print(f"seconds of audio to 16 kHz per second of wall time ({args.seconds} s files, best of 3):")
    print(f"  {'':22s} {'baseline ' + args.baseline:>18s} {'this checkout':>14s}")
    for name in [*files, "mic blocks"]:
        print(f"  {name:22s} {base[name]:16.0f} x {now[name]:12.0f} x   ({now[name] / base[name]:.2f}x the baseline)")
    print(
        f"audio the streaming resampler holds back, 10-50 ms blocks at {args.mic_rate} Hz (median, p99), "
        "its speed there, and its aliases (a 8.8-23.9 kHz sweep against a 0.1-7 kHz one, 48 kHz to 16 kHz):"
    )
    rows = [(f"baseline {args.baseline}", base, ""), ("this checkout", now, "")]
    rows += [("  low delay (the mic)", now, " low delay")] if "held ms low delay" in now else []
    for label, figures, suffix in rows:
        median, p99 = figures["held ms" + suffix]
        print(
            f"  {label:22s} {median:5.1f} ms, {p99:5.1f} ms   {figures['mic blocks' + suffix]:6.0f} x   "
            f"{figures['alias dB' + suffix]:7.1f} dB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Reading any audio file as 16 kHz mono float32: WAV directly (so float NaN/inf are caught),
everything else (flac, ogg, mp3, ...) through the ffmpeg that imageio-ffmpeg ships."""

from __future__ import annotations

import subprocess
import wave
from math import gcd
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from .features import SAMPLE_RATE

_INT_SCALE = {np.dtype("int16"): 32768.0, np.dtype("int32"): 2147483648.0, np.dtype("uint8"): 128.0}


def resample_to_16k(x: np.ndarray, rate: int) -> np.ndarray:
    """Polyphase resampling of mono samples at `rate` to 16 kHz float32."""
    if rate == SAMPLE_RATE:
        return x.astype(np.float32)
    g = gcd(int(rate), SAMPLE_RATE)
    return resample_poly(x, SAMPLE_RATE // g, int(rate) // g).astype(np.float32)


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    rate, data = wavfile.read(path)
    if data.dtype == np.uint8:
        data = data.astype(np.float32) - 128.0
    scale = _INT_SCALE.get(np.dtype(data.dtype), 1.0)
    x = data.astype(np.float32) / scale
    return (x.mean(axis=1) if x.ndim == 2 else x), rate


def _read_ffmpeg(path: Path) -> np.ndarray:
    from imageio_ffmpeg import get_ffmpeg_exe

    run = subprocess.run([get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-i", str(path), "-vn", "-ac", "1",
                          "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"], capture_output=True, timeout=600)
    if run.returncode != 0:
        reason = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(f"audio {path}: not an audio file ffmpeg can read ({reason[-1] if reason else 'no detail'})")
    return np.frombuffer(run.stdout, np.float32).copy()


def read_audio(path: str | Path) -> np.ndarray:
    """16 kHz mono float32 samples of `path`; ValueError naming the file when it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"audio {path}: no such file")
    if path.stat().st_size == 0:
        raise ValueError(f"audio {path}: the file is empty")
    x = None
    if path.suffix.lower() == ".wav":
        try:
            x, rate = _read_wav(path)
            x = resample_to_16k(x, rate) if np.all(np.isfinite(x)) else x
        except (ValueError, wave.Error, EOFError):
            x = None  # not a plain WAV (or not audio at all): let ffmpeg decide
    if x is None:
        x = _read_ffmpeg(path)
    bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
    if bad:
        raise ValueError(f"audio {path}: {bad} samples are NaN or inf")
    if len(x) == 0:
        raise ValueError(f"audio {path}: holds no samples")
    return x

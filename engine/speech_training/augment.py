"""Training-time corruption of clean synthetic speech, so the net learns the mouth, not the
recording or the voice: noise, room reverb, gain, clipping and 8 kHz telephone band-limiting on
the audio, and masked frequency bands on the features, each drawn at random from a seeded
generator."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

from ..speech.features import SAMPLE_RATE

_TELEPHONE = butter(6, [300, 3400], btype="bandpass", fs=SAMPLE_RATE, output="sos")


def noise(x: np.ndarray, rng: np.random.Generator, snr_db: float) -> np.ndarray:
    """White or brown-ish noise at `snr_db` below the speech's power."""
    n = rng.standard_normal(len(x)).astype(np.float32)
    if rng.random() < 0.5:
        n = np.cumsum(n) * 0.02
        n -= np.convolve(n, np.ones(400) / 400, mode="same")
    p_speech = np.mean(x**2) + 1e-12
    p_noise = np.mean(n**2) + 1e-12
    return x + n * np.sqrt(p_speech / p_noise / 10 ** (snr_db / 10))


def reverb(x: np.ndarray, rng: np.random.Generator, rt60: float) -> np.ndarray:
    """A synthetic room: exponentially decaying noise as the impulse response."""
    length = int(rt60 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    ir = rng.standard_normal(length) * np.exp(-6.9 * t / rt60)
    ir[0] = 1.0 / 0.3
    ir *= 0.3
    y = fftconvolve(x, ir)[: len(x)]
    return (y * np.sqrt((np.mean(x**2) + 1e-12) / (np.mean(y**2) + 1e-12))).astype(np.float32)


def telephone(x: np.ndarray) -> np.ndarray:
    """8 kHz telephone: 300-3400 Hz band, down to 8 kHz and back up (what such a file becomes)."""
    y = sosfilt(_TELEPHONE, x)
    return resample_poly(resample_poly(y, 1, 2), 2, 1)[: len(x)].astype(np.float32)


def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random corruption chain; about a fifth of the clips stay clean."""
    if rng.random() < 0.2:
        return x
    y = x.astype(np.float32)
    if rng.random() < 0.4:
        y = reverb(y, rng, rng.uniform(0.15, 0.6))
    if rng.random() < 0.25:
        y = telephone(y)
    if rng.random() < 0.6:
        y = noise(y, rng, rng.uniform(5, 35))
    y = y * 10 ** (rng.uniform(-30, 12) / 20)
    if rng.random() < 0.2:
        limit = rng.uniform(0.1, 0.6) * np.abs(y).max()
        y = np.clip(y, -limit, limit)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


def mask_bands(logmel: np.ndarray, rng: np.random.Generator, count: int = 2, widest: int = 8) -> np.ndarray:
    """Up to `count` bands of up to `widest` mel bins flattened to the clip's mean level there, so
    the net cannot lean on one voice's formant details: with it, speakers it never heard close
    their lips on more p/b/m and open wider on vowels."""
    out = logmel.copy()
    for _ in range(count):
        width = int(rng.integers(0, widest + 1))
        lo = int(rng.integers(0, logmel.shape[1] - width + 1))
        if width:
            out[:, lo : lo + width] = logmel[:, lo : lo + width].mean()
    return out

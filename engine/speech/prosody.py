"""Brow raises that follow pitch accents: the eyebrows of someone stressing a word.

A YIN pitch tracker (numpy; streaming like the log-mel features, frame n centred on n * 10 ms,
one frame per complete hop, so its track lines up frame for frame with the net's curves) gives
F0 and level. `brows` then finds the accents, local F0 peaks well above the speaker's running
median on voiced frames about as loud as the speaker's median or louder (stressed syllables,
not a weak tail), and shapes each into a low raise of browInnerUp and browOuterUp (a 120 ms
attack up to the peak, a 300 ms release), at most one per 0.6 s. Silence, unvoiced sound and
a monotone voice leave the brows at rest.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d, median_filter

from .. import arkit
from ..rig.masks import smoothstep
from .features import HOP, SAMPLE_RATE

BROWS = tuple(arkit.INDEX[n] for n in ("browInnerUp", "browOuterUpLeft", "browOuterUpRight"))
OUTER = 0.8  # the outer brows rise a little less than the inner

# YIN (de Cheveigne & Kawahara 2002) over 50-500 Hz.
F0_MIN, F0_MAX = 50.0, 500.0
WINDOW = 480  # 30 ms: the difference function's integration window
TAU_MIN, TAU_MAX = int(SAMPLE_RATE / F0_MAX), int(np.ceil(SAMPLE_RATE / F0_MIN))
SPAN = WINDOW + TAU_MAX + 1  # samples one frame looks at
N_FFT = 1024
APERIODICITY = 0.25  # YIN's threshold on the normalised difference: under it, a period
VOICED_DB = -50.0  # quieter frames are unvoiced however periodic (dB of full scale)
_BATCH = 100  # frames computed together: a long push never builds a huge matrix

# Accents, in 10 ms frames.
ACCENT_ST = 2.5  # semitones above the speaker's median F0 that make a peak an accent
FULL_ST = 8.0  # ... and that give the highest raise
PEAK = 15  # an accent is the highest F0 within +-150 ms
REGISTER = 200  # the speaker's median F0 and level are taken over +-2 s
MIN_VOICED = 30  # frames of voice the register needs before anything counts as an accent
STRESS_DB = 3.0  # an accent's level may sit this far under the speaker's median level, no further
ATTACK, RELEASE, GAP = 12, 30, 60
LOW, HIGH = 0.15, 0.35  # raise for an accent of ACCENT_ST, and for FULL_ST and above


class PitchTracker:
    """Push 16 kHz samples in any chunk sizes; get F0 in Hz (0 where unvoiced) and level in dB
    of every frame completed so far. Frame n is centred on sample n * 160 and there are as many
    frames as complete hops, as in the net's features; `flush` completes the last ones as if
    silence followed."""

    def __init__(self):
        self._buf = np.zeros(SPAN // 2, np.float32)  # silence before the start; frame `_next` begins it
        self._next = 0
        self._samples = 0

    def push(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(samples, np.float32).reshape(-1)
        if not np.all(np.isfinite(x)):
            raise ValueError("audio contains NaN or inf samples")
        self._samples += len(x)
        self._buf = np.concatenate([self._buf, x])
        return self._frames()

    def flush(self) -> tuple[np.ndarray, np.ndarray]:
        short = (self._samples // HOP - self._next - 1) * HOP + SPAN - len(self._buf)
        self._buf = np.concatenate([self._buf, np.zeros(max(0, short), np.float32)])
        return self._frames()

    def _frames(self) -> tuple[np.ndarray, np.ndarray]:
        ready = (len(self._buf) - SPAN) // HOP + 1 if len(self._buf) >= SPAN else 0
        n = max(0, min(ready, self._samples // HOP - self._next))
        parts = [_yin(self._buf, start, min(_BATCH, n - start)) for start in range(0, n, _BATCH)]
        self._buf, self._next = self._buf[n * HOP :], self._next + n
        if not parts:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _yin(buf: np.ndarray, first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """F0 (0 where unvoiced) and level in dB of `n` frames of `buf`, from the `first`th frame."""
    frames = buf[np.arange(SPAN)[None, :] + HOP * (first + np.arange(n))[:, None]].astype(np.float64)
    energy = np.concatenate([np.zeros((n, 1)), np.cumsum(frames**2, axis=1)], axis=1)
    taus = np.arange(TAU_MAX + 2)
    # d(tau) = sum over the window of (x[j] - x[j + tau])^2 = e(0) + e(tau) - 2 x.x(tau), the
    # correlation by FFT (long enough that no lag wraps around)
    cross = np.fft.irfft(np.conj(np.fft.rfft(frames[:, :WINDOW], N_FFT)) * np.fft.rfft(frames, N_FFT), N_FFT)
    d = np.maximum(energy[:, [WINDOW]] + energy[:, taus + WINDOW] - energy[:, taus] - 2 * cross[:, taus], 0.0)
    # cumulative mean normalised difference: 1 at lag 0, dips towards 0 at the period
    norm = np.ones_like(d)
    norm[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(np.cumsum(d[:, 1:], axis=1), 1e-12)
    search = norm[:, TAU_MIN:]  # lags TAU_MIN .. TAU_MAX + 1
    below = search[:, :-1] < APERIODICITY
    dip = np.argmax(below, axis=1)  # the first lag under the threshold ...
    rising = search[:, :-1] <= search[:, 1:]
    lag = np.argmax(rising & (np.arange(below.shape[1]) >= dip[:, None]), axis=1)  # ... down to its minimum
    rows = np.arange(n)
    a, b, c = search[rows, np.maximum(lag - 1, 0)], search[rows, lag], search[rows, lag + 1]
    bend = a - 2 * b + c
    shift = np.where(bend > 0, np.clip(0.5 * (a - c) / np.where(bend > 0, bend, 1.0), -1, 1), 0.0)
    level = 10.0 * np.log10(energy[:, WINDOW] / WINDOW + 1e-10)
    voiced = below.any(axis=1) & (level >= VOICED_DB) & (b < APERIODICITY)
    f0 = np.where(voiced, SAMPLE_RATE / (TAU_MIN + lag + shift), 0.0)
    return f0.astype(np.float32), level.astype(np.float32)


def pitch_track(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F0 (Hz, 0 where unvoiced) and level (dB) of a whole 16 kHz clip, 100 frames a second."""
    tracker = PitchTracker()
    (f0, level), (f0_end, level_end) = tracker.push(audio), tracker.flush()
    return np.concatenate([f0, f0_end]), np.concatenate([level, level_end])


def brows(f0: np.ndarray, level: np.ndarray) -> np.ndarray:
    """(frames, 3) weights of BROWS from a pitch track: a raise on each pitch accent."""
    n = len(f0)
    raise_ = np.zeros(n, np.float32)
    voiced = np.flatnonzero(f0 > 0)
    if len(voiced) < MIN_VOICED:
        return np.zeros((n, len(BROWS)), np.float32)
    tone = np.full(n, -np.inf)
    tone[voiced] = median_filter(12.0 * np.log2(f0[voiced] / 100.0), 5, mode="nearest")  # semitones; no octave blips
    peaks = np.flatnonzero((tone > -np.inf) & (tone == maximum_filter1d(tone, 2 * PEAK + 1, mode="nearest")))
    accents: list[tuple[float, int]] = []
    for k in peaks.tolist():
        near = voiced[(voiced >= k - REGISTER) & (voiced <= k + REGISTER)]
        if len(near) < MIN_VOICED:
            continue
        prominence = tone[k] - np.median(tone[near])
        if prominence >= ACCENT_ST and level[k] >= np.median(level[near]) - STRESS_DB:
            accents.append((float(prominence), k))
    taken: list[int] = []
    for prominence, k in sorted(accents, reverse=True):  # the strongest first, then none within GAP
        if all(abs(k - j) >= GAP for j in taken):
            taken.append(k)
            height = LOW + (HIGH - LOW) * min(1.0, (prominence - ACCENT_ST) / (FULL_ST - ACCENT_ST))
            frames = np.arange(max(0, k - ATTACK), min(n, k + RELEASE + 1))
            shape = np.where(
                frames <= k,
                smoothstep(0.0, 1.0, (frames - (k - ATTACK)) / ATTACK),
                1.0 - smoothstep(0.0, 1.0, (frames - k) / RELEASE),
            )
            raise_[frames] = np.maximum(raise_[frames], height * shape)
    return np.stack([raise_, OUTER * raise_, OUTER * raise_], axis=1)


def brow_curves(audio: np.ndarray) -> np.ndarray:
    """(frames, 3) brow raises at 100 fps for a 16 kHz clip, frame for frame with `infer`'s."""
    return brows(*pitch_track(audio))

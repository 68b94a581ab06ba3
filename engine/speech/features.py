"""Log-mel features, 80 bins of 16 kHz audio at a 10 ms hop, computed identically in streaming
and offline mode (offline is one streaming push), so the net sees the same input either way.

Frame n covers the 25 ms ending at sample (n + 1) * 160: a causal window, 10 ms after frame
n's nominal time n * 10 ms. A DC blocker runs first, with state, so offsets never reach the net.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import lfilter

SAMPLE_RATE = 16000
HOP = 160
WINDOW = 400
N_FFT = 512
N_MELS = 80
FRAME_RATE = SAMPLE_RATE / HOP
_DC_POLE = 0.995
_FLOOR = 1e-10
_BATCH = 250  # frames computed together
SPEAKER_TAU = 1.5  # seconds over which RunningSpectrum averages the voice
_SPEAKER_DECAY = [1.0, -np.exp(-1.0 / (SPEAKER_TAU * FRAME_RATE))]  # y[n] = x[n] + r * y[n - 1]
N_INPUT = 2 * N_MELS  # the net's input: log-mel and log-mel less the running spectrum


def _mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _hz(mel):
    return 700.0 * (10 ** (np.asarray(mel) / 2595.0) - 1.0)


def _mel_edges() -> np.ndarray:
    """The N_MELS + 2 edges, in Hz, of the triangular filters: equally spaced in mel, 20 Hz to 8 kHz."""
    return _hz(np.linspace(_mel(20.0), _mel(SAMPLE_RATE / 2), N_MELS + 2))


def mel_band_centres() -> np.ndarray:
    """(80,) the centre of each mel band in Hz, so other code can pick bands by frequency."""
    return _mel_edges()[1:-1]


def mel_filterbank() -> np.ndarray:
    """(257, 80) triangular HTK-mel filters from 20 Hz to 8 kHz."""
    edges = _mel_edges()
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    tri = np.maximum(0.0, np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)))
    return tri.T.astype(np.float32)


_FILTERS = mel_filterbank()
_HANN = np.hanning(WINDOW).astype(np.float32)
# Periodicity: the autocorrelation, from the power spectrum of 300 Hz-4 kHz (above mains hum's
# strongest harmonics), at lags of an 80-320 Hz voice, as a share of its value at lag 0; each
# lag undone of the window's own fall-off (Hann against itself; never less than a quarter).
_BINS = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
_PERIOD_BAND = ((_BINS >= 300) & (_BINS <= 4000)).astype(np.float32)
_LAGS = np.arange(SAMPLE_RATE // 320, SAMPLE_RATE // 80 + 1)
_HANN_AC = np.correlate(_HANN, _HANN, "full")[WINDOW - 1 :]
_LAG_GAIN = (1.0 / np.maximum(_HANN_AC[_LAGS] / _HANN_AC[0], 0.25)).astype(np.float32)


class StreamingFeatures:
    """Push 16 kHz samples in any chunk sizes; get the (frames, 80) log-mel and (frames,) level
    in dB of every frame completed so far (`push_voiced`: and each frame's periodicity, 0-1,
    the voice gate's cue that a sound is voiced, not a breath, a hiss or a click)."""

    def __init__(self):
        self._zi = np.zeros(1)  # the DC blocker starts from silence
        self._tail = np.zeros(WINDOW - HOP, np.float32)  # the window's history before frame 0

    def push(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._push(samples, False)

    def push_voiced(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._push(samples, True)

    def _push(self, samples: np.ndarray, voiced: bool):
        x = np.asarray(samples, np.float32).reshape(-1)
        if not np.all(np.isfinite(x)):
            raise ValueError("audio contains NaN or inf samples")
        if len(x):  # lfilter returns a garbage state for no input (an empty push from a resampler)
            clean, self._zi = lfilter([1.0, -1.0], [1.0, -_DC_POLE], x, zi=self._zi)
        else:
            clean = x
        buf = np.concatenate([self._tail, clean.astype(np.float32)])
        n = (len(buf) - (WINDOW - HOP)) // HOP
        if n <= 0:
            self._tail = buf
            return (np.zeros((0, N_MELS), np.float32),) + (np.zeros(0, np.float32),) * (2 if voiced else 1)
        self._tail = buf[n * HOP :]
        parts = [_frames(buf, first, min(n, first + _BATCH), voiced) for first in range(0, n, _BATCH)]
        return tuple(np.concatenate(column) for column in zip(*parts))


def _frames(buf: np.ndarray, first: int, end: int, voiced: bool = False) -> tuple[np.ndarray, ...]:
    """Log-mel, level (and periodicity, if `voiced`) of frames first..end-1 of `buf`: a batch at
    a time, so a long push needs working memory for _BATCH frames, not for all of them. Single
    precision throughout (scipy's FFT keeps float32), twice as fast as double and the same to
    a few parts in a million."""
    frames = sliding_window_view(buf, WINDOW)[HOP * first : HOP * (end - 1) + 1 : HOP]
    spectrum = scipy.fft.rfft(frames * _HANN, N_FFT, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    logmel = np.log(power @ _FILTERS + _FLOOR).astype(np.float32)
    level = (10.0 * np.log10(np.mean(np.square(frames), axis=1) + _FLOOR)).astype(np.float32)
    if not voiced:
        return logmel, level
    ac = scipy.fft.irfft(power * _PERIOD_BAND, N_FFT, axis=1)
    peak = (ac[:, _LAGS] * _LAG_GAIN).max(axis=1) / np.maximum(ac[:, 0], _FLOOR)
    return logmel, level, np.clip(peak, 0.0, 1.0).astype(np.float32)


class RunningSpectrum:
    """The voice's own average spectrum, subtracted: push log-mel frames, get each one minus the
    loudness-weighted mean log-mel of the frames up to it (a decay of SPEAKER_TAU seconds).

    A speaker the net never heard, or a new microphone, colours every frame the same way; with
    that colour taken out, vowels and consonants of a new voice look more like the training
    voices'. Louder frames weigh more (the square root of their power), so pauses hardly move
    the mean, and a gain change moves a frame and its mean alike: the output ignores level.
    """

    def __init__(self):
        self._num = np.zeros((1, N_MELS))  # the filter state of the decayed sum of weight * log-mel
        self._den = np.zeros(1)  # and of the decayed sum of weights

    def push(self, logmel: np.ndarray) -> np.ndarray:
        x = np.asarray(logmel, np.float64)
        if len(x) == 0:
            return np.zeros((0, N_MELS), np.float32)
        w = np.sqrt(np.exp(x).mean(axis=1))
        num, self._num = lfilter([1.0], _SPEAKER_DECAY, w[:, None] * x, axis=0, zi=self._num)
        den, self._den = lfilter([1.0], _SPEAKER_DECAY, w, zi=self._den)
        return (x - num / den[:, None]).astype(np.float32)


def net_input(logmel: np.ndarray, spectrum: RunningSpectrum) -> np.ndarray:
    """What the net reads: each log-mel frame and the same frame with the voice's mean taken out."""
    return np.concatenate([logmel, spectrum.push(logmel)], axis=1)


def features(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offline: every complete frame of `audio` (16 kHz), as one streaming push."""
    return StreamingFeatures().push(audio)

"""Log-mel features: streaming equals offline, DC is blocked, bad samples are refused; the
running voice spectrum streams exactly, ignores level and takes out a fixed colouring."""

import numpy as np
import pytest

from scipy.signal import lfilter

from engine.speech.features import HOP, N_MELS, RunningSpectrum, StreamingFeatures, features


def _speechlike(seconds=1.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t)) + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


def test_streaming_in_any_chunks_equals_offline():
    x = _speechlike()
    whole, level = features(x)
    assert whole.shape == (len(x) // HOP, N_MELS) and level.shape == (len(x) // HOP,)
    stream, parts, levels, i = StreamingFeatures(), [], [], 0
    for size in [1, 7, 0, 159, 160, 161, 400, 1000, 3333] * 10:  # 0: a resampler that held it all back
        m, lv = stream.push(x[i:i + size])
        parts.append(m)
        levels.append(lv)
        i += size
        if i >= len(x):
            break
    np.testing.assert_allclose(np.concatenate(parts), whole[: sum(len(p) for p in parts)], atol=1e-4)


def test_dc_offset_never_reaches_the_features():
    x = _speechlike()
    clean, _ = features(x)
    shifted, _ = features(x + 0.4)
    settle = 50  # frames for the DC blocker to settle
    np.testing.assert_allclose(shifted[settle:], clean[settle:], atol=0.05)


def test_nan_and_inf_are_refused():
    x = _speechlike(0.1)
    x[100] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        features(x)


def test_louder_audio_has_a_higher_level():
    x = _speechlike()
    assert features(x * 4)[1][20:].mean() - features(x)[1][20:].mean() == pytest.approx(12.04, abs=0.1)


def test_running_spectrum_streams_exactly():
    logmel = features(_speechlike(3.0))[0]
    whole = RunningSpectrum().push(logmel)
    spectrum, parts, i = RunningSpectrum(), [], 0
    for size in (1, 0, 7, 50, 3, 100):
        parts.append(spectrum.push(logmel[i:i + size]))
        i += size
    parts.append(spectrum.push(logmel[i:]))
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-5)


def test_running_spectrum_ignores_level():
    x = _speechlike(2.0)
    loud, quiet = (RunningSpectrum().push(features(x * g)[0]) for g in (1.0, 0.02))
    assert np.abs(features(x)[0] - features(x * 0.02)[0]).mean() > 5  # the log-mel itself moves
    np.testing.assert_allclose(quiet, loud, atol=1e-2)


def test_running_spectrum_takes_out_a_fixed_colouring():
    """A voice heard through another microphone (a fixed tilt): once the mean has settled, the
    centred frames barely differ, though the log-mel differs by the tilt."""
    x = _speechlike(4.0, seed=1)
    tilted = lfilter([1.0, -0.9], [1.0], x).astype(np.float32)
    raw_a, raw_b = features(x)[0], features(tilted)[0]
    a, b = RunningSpectrum().push(raw_a), RunningSpectrum().push(raw_b)
    settled = slice(200, None)
    raw_gap = np.abs(raw_a - raw_b)[settled].mean()
    assert np.abs(a - b)[settled].mean() < 0.1 * raw_gap

"""Log-mel features: streaming equals offline, DC is blocked, bad samples are refused."""

import numpy as np
import pytest

from engine.drivers.audio.features import HOP, N_MELS, StreamingFeatures, features


def _speechlike(seconds=1.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t)) + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


def test_streaming_in_any_chunks_equals_offline():
    x = _speechlike()
    whole, level = features(x)
    assert whole.shape == (len(x) // HOP, N_MELS) and level.shape == (len(x) // HOP,)
    stream, parts, levels, i = StreamingFeatures(), [], [], 0
    for size in [1, 7, 159, 160, 161, 400, 1000, 3333] * 10:
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

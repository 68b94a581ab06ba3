"""The recording channels the eval degrades real speech with: real ffmpeg codecs that keep the
clip's length and timing, noises with the spectra they are named for, seeded throughout."""

import numpy as np
import pytest

from engine.speech_training import channel
from engine.speech.features import SAMPLE_RATE


def _band_power(x, lo, hi):
    f = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    p = np.abs(np.fft.rfft(x)) ** 2
    return p[(f >= lo) & (f < hi)].sum()


def _voice(seconds=2.0, seed=0):
    """A buzz through a vowel-like resonance, switched on and off: speech-like timing and band."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    buzz = np.sign(np.sin(2 * np.pi * 130 * t)) * (np.sin(2 * np.pi * 2 * t) > 0)
    return channel.at_level(buzz + 0.01 * np.random.default_rng(seed).standard_normal(len(t)), -20)


@pytest.mark.parametrize("name", list(channel.CODECS))
def test_codecs_keep_length_and_timing(name):
    if not channel.codec_available(name):
        pytest.skip(f"no ffmpeg here encodes {name}")
    x = _voice()
    y = channel.codec(x, name)
    assert len(y) == len(x) and y.dtype == np.float32
    assert channel._lag(x, y) == 0  # re-aligned: the mouth still meets the sound
    assert abs(channel.rms_db(y) - channel.rms_db(x)) < 3
    if name != "opus":  # the telephone codecs run at 8 kHz: nothing above 4 kHz survives
        assert _band_power(y, 4200, 8000) < 1e-3 * _band_power(y, 0, 4000)


def test_unknown_codec_is_refused():
    with pytest.raises(ValueError, match="unknown codec"):
        channel.codec(_voice(), "mp3-at-2kbps")


def test_noises_have_their_spectra_and_levels():
    rng, n = np.random.default_rng(0), 4 * SAMPLE_RATE
    pink, brown = channel.pink(n, rng), channel.brown(n, rng)
    for x in (pink, brown, channel.room_tone(n, rng), channel.line_noise(n, rng)):
        assert abs(channel.rms_db(x)) < 0.01
    # pink has the same power in every octave, brown 3 dB less each octave up: the 100-200 Hz
    # octave against 1.6-3.2 kHz, four octaves higher
    assert abs(10 * np.log10(_band_power(pink, 100, 200) / _band_power(pink, 1600, 3200))) < 2
    assert 9 < 10 * np.log10(_band_power(brown, 100, 200) / _band_power(brown, 1600, 3200)) < 15
    hum = channel.hum(n, rng, 60.0)
    f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    peaks = f[np.argsort(np.abs(np.fft.rfft(hum)))[-2:]]
    assert set(np.round(peaks)) == {60.0, 180.0}  # the mains and its third harmonic, the strongest
    line = channel.line_noise(n, rng)
    assert _band_power(line, 4500, 8000) < 0.05 * _band_power(line, 300, 3400)


def test_clicks_are_short_and_breaths_are_long():
    rng, n = np.random.default_rng(1), 10 * SAMPLE_RATE
    clicks, breaths = channel.clicks(n, rng, 2.0), channel.breaths(n, rng, 2.0)
    assert np.abs(clicks).max() == pytest.approx(1.0)
    assert (np.abs(clicks) > 0.01).mean() < 0.02
    assert 0.1 < (breaths != 0).mean() < 0.5


def test_noise_goes_in_at_the_snr_asked_and_everything_is_seeded():
    x = _voice()
    noise = channel.pink(len(x), np.random.default_rng(2))
    y = channel.add_noise(x, noise, 10)
    loud = np.sin(2 * np.pi * 2 * np.arange(len(x)) / SAMPLE_RATE) > 0.1
    snr = channel.rms_db(x[loud]) - channel.rms_db((y - x)[loud])
    assert snr == pytest.approx(10, abs=1.0)
    assert np.array_equal(channel.room(x, np.random.default_rng(3), 0.5), channel.room(x, np.random.default_rng(3), 0.5))
    assert np.abs(channel.clip(x, 30, 0.5)).max() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="talker"):
        channel.babble(100, [], np.random.default_rng(0))

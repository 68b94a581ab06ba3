"""Prosody: the pitch tracker, and brow raises on pitch accents (never on a monotone or silence)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import arkit
from engine.speech.audio_file import resample_to_16k
from engine.speech.features import SAMPLE_RATE
from engine.speech.prosody import BROWS, HIGH, LOW, PitchTracker, brow_curves, pitch_track
from engine.drivers.audio.source import AudioSource
from engine.speech.stream import infer
from engine.frame import FaceFrame
from engine.mixer import LayerRule, Mixer, channel_mask


def _vowel(f0, seconds=2.0, amplitude=0.3):
    """A buzzy vowel whose pitch follows `f0(t)` (Hz): harmonics of a phase that integrates it."""
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    phase = 2 * np.pi * np.cumsum(f0(t)) / SAMPLE_RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 25))
    return (amplitude * x / np.abs(x).max()).astype(np.float32)


def _accents(*centres, rise=7.0, width=0.08):
    """120 Hz with a glide up `rise` semitones and back down around each centre (seconds)."""
    return lambda t: 120.0 * 2 ** (rise / 12 * sum(np.exp(-(((t - c) / width) ** 2)) for c in centres))


@pytest.mark.parametrize("f0", [65.0, 110.0, 220.0, 440.0])
def test_pitch_is_tracked_across_the_voice_range(f0):
    track, level = pitch_track(_vowel(lambda t: np.full_like(t, f0), 0.5))
    assert np.all(np.abs(track[5:-5] / f0 - 1) < 0.005)
    assert np.all(level[5:-5] > -20)


def test_noise_and_silence_are_unvoiced():
    noise = (0.1 * np.random.default_rng(0).standard_normal(SAMPLE_RATE)).astype(np.float32)
    assert (pitch_track(noise)[0] > 0).mean() < 0.02
    assert not pitch_track(np.zeros(SAMPLE_RATE, np.float32))[0].any()


def test_tracking_in_chunks_equals_one_pass_frame_for_frame_with_the_net():
    x = _vowel(_accents(0.7), 1.2345)
    tracker, rng, parts, i = PitchTracker(), np.random.default_rng(1), [], 0
    while i < len(x):
        n = int(rng.integers(1, 3000))
        parts.append(tracker.push(x[i:i + n]))
        i += n
    parts.append(tracker.flush())
    streamed = np.concatenate([p[0] for p in parts])
    np.testing.assert_array_equal(streamed, pitch_track(x)[0])
    assert len(streamed) == len(brow_curves(x)) == len(x) // 160
    with pytest.raises(ValueError, match="NaN"):
        PitchTracker().push(np.array([0.0, np.nan], np.float32))


@pytest.mark.parametrize("audio", ["monotone", "silence", "noise", "quiet start"])
def test_brows_rest_without_pitch_accents(audio):
    x = {"monotone": _vowel(lambda t: np.full_like(t, 130.0), 3.0),
         "silence": np.zeros(3 * SAMPLE_RATE, np.float32),
         "noise": (0.2 * np.random.default_rng(2).standard_normal(3 * SAMPLE_RATE)).astype(np.float32),
         "quiet start": np.zeros(20, np.float32)}[audio]
    assert not brow_curves(x).any()


def test_a_pitch_accent_raises_the_brows_with_attack_and_release():
    b = brow_curves(_vowel(_accents(1.0), 2.0))
    inner = b[:, 0]
    peak = int(inner.argmax())
    assert abs(peak - 100) <= 3  # at the top of the glide
    assert LOW <= inner.max() <= HIGH
    assert np.all(b[:, 1] == b[:, 2]) and 0 < b[:, 1].max() < inner.max()  # the outer brows, a little less
    assert inner[peak - 15] == 0 and inner[peak - 8] > 0  # a ~120 ms attack
    assert inner[peak + 25] > 0 and inner[peak + 32] == 0  # a ~300 ms release
    assert not inner[:peak - 15].any() and not inner[peak + 32:].any()
    assert np.all(np.diff(inner[peak - 12:peak + 1]) >= 0) and np.all(np.diff(inner[peak:peak + 31]) <= 0)


def test_at_most_one_raise_per_0_6_s_and_bigger_accents_raise_higher():
    def raises(x):
        inner = brow_curves(x)[:, 0]
        return [k for k in range(1, len(inner) - 1) if inner[k] > 0 and inner[k - 1] < inner[k] >= inner[k + 1]]

    assert len(raises(_vowel(_accents(1.0, 1.3), 2.5))) == 1
    assert len(raises(_vowel(_accents(0.8, 1.7), 2.5))) == 2
    small = brow_curves(_vowel(_accents(1.0, rise=3.5), 2.0)).max()
    big = brow_curves(_vowel(_accents(1.0, rise=12.0), 2.0)).max()
    assert LOW <= small < big <= HIGH


_SAY = """
import json, sys
import numpy as np
from engine.speech_training.data.espeak import Espeak
audio, rate, phones = Espeak().synth(sys.argv[2], "en-us", pitch_range=int(sys.argv[3]))
np.save(sys.argv[1] + ".npy", audio)
open(sys.argv[1] + ".json", "w").write(json.dumps({"rate": rate, "phones": phones}))
"""


@pytest.fixture(scope="module")
def espeak(tmp_path_factory):
    """Speech with espeak-ng's phone timings, each from a fresh process: the library keeps
    intonation state between utterances, so what other tests spoke before would change it."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("espeak")

    def say(text, pitch_range):
        base = str(folder / f"say{pitch_range}")
        run = subprocess.run([sys.executable, "-c", _SAY, base, text, str(pitch_range)], capture_output=True, text=True)
        if run.returncode:
            raise ValueError(run.stderr.strip().splitlines()[-1])
        meta = json.loads(Path(base + ".json").read_text())
        return resample_to_16k(np.load(base + ".npy"), meta["rate"]), [tuple(p) for p in meta["phones"]]

    return say


def test_emphatic_speech_raises_the_brows_on_stressed_words_and_a_monotone_does_not(espeak):
    text = "It was the blue car, not the red one!"
    flat, _ = espeak(text, 0)
    assert not brow_curves(flat).any()
    x, phones = espeak(text, 100)
    inner = brow_curves(x)[:, 0]
    peaks = [k for k in range(1, len(inner) - 1) if inner[k] > 0 and inner[k - 1] < inner[k] >= inner[k + 1]]
    assert 1 <= len(peaks) <= len(inner) / 60
    assert LOW <= inner.max() <= HIGH
    words = {phone for k in peaks for phone, start, end in phones if start <= k / 100 < end}
    assert words <= {"u:", "E", "A@", "0"}  # the vowels of blue, red, car, not
    with pytest.raises(ValueError, match="pitch_range"):
        espeak(text, 101)


def test_audio_source_owns_the_brow_raises_only_where_its_layer_may():
    x = _vowel(_accents(1.0), 2.0)
    src = AudioSource(x)
    inner = arkit.INDEX["browInnerUp"]
    assert src.frame_at(1.0).weights[inner] >= LOW and src.frame_at(0.3).weights[inner] == 0
    assert src.frame_at(1.0).mask[list(BROWS)].all() and not src.frame_at(1.0).mask[arkit.INDEX["browDownLeft"]]
    np.testing.assert_allclose(src.frame_at(1.0).weights[list(BROWS)], brow_curves(x)[100], atol=2e-3)
    np.testing.assert_allclose(src.frame_at(0.5).weights[arkit.INDEX["jawOpen"]],
                               infer(x)[50, arkit.INDEX["jawOpen"]], atol=2e-3)

    tracked = FaceFrame.from_named(0.3, {"browInnerUp": 0.6, "jawOpen": 0.2})  # a face beneath, at rest at 0.3 s
    def mixed(audio_channels, above=None):
        rules = [LayerRule("face", 10), LayerRule("audio", 30, channel_mask(audio_channels), head=False)]
        if above:
            rules.append(LayerRule("above", 40, channel_mask("brows")))
        mixer = Mixer(rules)
        mixer.push("face", tracked)
        mixer.push("audio", src.frame_at(0.3))
        if above:
            mixer.push("above", FaceFrame.from_named(0.3, {"browInnerUp": 0.9}))
        return mixer.mix(0.3).weights[inner]

    assert mixed("mouth,brows") == 0  # the default: speech's brows, at rest between accents
    assert mixed("mouth") == pytest.approx(0.6)  # channels=mouth leaves the tracked brows alone
    assert mixed("mouth,brows", above=True) == pytest.approx(0.9)  # a layer above still wins

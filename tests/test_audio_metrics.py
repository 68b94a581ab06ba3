"""The lip-sync metrics, on hand-made curves and on the coarticulation targets themselves."""

import shutil

import numpy as np
import pytest

from engine import arkit
from engine.speech_training.baselines import LOUDNESS_GAIN, fit_loudness_gain, loudness_jaw
from engine.speech.coarticulation import FPS, Segment, curves
from engine.speech_training.metrics import (
    bilabial_closures,
    jitter,
    macro_f1,
    onset_lags,
    open_vowel_jaw,
    pauses,
    silence_rest,
    viseme_classes,
)
from engine.speech.stream import resample_curves
from engine.speech.visemes import VISEME_INDEX, VISEMES, pose_matrix
from speech_clips import flite_clip

SEGS = [Segment("aa", 0.3, 0.5, True), Segment("PP", 0.5, 0.58), Segment("I", 0.58, 0.75),
        Segment("sil", 0.75, 1.25), Segment("U", 1.25, 1.4), Segment("PP", 1.4, 1.42), Segment("E", 1.42, 1.6)]
DUR = 1.9


def test_targets_meet_every_goal():
    w = curves(SEGS, DUR)
    assert bilabial_closures(w, SEGS) == (1, 1)  # the 20 ms one is too short to count
    assert silence_rest(w, SEGS, DUR)[0] == silence_rest(w, SEGS, DUR)[1] > 0
    assert open_vowel_jaw(w, SEGS).mean() >= 0.25


def test_an_open_mouth_fails_closure_and_rest():
    w = np.zeros((int(DUR * FPS), arkit.COUNT), np.float32)
    w[:, arkit.INDEX["jawOpen"]] = 0.4
    assert bilabial_closures(w, SEGS) == (0, 1)
    assert silence_rest(w, SEGS, DUR)[0] == 0


def test_pauses_include_the_clip_ends_and_gaps():
    assert pauses(SEGS, DUR) == [(0.0, 0.3), (0.75, 1.25), (1.6, 1.9)]


def test_onset_lag_is_how_late_the_lips_part_after_each_pause():
    w = curves(SEGS, DUR)
    assert onset_lags(w, w, SEGS, DUR) == [0.0, 0.0]  # "aa" after the lead-in, "U" after the pause
    late = np.concatenate([np.zeros((5, w.shape[1]), np.float32), w[:-5]])  # 5 frames behind
    assert onset_lags(late, w, SEGS, DUR) == pytest.approx([5 / FPS, 5 / FPS])
    shut = np.zeros_like(w)
    assert all(lag >= 0.25 for lag in onset_lags(shut, w, SEGS, DUR))  # never parts: the window's end
    # a phrase that opens on a p/b/m keeps its lips shut, so it has no onset to be late at
    bilabial = [Segment("PP", 0.3, 0.4), Segment("aa", 0.4, 0.6, True)]
    assert onset_lags(curves(bilabial, 1.0), curves(bilabial, 1.0), bilabial, 1.0) == []


def test_viseme_classes_recover_the_poses():
    labels = viseme_classes(pose_matrix())
    assert labels.tolist() == list(range(len(VISEMES)))
    assert macro_f1(labels, labels) == 1.0
    assert macro_f1(labels, np.full_like(labels, VISEME_INDEX["sil"])) < 0.1


def test_jitter_sees_flapping():
    t = np.arange(120)
    smooth = np.zeros((120, arkit.COUNT), np.float32)
    smooth[:, arkit.INDEX["jawOpen"]] = 0.3 + 0.2 * np.sin(t / 10)
    flappy = smooth.copy()
    flappy[::2, arkit.INDEX["jawOpen"]] += 0.1
    assert jitter(flappy) > 10 * jitter(smooth)


def test_loudness_baseline_only_moves_the_jaw():
    t = np.arange(16000) / 16000
    y = loudness_jaw((0.3 * np.sin(2 * np.pi * 150 * t) * (t > 0.5)).astype(np.float32))
    jaw = y[:, arkit.INDEX["jawOpen"]]
    assert jaw[:40].max() < 0.05 and jaw[70:].min() > 0.8 * LOUDNESS_GAIN
    assert np.count_nonzero(y.any(axis=0)) == 1


@pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
def test_loudness_gain_fit_is_the_least_squares_one():
    from engine.speech.coarticulation import audio_curves

    pairs = [flite_clip(text) for text in ("Bob may move.", "Far away, the tall father sang a song.")]
    gain = fit_loudness_gain(pairs)

    def error(g):
        total = 0.0
        for audio, segments in pairs:
            jaw = loudness_jaw(audio, g)[:, arkit.INDEX["jawOpen"]]
            target = audio_curves(audio, segments)[:, arkit.INDEX["jawOpen"]]
            total += float(((jaw - target[: len(jaw)]) ** 2).sum())
        return total

    assert 0.05 < gain < 1.0
    assert error(gain) < min(error(0.9 * gain), error(1.1 * gain))


@pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
def test_phone_recognition_baseline_follows_the_speech():
    """The pocketsphinx baseline hears the sentence: lips shut on most p/b/m (it misses some), at
    rest through most of the pauses, and visemes that agree with the targets far better than flapping's."""
    pytest.importorskip("pocketsphinx")
    from engine.speech_training.baselines import phone_recognition
    from engine.speech.coarticulation import audio_curves

    audio, segments = flite_clip("Bob may move the map. Papa bought a big blue bag.", padding=0.5)
    duration = len(audio) / 16000
    target, heard, flapping = (resample_curves(c, FPS) for c in
                               (audio_curves(audio, segments), phone_recognition(audio), loudness_jaw(audio)))
    n = min(len(heard), len(target))
    closed, total = bilabial_closures(heard, segments)
    assert total >= 8 and closed >= total / 2 and closed > bilabial_closures(flapping, segments)[0]
    rested, frames = silence_rest(heard, segments, duration)
    assert frames > 0 and rested >= 0.8 * frames
    truth = viseme_classes(target[:n])
    assert macro_f1(truth, viseme_classes(heard[:n])) > 2 * macro_f1(truth, viseme_classes(flapping[:n]))

"""The eval's peer and its new metric: Rhubarb Lip Sync's mouth shapes as our poses (and the real
binary on a real recording), false closures on n, d and k, and lips shut on vowels."""

import numpy as np
import pytest

from engine import arkit
from engine.speech_training.baselines import (
    HEADAUDIO_LATENCY,
    RHUBARB,
    RHUBARB_SHAPES,
    headaudio_available,
    headaudio_curves,
    headaudio_weights,
    rhubarb_cues,
    rhubarb_curves,
)
from engine.speech.coarticulation import FPS, Segment, curves
from engine.speech_training.data import real
from engine.speech_training.metrics import bilabial_closures, false_closures, shut_vowels
from engine.speech.features import FRAME_RATE
from engine.speech.visemes import VISEME_INDEX, VISEMES, aperture

# "no mad dog": n, d and k between open vowels, and one m
SEGS = [Segment("sil", 0.0, 0.3), Segment("nn", 0.3, 0.4), Segment("O", 0.4, 0.6), Segment("PP", 0.6, 0.7),
        Segment("aa", 0.7, 0.9, True), Segment("DD", 0.9, 0.98), Segment("DD", 0.98, 1.06), Segment("O", 1.06, 1.25),
        Segment("kk", 1.25, 1.35), Segment("sil", 1.35, 1.8)]


def test_false_closures_count_lips_shut_on_n_d_and_k_only():
    frames = int(1.8 * FPS)
    shut = np.zeros((frames, arkit.COUNT), np.float32)
    closed, total = false_closures(shut, SEGS)
    assert total > 0 and closed == total  # a mouth that never opens seals every n, d and k
    target = curves(SEGS, 1.8)
    assert false_closures(target, SEGS)[0] <= 0.2 * total  # the targets part the lips for them
    assert bilabial_closures(target, SEGS) == (1, 1)  # while the m seals
    short = [Segment("nn", 0.3, 0.32)]
    assert false_closures(shut, short) == (0, 0)  # too short to judge


def test_shut_vowels_count_a_face_that_stops_talking():
    frames = int(1.8 * FPS)
    target = curves(SEGS, 1.8)
    closed, total = shut_vowels(target, SEGS)
    assert total > 0 and closed <= 0.1 * total  # the targets open the vowels (but for an m's approach)
    frozen = target.copy()
    frozen[int(0.65 * FPS):] = 0  # the face stops at the m while "ad dog" goes on
    before = [s for s in SEGS if s.end <= 0.65]
    after = [s for s in SEGS if s.start >= 0.65]
    assert shut_vowels(frozen, SEGS)[0] == shut_vowels(target, before)[0] + shut_vowels(frozen, after)[1]
    assert shut_vowels(frozen, after)[1] > 0
    assert shut_vowels(np.zeros((frames, arkit.COUNT), np.float32), SEGS) == (total, total)


def test_rhubarb_shapes_become_poses_that_mean_the_same():
    assert set(RHUBARB_SHAPES) == set("ABCDEFGHX")
    cues = [(0.0, 0.1, "X"), (0.1, 0.2, "A"), (0.2, 0.3, "D"), (0.3, 0.4, "F"), (0.4, 0.5, "B"), (0.5, 0.6, "C")]
    w = rhubarb_curves(cues, 65)
    ap = aperture(w)
    assert ap[:20].max() <= 0.1  # idle and closed: lips shut
    assert w[:10].max() == 0  # idle is rest
    assert w[25, arkit.INDEX["jawOpen"]] > 0.5 and ap[25] == ap[20:30].max()  # D: wide open
    assert w[35, arkit.INDEX["mouthPucker"]] > 0.5  # F: puckered
    assert ap[55] > ap[45] > 0.1  # C opens more than B's clenched teeth
    assert not w[60:].any()  # after the last cue: rest
    with pytest.raises(ValueError, match="unknown mouth shape"):
        rhubarb_curves([(0.0, 0.1, "Q")], 10)


@pytest.mark.slow
@pytest.mark.skipif(not RHUBARB.exists(), reason="Rhubarb Lip Sync is not installed (npm install)")
def test_rhubarb_runs_on_a_real_recording_and_seals_its_b(tmp_path):
    """pocketsphinx-testdata's "ten of clubs": Rhubarb, given the words, rests at the ends,
    seals the b and opens for the vowels; its answer is cached, apart from its phonetic
    recogniser's."""
    wav = real.TESTDATA / "cards" / "001.wav"
    if not wav.exists():
        pytest.skip("pocketsphinx-testdata is not installed")
    from engine.speech.audio_file import read_audio

    audio = read_audio(wav)
    cues = rhubarb_cues(audio, "ten of clubs", tmp_path)
    assert cues[0][2] == "X" and cues[-1][2] == "X" and "A" in [c[2] for c in cues]
    assert cues[-1][1] == pytest.approx(len(audio) / 16000, abs=0.02)
    assert len(list(tmp_path.iterdir())) == 1 and rhubarb_cues(audio, "ten of clubs", tmp_path) == cues
    assert aperture(rhubarb_curves(cues, len(audio) // 160)).max() > 0.3
    # its phonetic recogniser (what the eval gives it for languages not English) is kept apart
    phonetic = rhubarb_cues(audio, None, tmp_path, english=False)
    assert len(list(tmp_path.iterdir())) == 2 and phonetic[0][2] == "X" and phonetic[-1][2] == "X"
    assert aperture(rhubarb_curves(phonetic, len(audio) // 160)).max() > 0.3


def test_headaudio_visemes_are_our_poses_a_latency_earlier():
    """HeadAudio's weights, each over its full weight, lay our pose of the same viseme; the
    audio's delay its README advises brings them HEADAUDIO_LATENCY earlier."""
    shift = int(round(HEADAUDIO_LATENCY * FRAME_RATE))
    weights = np.zeros((60 + shift, len(VISEMES)), np.float32)
    weights[shift + 10 : shift + 20, VISEME_INDEX["PP"]] = 1.0
    weights[shift + 30 : shift + 40, VISEME_INDEX["aa"]] = 1.0
    weights[shift + 40 : shift + 50, VISEME_INDEX["aa"]] = 0.5
    w = headaudio_curves(weights, 55)
    ap = aperture(w)
    assert len(w) == 55 and not w[:10].any() and not w[50:].any()  # nothing said: rest
    assert ap[10:20].max() <= 0.1 and w[10:20].any()  # PP seals the lips
    jaw = w[:, arkit.INDEX["jawOpen"]]
    assert jaw[30] > 0.3 and jaw[45] == pytest.approx(jaw[30] / 2)  # aa opens, half as far at half weight


@pytest.mark.skipif(not headaudio_available(), reason="HeadAudio is not installed (npm install)")
def test_headaudio_runs_on_a_real_recording():
    """pocketsphinx-testdata's "ten of clubs" with a second of silence each side: HeadAudio's
    node, run frame by frame, rests in the silence and moves the mouth through the words."""
    wav = real.TESTDATA / "cards" / "001.wav"
    if not wav.exists():
        pytest.skip("pocketsphinx-testdata is not installed")
    from engine.speech.audio_file import read_audio

    speech = read_audio(wav)
    silence = np.zeros(16000, np.float32)
    audio = np.concatenate([silence, speech, silence])
    weights = headaudio_weights(audio)
    assert weights.shape == (len(audio) // 160, len(VISEMES)) and weights.min() >= 0 and weights.max() <= 1.0001
    assert weights[:90].max() < 1e-3 and weights[-50:].max() < 1e-3  # its easing leaves 1e-16
    spoken = weights[100 : 100 + len(speech) // 160]
    assert (spoken.sum(1) > 0.5).mean() > 0.3 and len(set(spoken.argmax(1))) >= 3
    assert aperture(headaudio_curves(weights, len(weights))).max() > 0.15


def test_real_recordings_include_other_speakers_held_out():
    found = real.recordings()
    if not any(name == "real-librivox" for name, *_ in found):
        pytest.skip("pocketsphinx-testdata is not installed")
    others = [(name, split, text) for name, split, _, text in found if name != "real-asterisk"]
    assert {name for name, _, _ in others} >= {"real-librivox", "real-cards"}
    assert all(split == "heldout" for _, split, _ in others)
    assert ("real-cards", "heldout", "ten of clubs") in others

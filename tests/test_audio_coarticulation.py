"""The coarticulation model's promises, on hand-made phone sequences."""

import numpy as np
import pytest

from engine import arkit
from engine.speech.coarticulation import FPS, Segment, curves, frame_visemes
from engine.speech.visemes import VISEME_INDEX, aperture

J = arkit.INDEX


def timed(*spec, start=0.2):
    """Segments from (viseme, seconds) pairs laid end to end from `start`."""
    out, t = [], start
    for v, d in spec:
        out.append(Segment(v, t, t + d))
        t += d
    return out, t + 0.3


def window(seg, pad=1):
    a = int(np.floor(seg.start * FPS)) - pad
    b = int(np.ceil(seg.end * FPS)) + pad
    return slice(max(a, 0), b)


@pytest.mark.parametrize("left,right", [("aa", "aa"), ("U", "I"), ("E", "O"), ("sil", "aa"), ("aa", "FF")])
@pytest.mark.parametrize("bilabial_s", [0.03, 0.06, 0.12])
def test_lips_shut_on_every_bilabial_whatever_the_neighbours(left, right, bilabial_s):
    segs, dur = timed((left, 0.15), ("PP", bilabial_s), (right, 0.15))
    w = curves(segs, dur)
    assert aperture(w[window(segs[1])]).min() <= 0.1
    # the vowels around it really are open: the closure is the model's doing, not a flat face
    if left == "aa":
        assert aperture(w[window(segs[0], 0)]).max() > 0.3


def test_bilabial_seals_lips_over_an_open_jaw_in_loud_speech():
    segs, dur = timed(("aa", 0.2), ("PP", 0.08), ("aa", 0.2))
    loud = np.full(int(np.ceil(dur * FPS)), -10.0)
    loud[int(0.2 * FPS):int(0.68 * FPS)] = 0.0
    w = curves(segs, dur, loudness_db=loud)
    mid = int(round((segs[1].start + segs[1].end) / 2 * FPS))
    assert w[mid, J["jawOpen"]] > 0.1  # the jaw keeps moving ...
    assert w[mid, J["mouthClose"]] >= w[mid, J["jawOpen"]] - 0.05  # ... the lips seal over it
    assert aperture(w[mid]) <= 0.1


def test_lower_lip_goes_to_the_teeth_on_f_and_v():
    segs, dur = timed(("aa", 0.15), ("FF", 0.07), ("aa", 0.15))
    w = curves(segs, dur)
    f = w[window(segs[1], 0)]
    a = w[int(0.22 * FPS):int(0.28 * FPS)]  # the vowel's middle
    assert f[:, J["mouthRollLower"]].max() > 0.4
    assert a[:, J["mouthRollLower"]].max() < 0.15
    assert aperture(f).min() < aperture(a).max() / 2


def test_rounding_is_anticipated_across_consonants():
    rounded, dur = timed(("I", 0.15), ("SS", 0.08), ("DD", 0.06), ("U", 0.2))
    spread, _ = timed(("I", 0.15), ("SS", 0.08), ("DD", 0.06), ("I", 0.2))
    wr, ws = curves(rounded, dur), curves(spread, dur)
    consonants = slice(int(rounded[1].start * FPS) + 1, int(rounded[2].end * FPS))
    pucker = J["mouthPucker"]
    assert wr[consonants, pucker].mean() > 0.3  # the lips round during s and t already
    assert ws[consonants, pucker].max() < 0.05
    # and the rounding starts before the consonants end, not at the vowel
    onset = int(rounded[1].end * FPS)
    assert wr[onset, pucker] > 0.4 * wr[int(rounded[3].start * FPS) + 6, pucker]


def test_jaw_follows_local_loudness():
    segs, dur = timed(("aa", 0.2), ("DD", 0.05), ("aa", 0.2))
    n = int(np.ceil(dur * FPS))
    quiet_then_loud = np.where(np.arange(n) / FPS < 0.425, -12.0, 0.0)
    w = curves(segs, dur, loudness_db=quiet_then_loud)
    first, second = w[window(segs[0], 0), J["jawOpen"]], w[window(segs[2], 0), J["jawOpen"]]
    assert second.max() > 1.3 * first.max()
    flat = curves(segs, dur)
    assert abs(flat[window(segs[0], 0), J["jawOpen"]].max() - flat[window(segs[2], 0), J["jawOpen"]].max()) < 0.02


@pytest.mark.parametrize("before,after", [("aa", "O"), ("U", "U"), ("PP", "FF"), ("I", "aa")])
def test_rest_within_150_ms_of_a_pause(before, after):
    segs, dur = timed((before, 0.2), ("sil", 0.4), (after, 0.2))
    w = curves(segs, dur)
    pause = segs[1]
    rest = w[int(np.ceil((pause.start + 0.15) * FPS)):int((pause.end - 0.1) * FPS)]
    assert len(rest) > 5
    assert aperture(rest).max() <= 0.02
    assert np.abs(rest).max() < 0.1  # at most a little anticipatory pucker before the next word


def test_a_gap_between_phones_is_silence_too():
    segs = [Segment("aa", 0.2, 0.4), Segment("O", 1.0, 1.2)]  # nothing said from 0.4 to 1.0
    w = curves(segs, 1.5)
    assert aperture(w[int(0.55 * FPS):int(0.9 * FPS)]).max() <= 0.02


def test_starts_and_ends_at_rest_and_moves_smoothly():
    segs, dur = timed(("kk", 0.05), ("aa", 0.12), ("PP", 0.05), ("I", 0.1), ("SS", 0.1), start=0.3)
    w = curves(segs, dur)
    assert np.abs(w[:3]).max() < 0.01 and np.abs(w[-3:]).max() < 0.01
    assert np.abs(np.diff(w, axis=0)).max() < 0.35  # no single-frame pops
    assert w.min() >= 0 and w.max() <= 1 and w.dtype == np.float32


def test_frame_visemes_label_segments_and_silence():
    segs, dur = timed(("aa", 0.1), ("PP", 0.05))
    labels = frame_visemes(segs, dur)
    assert labels[0] == VISEME_INDEX["sil"]
    assert labels[int(0.25 * FPS)] == VISEME_INDEX["aa"]
    assert labels[int(0.32 * FPS)] == VISEME_INDEX["PP"]


def test_bad_segments_are_refused():
    with pytest.raises(ValueError, match="viseme"):
        Segment("zz", 0, 1)
    with pytest.raises(ValueError, match="bad times"):
        Segment("aa", 1, 0)

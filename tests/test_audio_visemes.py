"""Phone sets -> visemes -> ARKit poses."""

import numpy as np
import pytest

from engine import arkit
from engine.speech.visemes import ARPABET, VISEMES, aperture, arpabet_viseme, driven_mask, espeak_viseme, pose_matrix, to_visemes


def test_every_arpabet_phone_lands_on_an_ovr_viseme():
    assert set(ARPABET.values()) == set(VISEMES)
    assert arpabet_viseme("AA1") == "aa" and arpabet_viseme("m") == "PP" and arpabet_viseme("uw") == "U"
    with pytest.raises(ValueError, match="unknown"):
        arpabet_viseme("qq")


@pytest.mark.parametrize("phone,viseme", [
    ("p", "PP"), ("b", "PP"), ("m", "PP"), ("ph", "PP"), ("f", "FF"), ("v", "FF"), ("T", "TH"), ("D", "TH"),
    ("th", "DD"),  # Mandarin's aspirated t, not English th
    ("tS", "CH"), ("dZ", "CH"), ("ts.h", "CH"), ("s.", "CH"), ("ts", "SS"), ("z", "SS"), ("n", "nn"),
    ("r", "RR"), ("3:", "RR"), ("a", "aa"), ("aI", "aa"), ("V", "aa"), ("E", "E"), ("@2", "E"), ("i:", "I"),
    ("0", "O"), ("oU", "O"), ("ong", "O"), ("u:", "U"), ("y", "U"), ("w", "U"), ("_:", "sil"), ("_", "sil"),
    ("'a", "aa"), ("X", "kk"),
])
def test_espeak_mnemonics(phone, viseme):
    assert espeak_viseme(phone) == viseme


def test_open_vowel_flags_per_phone_set():
    assert to_visemes("arpabet", ["aa", "iy", "ao", "m"])[1] == [True, False, True, False]
    assert to_visemes("espeak", ["a", "i:", "0", "m", "@"])[1] == [True, False, True, False, False]
    with pytest.raises(ValueError, match="phone set"):
        to_visemes("klingon", ["a"])


def test_poses_are_valid_and_only_touch_driven_channels():
    poses = pose_matrix()
    assert poses.shape == (15, arkit.COUNT) and poses.min() >= 0 and poses.max() <= 1
    assert not poses[:, ~driven_mask()].any()
    assert driven_mask()[arkit.INDEX["jawOpen"]] and driven_mask()[arkit.INDEX["tongueOut"]]
    assert not driven_mask()[arkit.INDEX["eyeBlinkLeft"]]


def test_pose_apertures_rank_as_the_mouth_does():
    ap = dict(zip(VISEMES, aperture(pose_matrix())))
    assert ap["sil"] == 0 and ap["PP"] <= 0.1 and ap["FF"] <= 0.2
    assert ap["aa"] == max(ap.values()) and ap["aa"] > 0.5
    assert ap["O"] > ap["U"] and ap["E"] > ap["I"]
    assert pose_matrix()[VISEMES.index("U"), arkit.INDEX["mouthPucker"]] > 0.5
    assert np.isclose(aperture(np.zeros(arkit.COUNT)), 0)


def test_piper_ipa_phones():
    from engine.speech.visemes import IPA

    assert set(IPA.values()) == set(VISEMES)
    visemes, opens = to_visemes("ipa", ["b", "ɑ", "θ", "ʃ", "ɹ", "ʊ", "_"])
    assert visemes == ["PP", "aa", "TH", "CH", "RR", "U", "sil"]
    assert opens == [False, True, False, False, False, False, False]
    with pytest.raises(ValueError, match="no viseme"):
        to_visemes("ipa", ["ʘ"])

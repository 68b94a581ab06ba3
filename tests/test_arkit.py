import pytest

from engine import arkit


def test_table_is_the_52_documented_names_in_order():
    assert arkit.COUNT == 52
    assert len(set(arkit.NAMES)) == 52
    assert arkit.NAMES[0] == "eyeBlinkLeft"
    assert arkit.NAMES[17] == "jawOpen"
    assert arkit.NAMES[43] == "browInnerUp"
    assert arkit.NAMES[51] == "tongueOut"


@pytest.mark.parametrize(
    "spelling, expected",
    [
        ("eyeBlinkLeft", "eyeBlinkLeft"),
        ("EyeBlinkLeft", "eyeBlinkLeft"),
        ("EYEBLINKLEFT", "eyeBlinkLeft"),
        ("eyeBlink_L", "eyeBlinkLeft"),
        ("mouthSmile_R", "mouthSmileRight"),
        ("browDown_L", "browDownLeft"),
        ("eyeBlink.L", "eyeBlinkLeft"),
        ("blendShape1.eyeBlinkLeft", "eyeBlinkLeft"),
        ("Face_mouthSmileLeft", "mouthSmileLeft"),
        ("head_jawOpen", "jawOpen"),
        ("Face.M_F00_eyeBlink_L", "eyeBlinkLeft"),
        ("mouthLeft", "mouthLeft"),
        ("jawRight", "jawRight"),
        ("TongueOut", "tongueOut"),
    ],
)
def test_alias_spellings_resolve(spelling, expected):
    assert arkit.canonical(spelling) == expected


@pytest.mark.parametrize("name", ["viseme_aa", "Fcl_EYE_Close", "smile", "jaw", "eyeBlinkLeftx", ""])
def test_other_names_do_not_resolve(name):
    assert arkit.canonical(name) is None


def test_every_canonical_name_round_trips_through_pascal_and_mirror():
    for name in arkit.NAMES:
        assert arkit.canonical(arkit.pascal(name)) == name
        assert arkit.mirror(name) in arkit.NAMES
        assert arkit.mirror(arkit.mirror(name)) == name


def test_match_names_reports_ambiguity_instead_of_guessing():
    m = arkit.match_names(["eyeBlinkLeft", "EyeBlink_L", "jawOpen", "hairSway"])
    assert m.channels == {"jawOpen": [2]}
    assert m.ambiguous == {"eyeBlinkLeft": ["eyeBlinkLeft", "EyeBlink_L"]}
    assert m.unmatched == ["hairSway"]


def test_groups_cover_their_channels():
    assert [arkit.NAMES[i] for i in arkit.BLINK] == ["eyeBlinkLeft", "eyeBlinkRight"]
    assert len(arkit.LOOK) == 8
    assert "tongueOut" in [arkit.NAMES[i] for i in arkit.MOUTH]
    assert "cheekPuff" not in [arkit.NAMES[i] for i in arkit.MOUTH]

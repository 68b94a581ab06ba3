"""The script format: what it means, and an error with a line number for every mistake."""

from pathlib import Path

import pytest
from PIL import Image

from engine.script.parse import GAPS, ScriptError, load, parse

EXAMPLES = Path(__file__).resolve().parents[1] / "scripts" / "examples"


def problems(text: str, tmp_path=None) -> list[tuple[int, str]]:
    with pytest.raises(ScriptError) as info:
        parse(text, (tmp_path or Path(".")) / "s.md")
    return info.value.problems


def one_problem(text: str) -> tuple[int, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("name", ["riverton.md", "riverton-bilingual.md"])
def test_shipped_examples_parse(name):
    script = load(EXAMPLES / name)
    assert script.settings.title and script.settings.name
    assert len(script.utterances) >= 5
    assert {c.kind for c in script.cues} == {"expression", "look"}


def test_bilingual_example_speaks_both_languages_sentence_by_sentence():
    script = load(EXAMPLES / "riverton-bilingual.md")
    langs = [u.lang for u in script.utterances]
    assert "en" in langs and "zh" in langs
    for u in script.utterances:
        has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in u.text)
        assert (u.lang == "zh") == has_cjk, u


def test_sentences_utterances_and_gaps():
    script = parse("First one. Second one!\nStill the second paragraph?\n\nNew paragraph.")
    texts = [u.text for u in script.utterances]
    assert texts == ["First one.", "Second one!", "Still the second paragraph?", "New paragraph."]
    assert [u.sentence for u in script.utterances] == [0, 1, 2, 3]
    assert [u.line for u in script.utterances] == [1, 1, 2, 4]
    assert script.utterances[0].gap_after == pytest.approx(GAPS["sentence"])
    assert script.utterances[2].gap_after == pytest.approx(GAPS["paragraph"])


def test_pause_cues_lengthen_the_gap_where_they_stand_and_split_a_sentence():
    script = parse("[pause 1s] Hello there [pause 750ms] my friend. [pause 2.5s] Bye.")
    assert script.lead == pytest.approx(1.0)
    a, b, c = script.utterances
    assert (a.text, b.text, c.text) == ("Hello there", "my friend.", "Bye.")
    assert a.sentence == b.sentence != c.sentence
    assert a.gap_after == pytest.approx(GAPS["clause"] + 0.75)
    assert b.gap_after == pytest.approx(GAPS["sentence"] + 2.5)


def test_expression_and_look_cues_last_the_next_sentence():
    script = parse("Plain start. [smile 0.6] Happy part, still happy. Plain again.\n\n[look left] 大家好。")
    smile, look = script.cues
    assert (smile.kind, smile.value, smile.intensity, smile.sentence) == ("expression", "smile", 0.6, 1)
    assert script.utterances[1].text == "Happy part, still happy."
    assert (look.kind, look.value, look.sentence, look.line) == ("look", "left", 3, 3)
    assert script.utterances[-1].lang == "zh"


def test_emphasis_spans_point_at_the_word():
    u = parse("We had *thousands* of **happy** visitors.").utterances[0]
    assert u.text == "We had thousands of happy visitors."
    assert [u.text[a:b] for a, b in u.emphasis] == ["thousands", "happy"]


def test_headings_and_comments_are_not_spoken():
    script = parse("# Title\n<!-- a note\nover lines -->\nSpoken. <!-- inline --> Also spoken.")
    assert [u.text for u in script.utterances] == ["Spoken.", "Also spoken."]


def test_paragraph_language_and_voice_cues():
    script = parse("[zh] 你好。\n\n[en] [voice flite:rms] Hello.\n\nHi.")
    assert [(u.lang, u.voice) for u in script.utterances] == [("zh", None), ("en", "flite:rms"), ("en", None)]


def test_long_sentences_are_split_at_commas_into_subtitle_sized_pieces():
    text = ("On summer evenings the boardwalk fills with music, food stalls, street performers, "
            "and thousands of visitors from all over the region.")
    pieces = parse(text).utterances
    assert len(pieces) >= 2 and all(len(p.text) <= 90 for p in pieces)
    assert " ".join(p.text for p in pieces) == text
    assert {p.sentence for p in pieces} == {0}
    assert pieces[0].gap_after == pytest.approx(GAPS["clause"])


def test_front_matter_settings(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (4, 4)).save(logo)
    script = parse('+++\ntitle = "T"\nsize = "1280x720"\nfps = 25\nlogo = "logo.png"\nlogo_corner = "top-left"\n'
                   'background = ["#000000", "#ffffff"]\naccent = "#102030"\nseed = 4\nrate = 1.2\n'
                   '[voices]\nen = "flite:awb"\n+++\nHi.', tmp_path / "s.md")
    s = script.settings
    assert (s.title, s.size, s.fps, s.logo, s.logo_corner) == ("T", (1280, 720), 25.0, logo, "top-left")
    assert s.background == ("#000000", "#ffffff") and s.accent == (16, 32, 48)
    assert (s.seed, s.rate, s.voices["en"]) == (4, 1.2, "flite:awb")


@pytest.mark.parametrize("setting, fragment", [
    ('title = 3', "title: expected a string"),
    ('sizee = "1x1"', "did you mean 'size'"),
    ('size = "1281x720"', "even sides"),
    ('size = "big"', "WIDTHxHEIGHT"),
    ('fps = 0', "fps: expected a number"),
    ('rate = 5', "rate: expected a number"),
    ('language = "fr"', "language: expected one of en, zh"),
    ('framing = "feet"', "framing: expected one of"),
    ('background = 7', "background: expected"),
    ('background = ["#000000", "blue"]', "expected #RRGGBB"),
    ('logo = "missing.png"', "no such file"),
    ('logo_corner = "middle"', "logo_corner: expected one of"),
    ('accent = "red"', "accent: expected #RRGGBB"),
    ('subtitles = "yes"', "subtitles: expected true or false"),
    ('seed = -1', "seed: expected a whole number"),
    ('voice = "piper:nobody"', "no variant 'nobody'"),
    ('avatar = "nowhere.glb"', "no such file"),
])
def test_every_bad_setting_is_reported_on_its_line(setting, fragment):
    line, message = one_problem(f'+++\nname = "ok"\n{setting}\n+++\nHello.')
    assert line == 3 and fragment in message, message


@pytest.mark.parametrize("body, fragment", [
    ("[smiel] Hi.", "unknown cue [smiel] (did you mean 'smile'?)"),
    ("[] Hi.", "an empty cue"),
    ("[pause abc] Hi.", "a pause takes a duration"),
    ("[pause 0s] Hi.", "a pause takes a duration"),
    ("[pause 11s] Hi.", "a pause takes a duration"),
    ("[pause 1 2] Hi.", "expected [pause] or [pause SECONDS]"),
    ("[look sideways] Hi.", "expected [look left|right|up|down|camera]"),
    ("[smile 1.5] Hi.", "intensity in (0, 1]"),
    ("[smile lots] Hi.", "intensity in (0, 1]"),
    ("[voice] Hi.", "expected [voice NAME]"),
    ("[voice nobody] Hi.", "unknown engine 'nobody'"),
    ("[voice piper] 你好。", "does not speak 'zh'"),
    ("Hi [there.", "never closed with ]"),
    ("Hi ] there.", "a ] without its ["),
    ("Hi *there.", "never closed with *"),
    ("Hi. [smile]", "has no sentence after it"),
    ("Hi. <!-- never closed", "comment is never closed"),
])
def test_every_bad_cue_is_reported_on_its_line(body, fragment):
    line, message = one_problem(f"First line.\n\n{body}")
    assert line == 3 and fragment in message, message


def test_all_problems_come_at_once_in_line_order():
    found = problems('+++\nfps = "x"\n+++\n[smiel] Hi.\n\n[look away] Bye [pause -1].')
    assert [line for line, _ in found] == [2, 4, 6, 6]


@pytest.mark.parametrize("text, line, fragment", [
    ("---\ntitle: x\n---\nHi.", 1, "TOML between +++ lines"),
    ("+++\ntitle = 'x'\nHi.", 1, "never closed"),
    ("+++\ntitle = 'x'\nfps = = 3\n+++\nHi.", 3, "front matter"),
    ("+++\ntitle = 'x'\n+++\n# Only a heading\n", 4, "nothing to say"),
    ("Hi.\n\n...!", 3, "has nothing to say"),
])
def test_structural_errors(text, line, fragment):
    found = problems(text)
    assert any(l == line and fragment in m for l, m in found), found


def test_an_unreadable_file_is_a_script_error(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe\x00broken")
    with pytest.raises(ScriptError, match="cannot read"):
        load(bad)
    with pytest.raises(ScriptError, match="cannot read"):
        load(tmp_path / "missing.md")


def test_escaped_brackets_and_stars_are_spoken_as_text():
    assert parse(r"Press \[enter\] and \*wait\*.").utterances[0].text == "Press [enter] and *wait*."

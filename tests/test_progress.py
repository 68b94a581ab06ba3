"""Progress of long jobs: a bar in a terminal, plain dated lines in a log, readable times left."""

import io

import engine.progress as progress
from engine.progress import Progress, _clock


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_gets_plain_lines_without_carriage_returns(monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    log = io.StringIO()
    bar = Progress(4, "render demo.mp4", stream=log)
    for _ in range(4):
        bar.update()
    bar.close()
    bar.close()  # a second close writes nothing more
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == 4 and lines[-1].startswith("render demo.mp4: 4/4 frames (100%)")


def test_a_terminal_gets_a_live_bar_whose_line_is_ended_before_anything_else():
    screen = Terminal()
    bar = Progress(10, "render", stream=screen)
    bar.update(3)
    bar.total = 20
    bar.close()
    assert "\r" in screen.getvalue() and screen.getvalue().endswith("\n")
    assert "3/20" in screen.getvalue()


def test_times_left_read_as_people_write_them():
    assert [_clock(s) for s in (7, 185, 10208208)] == ["7 s", "3:05", "2835:36:48"]

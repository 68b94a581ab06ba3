"""Every command given a bad value for an option answers with one clear error and exit 2,
never a traceback, and leaves nothing behind (no folder made, no half-written file)."""

import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    ["render", "-o", "x.gif"],
    ["render", "-o", "{tmp}/no_such_dir/x.png"],
    ["render", "-o", "{tmp}/x.png", "--msaa", "3"],
    ["render", "-o", "{tmp}/x.png", "--msaa", "0"],
    ["render", "-o", "{tmp}/x.png", "--size", "0x0"],
    ["render", "-o", "{tmp}/x.png", "--size", "99999x99999"],
    ["render", "-o", "{tmp}/x.png", "--background", "#12345"],
    ["render", "-o", "{tmp}/x.png", "--set", "jawOpen=2"],
    ["render", "-o", "{tmp}/x.png", "--set", "notAShape=1"],
    ["render", "-o", "{tmp}/x.png", "--head", "1,2"],
    ["render", "-o", "{tmp}/x.png", "--fps", "-1"],
    ["render", "-o", "{tmp}/x.png", "--source", "nosuch:"],
    ["render", "-o", "{tmp}/x.png", "--source", "idle:?seed=x"],
    ["render", "-o", "{tmp}/x.mp4", "--audio", "{tmp}/missing.wav"],
    ["render", "-o", "{tmp}/x.png", "--curves", "{tmp}/missing.csv"],
    ["render", "-o", "{tmp}/x.png", "--mapping", "{tmp}/missing.json"],
    ["render", "{tmp}/missing.glb", "-o", "{tmp}/x.png"],
    ["render", "--curves-out", "/proc/x.csv", "--set", "jawOpen=1"],
    ["inspect", "{tmp}/missing.glb"],
    ["live", "--sink", "csv:/proc/l.csv", "--duration", "0.2"],
    ["live", "--sink", "nosuch:", "--duration", "0.2"],
    ["live", "--sink", "livelink://127.0.0.1:99999", "--duration", "0.2"],
    ["live", "--source", "vmc://127.0.0.1:x", "--sink", "csv:{tmp}/t.csv", "--duration", "0.2"],
    ["live", "--config", "{tmp}/missing.toml", "--sink", "csv:{tmp}/t.csv"],
    ["live", "--fps", "0", "--sink", "csv:{tmp}/t.csv", "--duration", "0.2"],
    ["speak", "{tmp}/missing.md"],  # a script that fails exits 1, the batch's own status
    ["speak", "{script}", "-o", "/proc/x.mp4"],
    ["speak", "{script}", "-o", "{tmp}/no_such_dir/x.mp4"],
    ["speak", "{script}", "--msaa", "3"],
    ["view", "{tmp}/missing.glb"],
    ["bench", "nosuch"],
]


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "s.md"
    path.write_text('+++\nvoice = "espeak"\n+++\n\nHello.\n')
    return path


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c) for c in CASES])
def test_a_bad_value_is_one_clear_error(tmp_path, script, capsys, argv):
    argv = [a.format(tmp=tmp_path, script=script) for a in argv]
    before = set(Path("/").iterdir())
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusal
        code = exc.code
    err = capsys.readouterr().err
    assert code == (1 if argv[0] == "speak" and argv[1].endswith("missing.md") else 2), err
    assert err.startswith("error:") and "Traceback" not in err, err
    assert set(Path("/").iterdir()) == before
    assert not (tmp_path / "no_such_dir").exists()
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*"))


def test_a_failing_sink_in_a_subprocess_shows_no_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "run.py", "live", "--sink", "csv:/proc/l.csv", "--duration", "0.2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr

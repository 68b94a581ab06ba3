"""`run.py speak --ray` on a real Ray cluster that this module starts on 127.0.0.1 with 2 CPUs
(and stops at the end): a batch of three scripts with a bad one among them, a script cut into
pieces on different workers that decodes to the one-machine render's frames, and a worker
process killed while drawing a piece, the batch still completing with the same frames."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.renderer.video import ffmpeg_exe

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 160, 96
FRONT = f'+++\ntitle = "Riverton"\ntitle_seconds = 0.5\nname = "Mia"\nvoice = "espeak"\nsize = "{WIDTH}x{HEIGHT}"\n'
#: Four sentences: pieces of at least 0.1 s are cut at each of the three sentence cuts.
LONG = FRONT + "seed = 5\n+++\n\n[smile] Hello there. This is the second one. [look left] And a third. The last one now.\n"


BAD = FRONT + "+++\n\nHello.\n\n[smiel] There.\n"


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, _node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def speak(*args, address: str | None = None, background: bool = False):
    cmd = [sys.executable, "run.py", "speak", *map(str, args), "--msaa", "1"]
    if address:
        cmd += ["--ray", address]
    if background:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def frames(video: Path) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, HEIGHT, WIDTH, 3)


@pytest.fixture(scope="module")
def batch(cluster, tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    names = []
    for k, line in enumerate(["Good morning, Riverton.", "The bay is calm today.", "See you at the fair."]):
        (folder / f"s{k}.md").write_text(FRONT + f"seed = {k}\n+++\n\n{line}\n", encoding="utf-8")
        names.append(folder / f"s{k}.md")
    (folder / "bad.md").write_text(BAD, encoding="utf-8")
    done = speak(names[0], folder / "bad.md", *names[1:], "--out-dir", folder / "out", address=cluster)
    return done, folder


@pytest.fixture(scope="module")
def long_script(tmp_path_factory):
    """The four-sentence script and its one-machine render."""
    folder = tmp_path_factory.mktemp("long")
    script = folder / "long.md"
    script.write_text(LONG, encoding="utf-8")
    done = speak(script, "--out-dir", folder / "local")
    assert done.returncode == 0, done.stderr
    return script, frames(folder / "local" / "long.mp4")


def test_three_scripts_in_a_batch_each_make_their_video(batch):
    done, folder = batch
    videos = [frames(folder / "out" / f"s{k}.mp4") for k in range(3)]
    for k, video in enumerate(videos):
        assert (folder / "out" / f"s{k}.srt").is_file()
        assert len(video) > 30, f"s{k}.mp4 holds {len(video)} frames"
        assert video.std() > 10, f"s{k}.mp4 is blank"
    # Three scripts, three videos (the subtitles differ), not one written thrice.
    assert not np.array_equal(videos[0][-10:], videos[1][-10:])
    assert done.stdout.count(".mp4  (") == 3


def test_a_bad_script_is_reported_as_file_and_line_and_the_batch_goes_on(batch):
    done, folder = batch
    assert done.returncode == 1
    line = BAD.splitlines().index("[smiel] There.") + 1
    assert f"{folder / 'bad.md'}:{line}: unknown cue [smiel]" in done.stderr
    assert not (folder / "out" / "bad.mp4").exists()
    assert "1 of 4 script(s) failed" in done.stderr


def test_a_script_cut_into_pieces_decodes_to_the_one_machine_frames(cluster, long_script, tmp_path):
    script, local = long_script
    done = speak(script, "--out-dir", tmp_path, "--ray-piece", "0.1", address=cluster)
    assert done.returncode == 0, done.stderr
    pieces = int(done.stdout.split(" pieces")[0].rsplit(" ", 1)[1])
    assert pieces >= 3, done.stdout
    joined = frames(tmp_path / "long.mp4")
    assert joined.shape == local.shape
    differing = [k for k in range(len(local)) if not np.array_equal(joined[k], local[k])]
    assert not differing, f"frames {differing[:10]} differ from the one-machine render"
    assert (tmp_path / "long.srt").read_text() == (script.parent / "local" / "long.srt").read_text()


def _drawing_worker() -> int | None:
    """The pid of a Ray worker process drawing a piece now (Ray titles it ray::Worker.draw)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::Worker.draw"):
                    return int(entry.name)
            except OSError:
                continue
    return None


def test_a_worker_killed_while_drawing_a_piece_and_the_batch_still_completes(cluster, long_script, tmp_path):
    script, local = long_script
    run = speak(script, "--out-dir", tmp_path, "--ray-piece", "0.1", address=cluster, background=True)
    killed, deadline = None, time.monotonic() + 120
    while killed is None and run.poll() is None and time.monotonic() < deadline:
        if (killed := _drawing_worker()) is not None:
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    out, err = run.communicate(timeout=600)
    assert killed is not None, f"no worker was seen drawing: {err}"
    assert run.returncode == 0, err
    assert "a worker died drawing frames" in err
    assert np.array_equal(frames(tmp_path / "long.mp4"), local)

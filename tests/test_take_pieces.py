"""A script's take drawn in pieces cut at its sentence cuts and joined without re-encoding
decodes to the frames of the one-machine render (what `speak --ray` relies on), without a
cluster: quick enough for every CI run."""

import subprocess

import numpy as np

from engine.offline import open_avatar
from engine.renderer.platform import HeadlessPlatform
from engine.renderer.video import ffmpeg_exe
from engine.rig import MASCOT
from engine.script import video
from engine.script.parse import load
from engine.script.take import Drawer, join, perform, pieces

WIDTH, HEIGHT = 128, 80
SCRIPT = (f'+++\nvoice = "espeak"\nseed = 7\nsize = "{WIDTH}x{HEIGHT}"\nname = "Mia"\n+++\n\n'
          "[smile] One here. [look up] Two now. Three at last.\n")


def frames(path) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, HEIGHT, WIDTH, 3)


def test_pieces_joined_decode_to_the_one_machine_render(tmp_path):
    (tmp_path / "s.md").write_text(SCRIPT, encoding="utf-8")
    video.render(load(tmp_path / "s.md"), tmp_path / "whole.mp4", msaa=1, progress=False)
    _, rig = open_avatar(MASCOT)
    take = perform(load(tmp_path / "s.md"), str(MASCOT), rig)
    runs = pieces(take, 0.01)
    assert len(runs) == 3 and [a for a, _ in runs[1:]] == take.cuts
    platform = HeadlessPlatform()
    drawer = Drawer(rig, platform.ctx, msaa=1)
    files = []
    # Drawn out of order, as workers finish them, on one kept context.
    for start, end in reversed(runs):
        files.insert(0, tmp_path / f"{start}.mp4")
        drawer.draw(take, "s", start, end, files[0], lambda n: None)
    drawer.close()
    platform.close()
    join(take, files, tmp_path / "joined.mp4")
    whole, joined = frames(tmp_path / "whole.mp4"), frames(tmp_path / "joined.mp4")
    assert joined.shape == whole.shape and len(whole) == len(take.frames)
    assert [k for k in range(len(whole)) if not np.array_equal(whole[k], joined[k])] == []


def test_pieces_are_cut_only_at_sentence_cuts_and_are_long_enough(tmp_path):
    (tmp_path / "s.md").write_text(SCRIPT, encoding="utf-8")
    _, rig = open_avatar(MASCOT)
    take = perform(load(tmp_path / "s.md"), str(MASCOT), rig)
    for seconds in (0.01, 1.0, 2.5, 1000.0):
        runs = pieces(take, seconds)
        assert runs[0][0] == 0 and runs[-1][1] == len(take.frames)
        assert all(a == b for (_, a), (b, _) in zip(runs, runs[1:]))
        assert all(start in take.cuts for start, _ in runs[1:])
        assert all(end - start >= seconds * take.fps for start, end in runs[:-1])
    assert pieces(take, 1000.0) == [(0, len(take.frames))]

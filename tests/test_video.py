"""MP4 output and the render command: frame counts, durations, audio in sync, clear errors."""

from __future__ import annotations

import re
import subprocess
import wave

import numpy as np
import pytest
from PIL import Image

from engine.cli import main
from engine.frame import FaceFrame
from engine.protocols.livelink_csv import TakeWriter
from engine.renderer.errors import RendererError
from engine.renderer.video import VideoWriter, ffmpeg_exe
from gltf_fixtures import build_morphs

RATE = 48_000


def _wav(path, seconds: float):
    t = np.arange(round(seconds * RATE)) / RATE
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes())
    return path


def probe(path) -> dict:
    """Frames, fps and the audio's length of an MP4, by decoding it (ffprobe is not shipped)."""
    exe = ffmpeg_exe()
    video = subprocess.run([exe, "-hide_banner", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
                           capture_output=True, text=True).stderr
    info = {
        "frames": int(re.findall(r"frame=\s*(\d+)", video)[-1]),
        "fps": float(re.search(r"([\d.]+) fps", video).group(1)),
        "size": tuple(int(v) for v in re.search(r"yuv420p[^,]*, (\d+)x(\d+)", video).groups()),
        "audio_seconds": None,
    }
    if "Audio:" in video:
        pcm = subprocess.run([exe, "-loglevel", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le",
                              "-ac", "1", "-ar", str(RATE), "pipe:1"], capture_output=True).stdout
        info["audio_seconds"] = len(pcm) / 2 / RATE
    return info


@pytest.fixture(scope="module")
def avatar_file(tmp_path_factory):
    return build_morphs(tmp_path_factory.mktemp("avatar"))


@pytest.mark.parametrize("audio_seconds", [0.8, 0.2])
def test_mp4_has_the_frames_duration_and_audio_asked_for(tmp_path, avatar_file, audio_seconds):
    out = tmp_path / "clip.mp4"
    wav = _wav(tmp_path / "voice.wav", audio_seconds)  # longer: cut; shorter: padded with silence
    code = main(["render", str(avatar_file), "-o", str(out), "--duration", "0.5", "--fps", "24",
                 "--size", "96x64", "--audio", str(wav), "--set", "jaw_open=0.5"])
    assert code == 0
    info = probe(out)
    assert info["frames"] == 12 and info["fps"] == 24 and info["size"] == (96, 64)
    assert abs(info["audio_seconds"] - 12 / 24) < 1 / 24, "audio and video differ by a frame or more"


def test_audio_alone_sets_the_clip_length(tmp_path, avatar_file):
    out = tmp_path / "clip.mp4"
    code = main(["render", str(avatar_file), "-o", str(out), "--fps", "20", "--size", "64x64",
                 "--audio", str(_wav(tmp_path / "a.wav", 0.75))])
    assert code == 0
    info = probe(out)
    assert info["frames"] == 15 and abs(info["audio_seconds"] - 0.75) < 1 / 20


def test_curves_play_at_the_takes_own_rate(tmp_path, avatar_file):
    take = tmp_path / "take.csv"
    with TakeWriter(take, fps=30.0) as w:
        for k in range(9):
            w.write(FaceFrame.from_named(k / 30.0, {"jawOpen": k / 8.0}))
    out = tmp_path / "take.mp4"
    assert main(["render", str(avatar_file), "-o", str(out), "--curves", str(take), "--size", "64x48"]) == 0
    info = probe(out)
    assert info["frames"] == 9 and info["fps"] == 30


def test_png_output(tmp_path, avatar_file):
    out = tmp_path / "still.png"
    assert main(["render", str(avatar_file), "-o", str(out), "--size", "120x90", "--head", "30,0,0",
                 "--background", "#102030", "--framing", "full"]) == 0
    with Image.open(out) as im:
        assert im.size == (120, 90)
        assert im.getpixel((0, 0)) == (16, 32, 48)


@pytest.mark.parametrize("argv,message", [
    (["-o", "x.gif"], "expected a .png, .mp4, .webm, .mov"),
    (["-o", "x.mp4", "--size", "65x48"], "even width and height"),
    (["-o", "x.png", "--audio", "a.wav"], "--audio needs a video output"),
])
def test_bad_requests_exit_2_with_a_message(tmp_path, avatar_file, capsys, argv, message):
    argv = [a if not a.startswith("x.") else str(tmp_path / a) for a in argv]
    assert main(["render", str(avatar_file), *argv]) == 2
    assert message in capsys.readouterr().err


def test_bad_arguments_are_usage_errors(avatar_file):
    for extra in (["--set", "notAShape=1"], ["--set", "jawOpen=2"], ["--head", "1,2"], ["--size", "big"]):
        with pytest.raises(SystemExit) as exc:
            main(["render", str(avatar_file), "-o", "x.png", *extra])
        assert exc.value.code == 2


def test_missing_avatar_exits_2(tmp_path):
    assert main(["render", str(tmp_path / "nope.glb"), "-o", str(tmp_path / "x.png")]) == 2


def test_writer_refuses_odd_sizes_and_short_clips(tmp_path):
    with pytest.raises(RendererError, match="even"):
        VideoWriter(tmp_path / "a.mp4", (33, 32), 30)
    writer = VideoWriter(tmp_path / "b.mp4", (32, 32), 30, frames=3)
    writer.write(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(RendererError, match="1 frames written, 3 announced"):
        writer.close()

"""`run.py speak` end to end on the mascot: a batch that goes on past a bad script, an MP4 whose
speech is in sync with its subtitles, an .srt beside it, Chinese subtitles with real glyphs."""

import re
import subprocess

import numpy as np
import pytest

from engine.cli import main
from engine.renderer.video import ffmpeg_exe
from engine.script.parse import load
from engine.script.soundtrack import build
from engine.script.video import speech_start
from test_video import probe

SIZE = (640, 360)
SCRIPT = ('+++\ntitle = "Riverton"\ntitle_seconds = 1.0\nname = "Mia"\nrole = "City guide"\n'
          'voice = "espeak"\nseed = 2\n+++\n\n[smile] Welcome to Riverton!\n\n[look right] 欢迎来到河湾市。\n')


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speak")
    good = folder / "good.md"
    good.write_text(SCRIPT, encoding="utf-8")
    plain = folder / "plain.md"  # the same video without subtitles: what the glyphs cover
    plain.write_text(SCRIPT.replace("seed = 2\n", "seed = 2\nsubtitles = false\n"), encoding="utf-8")
    bad = folder / "bad.md"
    bad.write_text("Hello [smiel] there.\n", encoding="utf-8")
    out = folder / "out"
    code = main(["speak", str(bad), str(good), str(plain), "--out-dir", str(out), "--size", f"{SIZE[0]}x{SIZE[1]}",
                 "--msaa", "1"])
    return code, good, out


def frame_at(video, t: float) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(SIZE[1], SIZE[0], 3)


def srt_cues(path) -> list[tuple[float, float, str]]:
    def seconds(stamp):
        h, m, s = stamp.replace(",", ".").split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    cues = []
    for block in blocks:
        lines = block.splitlines()
        start, end = re.fullmatch(r"(\S+) --> (\S+)", lines[1]).groups()
        cues.append((seconds(start), seconds(end), "".join(lines[2:])))
    return cues


def test_the_batch_goes_on_past_a_bad_script_and_reports_it(batch, capsys):
    code, _, out = batch
    assert code == 1
    assert (out / "good.mp4").is_file() and not (out / "bad.mp4").exists()


def test_the_video_has_the_length_of_the_speech_and_its_audio(batch):
    _, good, out = batch
    info = probe(out / "good.mp4")
    track = build(load(good), speech_start(load(good)))
    assert info["size"] == SIZE
    assert info["frames"] == round(track.duration * 30)
    assert info["audio_seconds"] == pytest.approx(info["frames"] / 30, abs=1 / 30)


def test_speech_in_the_mp4_starts_with_its_subtitle(batch):
    _, _, out = batch
    rate = 16000
    pcm = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(out / "good.mp4"), "-map", "0:a:0", "-f", "s16le",
                          "-ac", "1", "-ar", str(rate), "pipe:1"], capture_output=True).stdout
    audio = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768
    hop = rate // 100
    level = np.sqrt(np.mean(audio[: len(audio) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    loud = level > level.max() * 0.03
    cues = srt_cues(out / "good.srt")
    assert [c[2] for c in cues] == ["Welcome to Riverton!", "欢迎来到河湾市。"]
    for start, _, text in cues:
        onset = int(start * 100) + int(np.flatnonzero(loud[int(start * 100):])[0])
        assert abs(onset / 100 - start) <= 0.1, text
    first = int(np.flatnonzero(loud)[0])
    assert abs(first / 100 - cues[0][0]) <= 1 / 30 + 0.01  # nothing heard before the first subtitle


def test_a_chinese_subtitle_puts_ink_in_the_subtitle_area(batch):
    """Ink is where the subtitled frame differs from the same frame without subtitles, in the
    band subtitles sit in: the avatar's bright collar and hands passing there are not ink.
    (That the ink is real glyphs, not tofu boxes, tests/test_overlay.py checks.)"""
    _, _, out = batch
    (en_start, en_end, _), (zh_start, zh_end, _) = srt_cues(out / "good.srt")

    def ink(t):
        band = slice(int(SIZE[1] * 0.78), None), slice(SIZE[0] // 4, 3 * SIZE[0] // 4)
        shown, plain = (frame_at(out / name, t)[band].astype(np.int16) for name in ("good.mp4", "plain.mp4"))
        return np.abs(shown - plain).max(axis=2) > 80

    chinese, english, after = ink((zh_start + zh_end) / 2), ink((en_start + en_end) / 2), ink(zh_end + 0.5)
    assert chinese.sum() > 150 and english.sum() > 150
    assert (chinese ^ english).sum() > 0.3 * chinese.sum()
    assert after.sum() < 0.02 * chinese.sum(), "gone once its cue ends"


def test_the_title_card_covers_the_start_and_the_avatar_follows(batch):
    _, _, out = batch
    card, avatar = frame_at(out / "good.mp4", 0.3), frame_at(out / "good.mp4", 1.9)
    # the card is a calm full-frame graphic; the avatar frame has a face in the middle
    assert np.abs(card.astype(int) - avatar.astype(int)).mean() > 10


def test_the_same_script_gives_the_same_video(batch, tmp_path):
    _, good, out = batch
    again = tmp_path / "again.mp4"
    assert main(["speak", str(good), "-o", str(again), "--size", f"{SIZE[0]}x{SIZE[1]}", "--msaa", "1"]) == 0
    assert again.read_bytes() == (out / "good.mp4").read_bytes()
    assert again.with_suffix(".srt").read_text(encoding="utf-8") == (out / "good.srt").read_text(encoding="utf-8")


def test_a_broken_avatar_is_reported_not_raised(batch, tmp_path, capsys):
    _, good, _ = batch
    broken = tmp_path / "broken.glb"
    broken.write_bytes(b"glTF\x02\x00\x00\x00garbage")
    assert main(["speak", str(good), "--avatar", str(broken), "-o", str(tmp_path / "x.mp4")]) == 1
    err = capsys.readouterr().err
    assert "broken.glb" in err and "1 of 1 script(s) failed" in err
    assert not (tmp_path / "x.mp4").exists()

"""`audio:FILE` as a pipeline source, and what it does with bad or unusual input."""

import subprocess

import numpy as np
import pytest
from imageio_ffmpeg import get_ffmpeg_exe
from scipy.io import wavfile

from engine import arkit
from engine.drivers.audio.audio_file import read_audio
from engine.drivers.audio.visemes import aperture
from engine.pipeline import open_source

RATE = 16000


def _voiced(seconds=1.0, rate=RATE):
    t = np.arange(int(rate * seconds)) / rate
    return (0.3 * np.sign(np.sin(2 * np.pi * 130 * t)) * (np.sin(2 * np.pi * 2.5 * t) > 0)).astype(np.float32)


def _wav(tmp_path, data, rate=RATE, name="x.wav"):
    path = tmp_path / name
    wavfile.write(path, rate, data)
    return str(path)


def test_source_registers_and_owns_the_mouth(tmp_path):
    src = open_source(f"audio:{_wav(tmp_path, (_voiced(1.5) * 32767).astype(np.int16))}")
    assert src.duration == pytest.approx(1.5)
    assert src.rule.priority == 30 and not src.rule.head
    assert src.rule.channels[arkit.INDEX["jawOpen"]] and not src.rule.channels[arkit.INDEX["eyeBlinkLeft"]]
    frame = src.frame_at(0.5)
    assert frame.t == 0.5 and frame.mask[arkit.INDEX["jawOpen"]] and not frame.mask[arkit.INDEX["browInnerUp"]]
    assert src.frame_at(1.5) is None and src.frame_at(-0.1) is None
    assert max(aperture(src.frame_at(t / 60).weights) for t in range(90)) > 0.15


def test_unknown_option_and_missing_name_are_refused():
    with pytest.raises(ValueError, match="name a file"):
        open_source("audio:")
    with pytest.raises(ValueError, match="unknown option"):
        open_source("audio:x.wav?speed=2")


@pytest.mark.parametrize("make", ["silence", "dc", "clipped"])
def test_degenerate_signals_give_a_face_at_rest_or_sensible_motion(tmp_path, make):
    x = {"silence": np.zeros(RATE, np.float32),
         "dc": np.full(RATE, 0.5, np.float32),
         "clipped": np.clip(_voiced() * 20, -1, 1)}[make]
    src = open_source(f"audio:{_wav(tmp_path, x)}")
    ap = np.array([aperture(src.frame_at(k / 60).weights) for k in range(60)])
    if make == "clipped":
        assert ap.max() > 0.15
    else:
        assert ap.max() <= 0.1


@pytest.mark.parametrize("rate,channels", [(8000, 1), (48000, 1), (44100, 2), (22050, 2)])
def test_any_rate_mono_or_stereo(tmp_path, rate, channels):
    x = _voiced(1.0, rate)
    data = np.stack([x, x * 0.5], axis=1) if channels == 2 else x
    y = read_audio(_wav(tmp_path, (data * 32767).astype(np.int16), rate))
    assert len(y) == pytest.approx(RATE, abs=2)
    assert np.abs(y).max() > 0.1


def test_compressed_formats_through_ffmpeg(tmp_path):
    wav = _wav(tmp_path, (_voiced(1.0) * 32767).astype(np.int16))
    for ext in ("flac", "ogg", "mp3"):
        out = tmp_path / f"x.{ext}"
        subprocess.run([get_ffmpeg_exe(), "-v", "error", "-i", wav, str(out)], check=True)
        assert len(read_audio(out)) == pytest.approx(RATE, rel=0.05)


def test_nan_or_inf_samples_are_a_clear_error(tmp_path):
    x = _voiced(0.2)
    x[50] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        open_source(f"audio:{_wav(tmp_path, x)}")


def test_empty_missing_and_fake_files_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        read_audio(empty)
    with pytest.raises(ValueError, match="no such file"):
        read_audio(tmp_path / "nope.wav")
    fake = tmp_path / "fake.wav"
    fake.write_text("this is not audio at all\n" * 10)
    with pytest.raises(ValueError, match="fake.wav.*not an audio file"):
        read_audio(fake)
    no_samples = _wav(tmp_path, np.zeros(0, np.int16), name="none.wav")
    with pytest.raises(ValueError, match="no samples"):
        read_audio(no_samples)


def test_tts_source_speaks_english_and_chinese():
    pytest.importorskip("pypinyin")
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    for uri in ("tts:Bob ate a big apple", "tts:妈妈买了一把雨伞?lang=zh"):
        src = open_source(uri)
        assert 1.0 < src.duration < 5.0
        ap = np.array([aperture(src.frame_at(k / 60).weights) for k in range(int(src.duration * 60))])
        assert ap.max() > 0.15 and ap.min() <= 0.1
    with pytest.raises(ValueError, match="lang"):
        open_source("tts:hello?lang=xx")

"""`audio:FILE` as a pipeline source, and what it does with bad or unusual input."""

import subprocess
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest
from imageio_ffmpeg import get_ffmpeg_exe
from scipy.io import wavfile

from engine import arkit
from engine.speech.audio_file import Resampler, audio_blocks, read_audio, resample_to_16k
from engine.speech.runtime import load
from engine.drivers.audio.source import CHANNELS, AudioSource
from engine.speech.stream import infer
from engine.speech.visemes import aperture
from engine.registry import open_source

RATE = 16000


def _voiced(seconds=1.0, rate=RATE):
    t = np.arange(int(rate * seconds)) / rate
    return (0.3 * np.sign(np.sin(2 * np.pi * 130 * t)) * (np.sin(2 * np.pi * 2.5 * t) > 0)).astype(np.float32)


def _speech(seconds: float) -> np.ndarray:
    """Real (synthetic) speech, `seconds` long: espeak-ng saying a sentence full of open vowels."""
    from engine.speech.audio_file import resample_to_16k
    from engine.voices.tts import synthesize

    x = resample_to_16k(*synthesize("Bob and Tom ate a big apple, and papa laughed.", "en", "espeak"))
    return np.resize(x, int(RATE * seconds)).astype(np.float32)


def _wav(tmp_path, data, rate=RATE, name="x.wav"):
    path = tmp_path / name
    wavfile.write(path, rate, data)
    return str(path)


def test_source_registers_and_owns_the_mouth_and_brow_raises(tmp_path):
    path = _wav(tmp_path, (_speech(1.5) * 32767).astype(np.int16))
    src = open_source(f"audio:{path}")
    assert src.duration == pytest.approx(1.5)
    assert src.rule.priority == 30 and not src.rule.head
    i = arkit.INDEX
    assert src.rule.channels[[i["jawOpen"], i["browInnerUp"]]].all() and not src.rule.channels[i["eyeBlinkLeft"]]
    frame = src.frame_at(0.5)
    assert frame.t == 0.5 and frame.mask[[i["jawOpen"], i["browInnerUp"], i["browOuterUpLeft"]]].all()
    assert not frame.mask[i["browDownLeft"]] and not frame.mask[i["eyeBlinkLeft"]]
    assert not open_source(f"audio:{path}?channels=mouth").rule.channels[i["browInnerUp"]]
    assert src.frame_at(1.5) is None and src.frame_at(-0.1) is None
    assert max(aperture(src.frame_at(t / 60).weights) for t in range(90)) > 0.15


def test_unknown_option_and_missing_name_are_refused():
    with pytest.raises(ValueError, match="name a file"):
        open_source("audio:")
    with pytest.raises(ValueError, match="unknown option"):
        open_source("audio:x.wav?speed=2")
    for bad in ("5", "0", "-140"):
        with pytest.raises(ValueError, match=rf"audio:x.wav: voice_floor must be dBFS .* got {float(bad)}"):
            open_source(f"audio:x.wav?voice_floor={bad}")


@pytest.mark.parametrize("make", ["silence", "dc", "clipped"])
def test_degenerate_signals_give_a_face_at_rest_or_sensible_motion(tmp_path, make):
    x = {"silence": np.zeros(RATE, np.float32),
         "dc": np.full(RATE, 0.5, np.float32),
         "clipped": np.clip(_speech(1.0) * 20, -1, 1)}[make]
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
    for uri in ("tts:Bob ate a big apple", "tts:Bob ate a big apple?voice=espeak", "tts:妈妈买了一把雨伞?lang=zh"):
        src = open_source(uri)
        assert 1.0 < src.duration < 5.0
        ap = np.array([aperture(src.frame_at(k / 60).weights) for k in range(int(src.duration * 60))])
        assert ap.max() > 0.15 and ap.min() <= 0.1
    with pytest.raises(ValueError, match="lang"):
        open_source("tts:hello?lang=xx")
    with pytest.raises(ValueError, match="does not speak 'zh'"):
        open_source("tts:你好?lang=zh&voice=flite")


def _long_wav(path, seconds, rate=48000):
    """Buzz bursts (voice-like: a 150 Hz square wave) over noise, written a second at a time
    (the test never holds it whole); odd seconds are alike."""
    rng = np.random.default_rng(0)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        for k in range(seconds):
            t = k + np.arange(rate) / rate
            x = 0.2 * np.sign(np.sin(2 * np.pi * 150 * t)) * (np.sin(2 * np.pi * 1.5 * t) > 0) + 0.02 * rng.standard_normal(rate)
            w.writeframes((x * 32767).astype("<i2").tobytes())
    return path


def _peak_while_opening(path, net):
    tracemalloc.start()
    try:
        src = AudioSource.from_file(path, net=net)
        return tracemalloc.get_traced_memory()[1], src
    finally:
        tracemalloc.stop()


def test_a_long_file_is_lip_synced_in_bounded_memory(tmp_path):
    """Ten minutes at 48 kHz: memory holds a block and the float16 curves, never the audio.
    (Decoding the whole file first peaked at 7x its decoded size.)"""
    net = load()
    peak_short, _ = _peak_while_opening(_long_wav(tmp_path / "short.wav", 120), net)
    peak_long, src = _peak_while_opening(_long_wav(tmp_path / "long.wav", 600), net)
    decoded = 600 * RATE * 4  # bytes of float32 at 16 kHz
    assert src.duration == pytest.approx(600.0)
    assert peak_long < 0.5 * decoded
    # What grows with the length is the curves alone: 7 KB a second against 64 KB decoded.
    assert peak_long - peak_short < 0.2 * (decoded - 120 * RATE * 4)
    assert src.curves.nbytes == len(src.curves) * len(CHANNELS) * 2 < 0.11 * decoded  # float16
    start, end = (np.array([aperture(src.frame_at(t + k / 100).weights) for k in range(100)]) for t in (1.0, 599.0))
    assert end.max() > 0.15 and end.min() <= 0.1  # still speaking its bursts at the end,
    assert np.corrcoef(start, end)[0, 1] > 0.9  # as it did at the start


def test_a_file_in_blocks_gives_the_curves_of_the_whole_clip(tmp_path):
    rate = 44100
    x = np.clip(_voiced(3.0, rate) + 0.01 * np.random.default_rng(0).standard_normal(3 * rate), -1, 1)
    path = _wav(tmp_path, (x * 32767).astype(np.int16), rate)
    blocks = list(audio_blocks(path, seconds=0.37))
    assert len(blocks) > 5
    whole = resample_to_16k((x * 32767).astype(np.int16).astype(np.float32) / 32768, rate)
    np.testing.assert_allclose(np.concatenate(blocks), whole, atol=1e-6)
    src, offline = AudioSource(iter(blocks)), infer(whole)
    streamed = np.array([src.frame_at(k / 100).weights for k in range(len(offline))])
    np.testing.assert_allclose(streamed, np.clip(offline, 0, 1), atol=2e-3)  # float16 curves


@pytest.mark.parametrize("low_delay", [False, True])
@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 16000])
def test_resampling_in_blocks_has_no_seams(rate, low_delay):
    x = np.random.default_rng(rate).standard_normal(2 * rate + 137).astype(np.float32)
    resampler, rng, parts, i = Resampler(rate, low_delay), np.random.default_rng(1), [], 0
    while i < len(x):
        n = int(rng.integers(1, 3000))
        parts.append(resampler.push(x[i:i + n]))
        i += n
    parts.append(resampler.flush())
    np.testing.assert_array_equal(np.concatenate(parts), resample_to_16k(x, rate, low_delay))
    with pytest.raises(ValueError, match="sample rate"):
        Resampler(0)


@pytest.mark.parametrize("bits", [8, 24, 32])
def test_wav_sample_widths_read_to_the_same_scale(tmp_path, bits):
    x = _voiced(0.5)
    wav16 = _wav(tmp_path, (x * 32767).astype(np.int16), name="16.wav")
    other = tmp_path / f"{bits}.wav"
    codec = {8: "pcm_u8", 24: "pcm_s24le", 32: "pcm_s32le"}[bits]
    subprocess.run([get_ffmpeg_exe(), "-v", "error", "-i", wav16, "-c:a", codec, str(other)], check=True)
    np.testing.assert_allclose(read_audio(other), read_audio(wav16), atol=1.5 / 2 ** (min(bits, 16) - 1))


def test_nan_is_counted_over_the_whole_file_and_never_reaches_the_net(tmp_path):
    x = _voiced(25.0)
    x[[5, 200_000, 390_000]] = [np.nan, np.inf, -np.inf]  # in the first, second and third block
    path = _wav(tmp_path, x, name="holes.wav")
    with pytest.raises(ValueError, match=r"holes.wav: 3 samples are NaN or inf"):
        AudioSource.from_file(path)
    given = []
    with pytest.raises(ValueError, match="3 samples"):
        given.extend(audio_blocks(path))
    assert given == []  # the first block held a NaN: nothing after it is passed on


def test_render_gives_speech_the_brows_unless_a_tracked_face_has_them(tmp_path):
    import argparse

    from engine.commands.render import add_arguments, render_sources

    render = argparse.ArgumentParser()
    add_arguments(render)
    wav = _wav(tmp_path, (_voiced(1.0) * 32767).astype(np.int16))
    brow = arkit.INDEX["browInnerUp"]
    alone, _ = render_sources(render.parse_args(["--audio", wav]))
    assert alone[-1].rule.channels[brow]
    face = str(Path(__file__).parent / "data" / "faces" / "single_face.mp4")
    tracked, _ = render_sources(render.parse_args(["--audio", wav, "--video", face]))
    assert not tracked[-1].rule.channels[brow] and tracked[-1].rule.channels[arkit.INDEX["jawOpen"]]
    for source in tracked:
        source.stop()


def test_render_voice_floor_rests_through_a_quieter_voice_before_the_speaker(tmp_path, capsys):
    import argparse

    from engine.commands.render import add_arguments, render_sources, run
    from engine.speech_training.channel import at_level

    render = argparse.ArgumentParser()
    add_arguments(render)
    behind, speaker = at_level(_speech(1.0), -50), at_level(_speech(1.5), -20)
    wav = _wav(tmp_path, (np.concatenate([behind, speaker]) * 32767).astype(np.int16))

    def apertures(*extra):
        speech = render_sources(render.parse_args(["--audio", wav, *extra]))[0][-1]
        return aperture(np.stack([speech.frame_at(k / 100).weights for k in range(250)]))

    assert apertures()[:90].max() > 0.15  # the voice behind is lip-synced by default
    floored = apertures("--voice-floor", "-38")
    assert floored[:90].max() <= 0.1 and floored[110:].max() > 0.3
    assert run(render.parse_args(["--text", "hi", "--voice-floor", "-38"])) == 2
    assert "--voice-floor" in capsys.readouterr().err


@pytest.mark.parametrize("low_delay", [False, True])
def test_resampling_keeps_the_voice_band_and_rejects_what_would_alias_into_it(low_delay):
    t = np.arange(48000) / 48000
    for freq, kept in ((1000, True), (7000, True), (12000, False), (20000, False)):  # 12 kHz would alias to 4 kHz
        y = resample_to_16k(np.sin(2 * np.pi * freq * t).astype(np.float32), 48000, low_delay)[2000:-2000]
        gain = np.sqrt(2 * np.mean(y.astype(np.float64) ** 2))
        assert gain > 0.97 if kept else gain < 1e-4, (freq, gain)

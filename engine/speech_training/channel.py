"""What real recordings do to speech, made in code: the noises of rooms, lines and mains
(pink and brown noise, hum with its harmonics, telephone line hiss and crackle, clicks,
breaths, babble) and the channels (G.711 mu-law, GSM, AMR-NB and low-bitrate Opus through
ffmpeg, a room's reverberation, low levels, clipping).

The eval degrades held-out real recordings with these, and the gate's tests surround speech
with them. Every function takes and returns 16 kHz mono float32 and draws from the seeded
generator it is given, so a degraded clip is the same every run.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

import numpy as np
import scipy.fft
from scipy.signal import butter, fftconvolve, lfilter, sosfilt

from ..speech.features import SAMPLE_RATE

_LINE_BAND = butter(4, [300, 3400], btype="bandpass", fs=SAMPLE_RATE, output="sos")
_BREATH_BAND = butter(2, [500, 3500], btype="bandpass", fs=SAMPLE_RATE, output="sos")
# codec -> (ffmpeg encoder, its options, container), each at the telephone's 8 kHz but Opus
CODECS = {
    "mulaw": ("pcm_mulaw", ["-ar", "8000"], "wav"),
    "gsm": ("libgsm", ["-ar", "8000"], "gsm"),
    "amr": ("libopencore_amrnb", ["-ar", "8000", "-b:a", "12.2k"], "amr"),
    "opus": ("libopus", ["-b:a", "8k", "-application", "voip"], "ogg"),
}


def rms_db(x: np.ndarray) -> float:
    """Level in dB of full scale (a full-scale square wave is 0 dB)."""
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def at_level(x: np.ndarray, db: float) -> np.ndarray:
    """`x` scaled to an RMS of `db` dBFS."""
    return (x * 10 ** ((db - rms_db(x)) / 20)).astype(np.float32)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f) noise from 20 Hz up, unit RMS: the hiss of a room or a fan (equal power in
    every octave; flat below 20 Hz, so no inaudible rumble takes the level). Shaped over a
    length the FFT is fast at, then cut to `n`."""
    m = scipy.fft.next_fast_len(n, real=True)
    spectrum = np.fft.rfft(rng.standard_normal(m))
    f = np.maximum(np.fft.rfftfreq(m, 1.0 / SAMPLE_RATE), 20.0)
    return at_level(np.fft.irfft(spectrum / np.sqrt(f), m)[:n], 0.0)


def brown(n: int, rng: np.random.Generator) -> np.ndarray:
    """Brown (1/f^2) noise, unit RMS: traffic and wind rumble (a leaky integral of white noise)."""
    return at_level(lfilter([1.0], [1.0, -0.995], rng.standard_normal(n)), 0.0)


def hum(n: int, rng: np.random.Generator, mains: float | None = None) -> np.ndarray:
    """Mains hum, unit RMS: 50 or 60 Hz and its harmonics up to 1 kHz, falling off as 1/k, with
    odd harmonics stronger (a transformer's buzz). Periodic, so one second (a whole number of
    cycles of either mains) is made and repeated."""
    f0 = mains or float(rng.choice([50.0, 60.0]))
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    second = np.zeros(SAMPLE_RATE)
    for k in range(1, int(1000 // f0) + 1):
        second += (1.0 if k % 2 else 0.4) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi))
    return at_level(np.resize(second, n), 0.0)


def room_tone(n: int, rng: np.random.Generator) -> np.ndarray:
    """The sound of an empty room, unit RMS: pink air noise over a brown rumble and faint hum."""
    return at_level(pink(n, rng) + 0.7 * brown(n, rng) + 0.1 * hum(n, rng), 0.0)


def clicks(n: int, rng: np.random.Generator, per_second: float = 2.0) -> np.ndarray:
    """Clicks and pops (a mouse, a table, a crackling line), peak 1: single-sample impulses
    ringing out over a millisecond or two, at random times."""
    out = np.zeros(n)
    count = rng.poisson(per_second * n / SAMPLE_RATE)
    ring = np.exp(-np.arange(40) / 6.0) * rng.choice([-1.0, 1.0], 40)
    for at in rng.integers(0, max(1, n - 40), count):
        out[at : at + 40] += rng.uniform(0.3, 1.0) * ring
    return (out / max(1e-9, np.abs(out).max())).astype(np.float32)


def breaths(n: int, rng: np.random.Generator, every: float = 2.5) -> np.ndarray:
    """In-breaths, unit RMS over the breaths: band-passed noise swelling and fading over
    0.3-0.6 s, one about every `every` seconds."""
    out = np.zeros(n)
    at = rng.uniform(0.2, every)
    while at * SAMPLE_RATE < n:
        length = int(rng.uniform(0.3, 0.6) * SAMPLE_RATE)
        start = int(at * SAMPLE_RATE)
        burst = sosfilt(_BREATH_BAND, rng.standard_normal(length)) * np.hanning(length) ** 0.7
        out[start : start + length] += burst[: n - start]
        at += rng.uniform(0.6, 1.4) * every
    loud = out != 0
    return (out / np.sqrt(np.mean(out[loud] ** 2)) if loud.any() else out).astype(np.float32)


def line_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """A telephone line's own sound, unit RMS: band-limited hiss, mains hum and sparse crackle."""
    hiss = sosfilt(_LINE_BAND, rng.standard_normal(n))
    line = at_level(hiss, 0.0) + 0.5 * hum(n, rng) + 0.3 * clicks(n, rng, 0.5)
    return at_level(line, 0.0)


def babble(n: int, talkers: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A crowd, unit RMS: the given voices, each looped from a random point, summed."""
    if not talkers:
        raise ValueError("babble needs at least one talker's audio")
    out = np.zeros(n)
    for voice in talkers:
        v = at_level(voice, 0.0)
        start = int(rng.integers(0, len(v)))
        out += np.resize(np.roll(v, -start), n)
    return at_level(out, 0.0)


def add_noise(x: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`noise` (as long as `x`) added `snr_db` below the speech. The speech's power is taken
    over its loud frames, as a listener hears it, not diluted by its pauses."""
    frames = x[: len(x) // 160 * 160].reshape(-1, 160)
    power = np.mean(frames**2, axis=1)
    speech = power[power >= 0.01 * power.max()].mean() if len(power) and power.max() > 0 else 1e-12
    scale = np.sqrt(speech / (np.mean(noise**2) + 1e-20) / 10 ** (snr_db / 20 * 2))
    return (x + scale * noise[: len(x)]).astype(np.float32)


def room(x: np.ndarray, rng: np.random.Generator, rt60: float) -> np.ndarray:
    """A room's reverberation: an impulse response of the direct sound, a few early
    reflections and an exponentially decaying diffuse tail reaching -60 dB at `rt60` seconds;
    the level kept."""
    length = int(rt60 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    ir = 0.4 * rng.standard_normal(length) * np.exp(-6.9 * t / rt60) * np.minimum(1.0, t / 0.005)
    ir[0] = 1.0
    for delay in rng.uniform(0.002, 0.02, 6):
        ir[int(delay * SAMPLE_RATE)] += rng.uniform(0.2, 0.6) * rng.choice([-1.0, 1.0])
    y = fftconvolve(x, ir)[: len(x)]
    return at_level(y, rms_db(x))


def clip(x: np.ndarray, gain_db: float, ceiling: float = 1.0) -> np.ndarray:
    """`x` made `gain_db` louder and clipped at `ceiling`: an overdriven microphone preamp."""
    return np.clip(x * 10 ** (gain_db / 20), -ceiling, ceiling).astype(np.float32)


@functools.cache
def _ffmpeg_for(encoder: str) -> str | None:
    """An ffmpeg that has `encoder`: the one imageio-ffmpeg ships, else Debian's."""
    from imageio_ffmpeg import get_ffmpeg_exe

    for exe in (get_ffmpeg_exe(), shutil.which("ffmpeg")):
        if (
            exe
            and f" {encoder} "
            in subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
        ):
            return exe
    return None


def codec_available(name: str) -> bool:
    if name not in CODECS:
        raise ValueError(f"unknown codec {name!r}; one of {', '.join(CODECS)}")
    return _ffmpeg_for(CODECS[name][0]) is not None


def codec(x: np.ndarray, name: str) -> np.ndarray:
    """`x` encoded with a telephone or VoIP codec and decoded back to 16 kHz, re-aligned to the
    input (codecs delay the sound by a few ms; the lag that best matches the input is undone)."""
    exe = _ffmpeg_for(CODECS[name][0]) if codec_available(name) else None  # codec_available rejects an unknown name
    if exe is None:
        raise RuntimeError(f"no ffmpeg here can encode {name} ({CODECS[name][0]}); apt-get install ffmpeg")
    encoder, options, container = CODECS[name]
    pcm = np.clip(x, -1, 1).astype("<f4").tobytes()
    encoded = subprocess.run(
        [
            exe,
            "-v",
            "error",
            "-f",
            "f32le",
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            "1",
            "-i",
            "-",
            *options,
            "-c:a",
            encoder,
            "-f",
            container,
            "-",
        ],
        input=pcm,
        capture_output=True,
        check=True,
    ).stdout
    decoded = subprocess.run(
        [exe, "-v", "error", "-f", container, "-i", "-", "-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-"],
        input=encoded,
        capture_output=True,
        check=True,
    ).stdout
    y = np.frombuffer(decoded, np.float32)
    lag = _lag(x, y)
    y = y[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag, np.float32), y])
    return np.concatenate([y, np.zeros(max(0, len(x) - len(y)), np.float32)])[: len(x)]


def _lag(x: np.ndarray, y: np.ndarray, most: int = 800) -> int:
    """The shift of `y` against `x`, in samples (within +-50 ms), by cross-correlation."""
    n = min(len(x), len(y))
    if n < 2 * most:
        return 0
    c = fftconvolve(y[:n], x[:n][::-1], mode="full")[n - 1 - most : n + most]
    return int(np.argmax(c)) - most

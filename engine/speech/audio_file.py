"""Reading any audio file as 16 kHz mono float32, block by block, so a file of hours takes the
memory of one block: WAV directly (so float NaN/inf are caught), everything else (flac, ogg,
mp3, ...) through the ffmpeg that imageio-ffmpeg ships, read from its pipe as it decodes."""

from __future__ import annotations

import struct
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from .features import SAMPLE_RATE

BLOCK_SECONDS = 10.0  # how much audio is decoded at a time (the net runs fastest on long pushes)
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
# (format, bits) -> sample dtype, offset and scale to [-1, 1); 24-bit samples are widened to int32.
_WAV_TYPES = {
    (_PCM, 8): ("u1", 128.0, 128.0),
    (_PCM, 16): ("<i2", 0.0, 32768.0),
    (_PCM, 24): ("<i4", 0.0, 2147483648.0),
    (_PCM, 32): ("<i4", 0.0, 2147483648.0),
    (_FLOAT, 32): ("<f4", 0.0, 1.0),
    (_FLOAT, 64): ("<f8", 0.0, 1.0),
}


def _ratio(rate: int, to: int = SAMPLE_RATE) -> tuple[int, int]:
    g = gcd(int(rate), int(to))
    return int(to) // g, int(rate) // g


def resample(x: np.ndarray, rate: int, to: int) -> np.ndarray:
    """Polyphase resampling of mono samples from `rate` to `to` Hz, as float32."""
    if rate == to:
        return x.astype(np.float32)
    up, down = _ratio(rate, to)
    return resample_poly(x, up, down).astype(np.float32)


def resample_to_16k(x: np.ndarray, rate: int) -> np.ndarray:
    return resample(x, rate, SAMPLE_RATE)


def write_wav(path, samples: np.ndarray, rate: int) -> None:
    """Mono 16-bit PCM WAV of float samples in [-1, 1] (clipped beyond)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())


class Resampler:
    """`resample_to_16k` for a signal that arrives in blocks of any size (a file being decoded,
    a microphone). Each push resamples its new input with enough of its neighbours around it
    that every output sample sees the same inputs through the same filter as the one-shot
    call, so block edges leave no seam. The price is holding back the filter's reach, rounded up
    to whole output steps (under 1 ms at 48 kHz, up to 20 ms at 44.1 kHz), until the next push
    or `flush`."""

    def __init__(self, rate: int):
        if not (isinstance(rate, (int, np.integer)) and rate > 0):
            raise ValueError(f"sample rate must be a positive whole number of Hz, got {rate!r}")
        self.up, self.down = _ratio(rate)
        reach = -(-10 * max(self.up, self.down) // self.up)  # resample_poly's half filter, in inputs
        self._pad = -(-reach // self.down) * self.down  # whole output steps, so grids line up
        self._buf = np.zeros(0, np.float32)
        self._left = 0  # inputs at the buffer's start already resampled, kept as the filter's past

    def push(self, samples: np.ndarray) -> np.ndarray:
        x = np.asarray(samples, np.float32).reshape(-1)
        if self.up == self.down:
            return x.copy()
        self._buf = np.concatenate([self._buf, x])
        n = (len(self._buf) - self._left - self._pad) // self.down * self.down
        if n <= 0:
            return np.zeros(0, np.float32)
        y = resample_poly(self._buf[: self._left + n + self._pad], self.up, self.down)
        first = self._left * self.up // self.down
        out = y[first : first + n * self.up // self.down]
        drop = max(0, self._left + n - self._pad)
        self._buf, self._left = self._buf[drop:], self._left + n - drop
        return out.astype(np.float32)

    def flush(self) -> np.ndarray:
        """The rest, as if silence followed (as the one-shot call pads the end)."""
        if self.up == self.down or len(self._buf) == self._left:
            return np.zeros(0, np.float32)
        y = resample_poly(self._buf, self.up, self.down)[self._left * self.up // self.down :]
        self._buf, self._left = np.zeros(0, np.float32), 0
        return y.astype(np.float32)


@dataclass
class _Wav:
    bits: int
    dtype: str
    offset: float
    scale: float
    channels: int
    rate: int
    size: int  # bytes of samples the header promises (streamed WAVs promise too many)


def _wav_format(f) -> _Wav | None:
    """The sample format of a RIFF/WAVE file, leaving `f` at its first sample; None when it is
    not a WAV this reader handles (ffmpeg then decides)."""
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
        return None
    fmt = None
    while len(chunk := f.read(8)) == 8:
        name, size = chunk[:4], int.from_bytes(chunk[4:], "little")
        if name == b"fmt ":
            body = f.read(size + size % 2)
            if len(body) < 16:
                return None
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == _EXTENSIBLE and len(body) >= 26:
                tag = int.from_bytes(body[24:26], "little")  # the sub-format GUID starts with it
            fmt = (tag, channels, rate, bits, align)
        elif name == b"data":
            if fmt is None:
                return None
            tag, channels, rate, bits, align = fmt
            if (tag, bits) not in _WAV_TYPES or channels < 1 or rate < 1 or align != channels * bits // 8:
                return None
            return _Wav(bits, *_WAV_TYPES[tag, bits], channels, rate, size)
        else:
            f.seek(size + size % 2, 1)
    return None


def _wav_blocks(f, wav: _Wav, seconds: float) -> Iterator[np.ndarray]:
    """Mono float32 blocks at the file's own rate, scaled as scipy's reader scales them;
    channels are averaged."""
    frame = wav.channels * wav.bits // 8
    left = wav.size // frame
    while left > 0 and (raw := f.read(frame * min(left, max(1, int(wav.rate * seconds))))):
        n = len(raw) // frame
        left -= n
        if wav.bits == 24:  # widen to int32, the low byte zero
            wide = np.zeros((n * wav.channels, 4), np.uint8)
            wide[:, 1:] = np.frombuffer(raw, np.uint8, n * frame).reshape(-1, 3)
            data = wide.view("<i4")[:, 0]
        else:
            data = np.frombuffer(raw, wav.dtype, n * wav.channels)
        x = (data.astype(np.float32) - np.float32(wav.offset)) / np.float32(wav.scale)
        yield x.reshape(n, wav.channels).mean(axis=1, dtype=np.float32) if wav.channels > 1 else x


def _ffmpeg_blocks(path: Path, seconds: float) -> Iterator[np.ndarray]:
    """16 kHz mono float32 blocks from ffmpeg's pipe; a file it cannot decode raises at the end."""
    from imageio_ffmpeg import get_ffmpeg_exe

    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty decoder cannot stall
        run = subprocess.Popen(
            [
                get_ffmpeg_exe(),
                "-hide_banner",
                "-nostdin",
                "-v",
                "error",
                "-i",
                str(path),
                "-vn",
                "-ac",
                "1",
                "-ar",
                str(SAMPLE_RATE),
                "-f",
                "f32le",
                "-",
            ],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        stdout = run.stdout
        assert stdout is not None  # started with stdout=PIPE
        try:
            while data := stdout.read(4 * int(SAMPLE_RATE * seconds)):
                yield np.frombuffer(data, np.float32, len(data) // 4)
            run.wait()
        finally:
            if run.poll() is None:  # the reader stopped early
                run.kill()
                run.wait()
            stdout.close()
        if run.returncode != 0:
            errors.seek(0)
            reason = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise ValueError(
                f"audio {path}: not an audio file ffmpeg can read ({reason[-1] if reason else 'no detail'})"
            )


def audio_blocks(path: str | Path, seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """16 kHz mono float32 samples of `path`, about `seconds` at a time, decoded and resampled
    as they are read. A missing or empty file raises ValueError now; what only the whole file
    shows (NaN or inf samples, with their count; no samples; not audio) raises ValueError
    after the last block, and no block holding a NaN is ever yielded."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"audio {path}: no such file")
    if path.stat().st_size == 0:
        raise ValueError(f"audio {path}: the file is empty")
    if not seconds > 0:
        raise ValueError(f"audio {path}: block length must be positive, got {seconds}")
    return _checked(path, seconds)


def _checked(path: Path, seconds: float) -> Iterator[np.ndarray]:
    with open(path, "rb") as f:
        wav = _wav_format(f)
        if wav is None:
            rate, raw = SAMPLE_RATE, _ffmpeg_blocks(path, seconds)
        else:
            rate, raw = wav.rate, _wav_blocks(f, wav, seconds)
        resampler, bad, total = Resampler(rate), 0, 0
        for x in raw:
            total += len(x)
            bad += len(x) - int(np.count_nonzero(np.isfinite(x)))
            if not bad and len(y := resampler.push(x)):
                yield y
    if bad:
        raise ValueError(f"audio {path}: {bad} samples are NaN or inf")
    if total == 0:
        raise ValueError(f"audio {path}: holds no samples")
    if len(y := resampler.flush()):
        yield y


def read_audio(path: str | Path) -> np.ndarray:
    """All of `path` as 16 kHz mono float32 at once (short clips); ValueError naming the file
    when it cannot be used. Long files: `audio_blocks`."""
    return np.concatenate(list(audio_blocks(path)))

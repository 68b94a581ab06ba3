"""Training-time corruption of the corpus's speech with what real recordings do to it
(channel.py): a small microphone's colour, a room's reverberation, the noise of a room, a fan, a
line, the mains, a street or a crowd of other training voices at 0-30 dB SNR, an overdriven
preamp, any peak level from -45 to -3 dBFS, and telephone and VoIP codecs; and masked frequency
bands on the features. Every draw comes from a seeded generator, so an epoch is the same every
run. Only training voices go in; the eval's held-out voices and recordings never come here."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import channel

CLEAN = 0.12  # share of clips left as they are
CODEC = 0.25  # share of clips sent down a phone or VoIP line


def _fan(n: int, rng: np.random.Generator) -> np.ndarray:
    return channel.at_level(channel.pink(n, rng) + 0.3 * channel.hum(n, rng), 0.0)


# the background sounds besides a crowd, each (samples, rng) -> unit RMS
NOISES: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "room": channel.room_tone,
    "fan": _fan,
    "line": channel.line_noise,
    "hum": channel.hum,
    "street": channel.brown,
}


def _noise(n: int, rng: np.random.Generator, talkers: list[np.ndarray]) -> np.ndarray:
    """One kind of background sound, unit RMS, `n` samples long: a crowd of 3-6 `talkers` as
    often as each other kind."""
    k = int(rng.integers(len(NOISES) + bool(talkers)))
    if k == len(NOISES):
        picks = rng.choice(len(talkers), size=min(len(talkers), int(rng.integers(3, 7))), replace=False)
        return channel.babble(n, [talkers[i] for i in picks], rng)
    return list(NOISES.values())[k](n, rng)


def _degrade(x: np.ndarray, rng: np.random.Generator, talkers: list[np.ndarray]) -> tuple[np.ndarray, str | None]:
    """One random chain over `x`, and the codec it is still to go through (or None)."""
    y = x.astype(np.float32)
    if rng.random() < 0.3:
        y = channel.microphone(y, rng)
    if rng.random() < 0.35:
        y = channel.room(y, rng, rng.uniform(0.2, 0.9))
    if rng.random() < 0.75:
        y = channel.add_noise(y, _noise(len(y), rng, talkers), rng.uniform(0, 30))
    if rng.random() < 0.1:
        y = channel.clip(y / (np.abs(y).max() + 1e-9), rng.uniform(3, 20))
    y = y * (10 ** (rng.uniform(-45, -3) / 20) / (np.abs(y).max() + 1e-9))
    codec = list(channel.CODECS)[int(rng.integers(len(channel.CODECS)))] if rng.random() < CODEC else None
    return np.clip(y, -1.0, 1.0).astype(np.float32), codec


def augment(clips: list[np.ndarray], rng: np.random.Generator, talkers: list[np.ndarray]) -> list[np.ndarray]:
    """Each clip through its own random chain; `talkers` are the voices a crowd is made of.
    Clips bound for a codec are coded together, one ffmpeg run per codec (a codec this ffmpeg
    lacks is skipped)."""
    out: list[np.ndarray] = []
    lines: dict[str, list[int]] = {}
    for k, x in enumerate(clips):
        if rng.random() < CLEAN:
            out.append(x)
            continue
        y, codec = _degrade(x, rng, talkers)
        out.append(y)
        if codec is not None and channel.codec_available(codec):
            lines.setdefault(codec, []).append(k)
    for codec, ks in lines.items():
        for k, y in zip(ks, channel.codec_each([out[k] for k in ks], codec)):
            out[k] = np.clip(y, -1.0, 1.0)
    return out


def mask_bands(logmel: np.ndarray, rng: np.random.Generator, count: int = 2, widest: int = 8) -> np.ndarray:
    """Up to `count` bands of up to `widest` mel bins flattened to the clip's mean level there, so
    the net cannot lean on one voice's formant details: with it, speakers it never heard close
    their lips on more p/b/m and open wider on vowels."""
    out = logmel.copy()
    for _ in range(count):
        width = int(rng.integers(0, widest + 1))
        lo = int(rng.integers(0, logmel.shape[1] - width + 1))
        if width:
            out[:, lo : lo + width] = logmel[:, lo : lo + width].mean()
    return out

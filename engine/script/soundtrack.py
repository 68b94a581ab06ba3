"""A script's soundtrack: each utterance synthesized, its silent ends trimmed, the pieces placed
with the script's gaps and pauses, each voice brought to one loudness, and peaks limited.

The placement is the timing truth of the whole video: subtitles, expression cues and head
beats are all hung on `Placed.start`/`end`, which are the first and last audible samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from ..speech.audio_file import resample, resample_to_16k
from ..speech.coarticulation import Segment
from .parse import Script, Utterance

RATE = 22050  # the soundtrack's sample rate: piper's and espeak-ng's own
TARGET_LUFS = -16.0  # spoken word for playback on the web and on stage
CEILING = 10 ** (-1.0 / 20)  # -1 dBFS sample peak after limiting
TAIL = 1.2  # seconds after the last word


@dataclass(frozen=True)
class Placed:
    utterance: Utterance
    start: float  # seconds into the soundtrack of its first sound (within 10 ms)
    end: float  # ... and of its last
    visemes: tuple[Segment, ...] = ()  # its timed visemes in soundtrack time, where its voice gives them


@dataclass
class Soundtrack:
    samples: np.ndarray  # float32 mono at RATE
    placed: list[Placed]

    @property
    def duration(self) -> float:
        return len(self.samples) / RATE

    def speech_16k(self) -> np.ndarray:
        """The soundtrack at the speech net's rate."""
        return resample_to_16k(self.samples, RATE)

    def sentence_spans(self) -> dict[int, tuple[float, float]]:
        """Sentence index -> (start, end) seconds of its speech."""
        spans: dict[int, tuple[float, float]] = {}
        for p in self.placed:
            s = p.utterance.sentence
            spans[s] = (spans[s][0], p.end) if s in spans else (p.start, p.end)
        return spans


def build(script: Script, start: float = 0.0, progress=None) -> Soundtrack:
    """The soundtrack of `script`, its speech beginning `start` seconds in (after a title card);
    `progress()` is called after each utterance is synthesized."""
    from ..voices.tts import synthesize_timed
    from .pronounce import respell

    settings = script.settings
    clips, said = [], []
    for u in script.utterances:
        voice = u.voice or settings.voices.get(u.lang)
        try:
            speech = synthesize_timed(respell(u.text, settings.pronounce), u.lang, voice, settings.rate)
        except (ValueError, RuntimeError) as exc:
            raise ValueError(f"{script.path}:{u.line}: {exc}") from None
        clip, margin, cut = trim(resample(speech.samples, speech.rate, RATE))
        clips.append((_voice_key(u, voice), clip, margin))
        said.append((speech.visemes or [], cut))
        if progress:
            progress()
    gains = _loudness_gains(clips)
    t = start + script.lead
    pieces, placed = [], []
    for u, (key, clip, margin), (visemes, cut) in zip(script.utterances, clips, said):
        timed = tuple(s.shifted(t - cut) for s in visemes)
        placed.append(Placed(u, t + margin, t + len(clip) / RATE - margin, timed))
        pieces.append((round(t * RATE), clip * gains[key]))
        t += len(clip) / RATE + u.gap_after
    samples = np.zeros(round((placed[-1].end + TAIL) * RATE), np.float32)
    for at, clip in pieces:
        samples[at : at + len(clip)] += clip
    return Soundtrack(limit(samples), placed)


def trim(audio: np.ndarray, floor_db: float = -40.0, margin: float = 0.02) -> tuple[np.ndarray, float, float]:
    """`audio` without the silence a TTS engine leaves at its ends (quieter than `floor_db`
    below its peak in every 10 ms), keeping up to `margin` seconds so no consonant is clipped;
    how many seconds of that margin it kept before the first sound (the same after the last);
    and how many seconds it cut from the start."""
    hop = RATE // 100
    frames = len(audio) // hop
    if frames == 0:
        return audio, 0.0, 0.0
    level = np.sqrt(np.mean(audio[: frames * hop].reshape(frames, hop) ** 2, axis=1))
    loud = np.flatnonzero(level > level.max() * 10 ** (floor_db / 20))
    keep = min(round(margin * RATE), loud[0] * hop, len(audio) - (loud[-1] + 1) * hop)
    first, last = loud[0] * hop - keep, (loud[-1] + 1) * hop + keep
    return audio[first:last], keep / RATE, first / RATE


def loudness(audio: np.ndarray) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770, gated); clips under 0.4 s are measured
    looped, since the standard's blocks are that long."""
    import pyloudnorm

    if len(audio) < int(0.5 * RATE):
        audio = np.tile(audio, int(0.5 * RATE) // max(len(audio), 1) + 1)
    return float(pyloudnorm.Meter(RATE).integrated_loudness(audio.astype(np.float64)))


def limit(audio: np.ndarray, attack: float = 0.005, release: float = 0.05) -> np.ndarray:
    """A look-ahead peak limiter: the gain dips smoothly wherever a sample would pass CEILING."""
    peak = np.abs(audio)
    if peak.max(initial=0.0) <= CEILING:
        return audio.astype(np.float32)
    need = np.minimum(1.0, CEILING / np.maximum(peak, 1e-9))
    hold = round(release * RATE)
    gain = minimum_filter1d(need, size=2 * hold + 1)
    gain = uniform_filter1d(gain, size=max(1, round(attack * RATE)))
    return (audio * np.minimum(gain, need)).astype(np.float32)  # smoothing never lets a peak through


def _loudness_gains(clips: list[tuple[str, np.ndarray, float]]) -> dict:
    """One gain per voice, bringing all its speech together to TARGET_LUFS: voices match one
    another, and each keeps its own rise and fall between sentences."""
    gains = {}
    for key in {clip[0] for clip in clips}:
        speech = np.concatenate([c for k, c, _ in clips if k == key])
        measured = loudness(speech)
        gains[key] = 10 ** ((TARGET_LUFS - measured) / 20) if np.isfinite(measured) else 1.0
    return gains


def _voice_key(u: Utterance, voice: str | None) -> str:
    from ..voices.tts import resolve_voice

    return resolve_voice(voice, u.lang)

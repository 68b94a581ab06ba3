"""Timed phones -> ARKit curves, through dominance functions (Cohen-Massaro): the speech net's
training targets, and the mouth itself wherever the phones' times are known (speech the engine
synthesized, timed_speech.py).

Each phone segment pulls every channel towards its viseme's pose with a dominance that is
flat over the segment and falls off as a Gaussian before (anticipation) and after (carry-over);
a channel's value is the dominance-weighted mean of the poses. Channels fall into groups with
their own dominance, which is what makes the behaviour right:
- lips: p/b/m and f/v dominate overwhelmingly, so the lips seal (or tuck under the teeth)
  whatever the neighbours; mouthClose is then set to the bilabials' share of the lip dominance
  times the jaw opening, sealing the lips over a jaw that keeps moving (JALI's jaw/lip split).
- round (mouthPucker): most consonants barely dominate it and rounded vowels reach back far,
  so rounding starts across the consonants before an oo, w or o.
- jaw: scaled afterwards by local loudness, so loud syllables open wider.
- silence: a strong zero target with short tails, so the face is at rest 150 ms into a pause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import arkit
from .features import FRAME_RATE, features
from .visemes import VISEME_INDEX, VISEMES, pose_matrix, to_visemes

FPS = 60.0
GROUPS = ("jaw", "lips", "round", "tongue")
_GROUP_OF = np.full(arkit.COUNT, GROUPS.index("lips"))
_GROUP_OF[arkit.INDEX["jawOpen"]] = GROUPS.index("jaw")
_GROUP_OF[arkit.INDEX["mouthPucker"]] = GROUPS.index("round")
_GROUP_OF[arkit.INDEX["tongueOut"]] = GROUPS.index("tongue")


@dataclass(frozen=True)
class Dominance:
    """Per group strength (jaw, lips, round, tongue) and the tails' time constants in seconds."""

    strength: tuple[float, float, float, float]
    before: float = 0.045
    after: float = 0.045
    round_before: float | None = None  # a rounded vowel reaches further back on mouthPucker


_DOMINANCE: dict[str, Dominance] = {
    "sil": Dominance((3.0, 3.0, 12.0, 3.0), 0.04, 0.04),
    "PP": Dominance((1.0, 20.0, 0.3, 0.5), 0.035, 0.03),
    "FF": Dominance((10.0, 15.0, 0.3, 0.5), 0.035, 0.03),  # the jaw rises to bring the lip to the teeth
    "TH": Dominance((0.8, 1.0, 0.3, 10.0)),
    "DD": Dominance((0.7, 0.6, 0.1, 1.0), 0.035, 0.035),
    "kk": Dominance((0.7, 0.6, 0.1, 1.0), 0.035, 0.035),
    "CH": Dominance((0.8, 3.0, 3.0, 1.0)),
    "SS": Dominance((0.7, 2.0, 0.3, 1.0), 0.035, 0.035),
    "nn": Dominance((0.7, 0.6, 0.1, 1.0), 0.035, 0.035),
    "RR": Dominance((0.8, 1.5, 2.0, 1.0)),
    "aa": Dominance((1.0, 1.0, 1.0, 1.0), 0.05, 0.05),
    "E": Dominance((1.0, 1.0, 1.0, 1.0), 0.05, 0.05),
    "I": Dominance((1.0, 1.0, 1.0, 1.0), 0.05, 0.05),
    "O": Dominance((1.0, 1.0, 2.5, 1.0), 0.05, 0.05, round_before=0.12),
    "U": Dominance((1.0, 1.5, 2.5, 1.0), 0.05, 0.05, round_before=0.12),
}

_POSES = pose_matrix()
_LOUDNESS_SPAN_DB = 12.0  # this many dB above the utterance's typical level opens the jaw ...
_LOUDNESS_GAIN = 0.35  # ... this much wider (and as much narrower below it)


@dataclass(frozen=True)
class Segment:
    """One phone: its viseme, start and end in seconds, and whether it is an open vowel."""

    viseme: str
    start: float
    end: float
    open_vowel: bool = False

    def __post_init__(self):
        if self.viseme not in VISEME_INDEX:
            raise ValueError(f"viseme {self.viseme!r} is unknown; known: {', '.join(VISEMES)}")
        if not (np.isfinite(self.start) and np.isfinite(self.end) and self.end >= self.start):
            raise ValueError(f"segment {self.viseme}: bad times {self.start}..{self.end}")

    def shifted(self, seconds: float) -> Segment:
        """The same phone `seconds` later (earlier if negative): placed in a longer clip, or
        in one whose start was cut."""
        return Segment(self.viseme, self.start + seconds, self.end + seconds, self.open_vowel)


def timed_visemes(phone_set: str, phones: list[tuple[str, float, float]]) -> list[Segment]:
    """(phone, start, end) of the named phone set as timed visemes, pauses and empty phones left
    out (coarticulation puts silence wherever no phone is)."""
    names, opens = to_visemes(phone_set, [p for p, _, _ in phones])
    return [Segment(v, a, b, o) for v, o, (_, a, b) in zip(names, opens, phones) if v != "sil" and b > a]


def frame_count(duration: float, fps: float = FPS) -> int:
    return max(1, int(np.ceil(duration * fps - 1e-9)))


def _padded(segments: list[Segment], duration: float) -> list[Segment]:
    """Silence wherever no phone is: before the first, between any two, after the last; without
    it a gap would be the mean of the neighbours' faint tails, an open mouth."""
    out, t = [], -1.0
    for s in segments:
        if s.start > t:
            out.append(Segment("sil", t, s.start))
        out.append(s)
        t = max(t, s.end)
    out.append(Segment("sil", t, max(t, duration) + 1.0))
    return out


def dominance(segments: list[Segment], times: np.ndarray) -> np.ndarray:
    """(groups, segments, frames) dominance of each segment over each group at `times`."""
    out = np.zeros((len(GROUPS), len(segments), len(times)))
    for i, s in enumerate(segments):
        d = _DOMINANCE[s.viseme]
        lead = np.maximum(0.0, s.start - times)
        lag = np.maximum(0.0, times - s.end)
        for g, strength in enumerate(d.strength):
            before = d.round_before if (GROUPS[g] == "round" and d.round_before) else d.before
            out[g, i] = strength * np.exp(-((lead / before) ** 2) - (lag / d.after) ** 2)
    return out


def loudness_gain(loudness_db: np.ndarray) -> np.ndarray:
    """Jaw gain per frame from loudness in dB: 1 at the voiced frames' median level."""
    db = np.asarray(loudness_db, np.float64)
    voiced = db[db > db.max() - 30.0] if db.size else db
    ref = float(np.median(voiced)) if voiced.size else 0.0
    return np.clip(1.0 + _LOUDNESS_GAIN * (db - ref) / _LOUDNESS_SPAN_DB, 1 - _LOUDNESS_GAIN, 1 + _LOUDNESS_GAIN)


def curves(
    segments: list[Segment], duration: float, loudness_db: np.ndarray | None = None, fps: float = FPS
) -> np.ndarray:
    """(frames, 52) float32 ARKit weights at `fps` for `duration` seconds of timed phones.

    `loudness_db`, if given, is the audio's level per output frame; it scales the jaw.
    """
    segs = _padded(sorted(segments, key=lambda s: s.start), duration)
    times = np.arange(frame_count(duration, fps)) / fps
    dom = dominance(segs, times)  # (G, S, T)
    poses = _POSES[[VISEME_INDEX[s.viseme] for s in segs]]  # (S, 52)
    per_channel = dom[_GROUP_OF]  # (52, S, T)
    total = per_channel.sum(axis=1)  # (52, T)
    out = (np.einsum("cst,sc->tc", per_channel, poses) / total.T).astype(np.float32)

    jaw = arkit.INDEX["jawOpen"]
    if loudness_db is not None:
        gain = loudness_gain(loudness_db)
        if gain.shape != (len(times),):
            raise ValueError(f"loudness: expected {len(times)} frames, got {gain.shape}")
        out[:, jaw] *= gain.astype(np.float32)
    lips = dom[GROUPS.index("lips")]
    bilabial = np.array([s.viseme == "PP" for s in segs])
    seal = lips[bilabial].sum(axis=0) / lips.sum(axis=0)
    out[:, arkit.INDEX["mouthClose"]] = seal * out[:, jaw]
    return np.clip(out, 0.0, 1.0)


def frame_visemes(segments: list[Segment], duration: float, fps: float = FPS) -> np.ndarray:
    """(frames,) viseme index of the segment under each frame; silence where none is."""
    times = np.arange(frame_count(duration, fps)) / fps
    labels = np.full(len(times), VISEME_INDEX["sil"], np.int64)
    for s in segments:
        labels[(times >= s.start) & (times < s.end)] = VISEME_INDEX[s.viseme]
    return labels


def audio_curves(audio: np.ndarray, segments: list[Segment]) -> np.ndarray:
    """(frames, 52) at 100 fps for 16 kHz `audio` whose phones are `segments`: one frame per
    complete hop of the audio, as the net gives, the jaw scaled by the audio's own loudness."""
    _, level = features(audio)
    n = len(level)
    return curves(segments, n / FRAME_RATE, loudness_db=level, fps=FRAME_RATE)[:n]

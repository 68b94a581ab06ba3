"""Training pairs: (16 kHz audio, timed visemes) -> log-mel input and target curves at 100 fps,
aligned frame for frame, the jaw scaled by the clean audio's own loudness."""

from __future__ import annotations

import numpy as np

from ..speech.features import FRAME_RATE, SAMPLE_RATE, features
from .coarticulation import Segment, curves


def target_curves(audio: np.ndarray, segments: list[Segment]) -> np.ndarray:
    """(frames, 52) targets at 100 fps, one per complete hop of `audio` (as the features)."""
    _, level = features(audio)
    n = len(level)
    out = curves(segments, n / FRAME_RATE, loudness_db=level, fps=FRAME_RATE)
    return out[:n]


def join(a: tuple[np.ndarray, list[Segment]], b: tuple[np.ndarray, list[Segment]], gap_s: float):
    """Two utterances with `gap_s` of silence between, so the net meets real pauses."""
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
    shift = (len(a[0]) + len(gap)) / SAMPLE_RATE
    segs = list(a[1]) + [Segment(s.viseme, s.start + shift, s.end + shift, s.open_vowel) for s in b[1]]
    return np.concatenate([a[0], gap, b[0]]), segs

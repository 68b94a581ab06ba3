"""Training pairs: two utterances joined across a pause (the targets themselves are
coarticulation.audio_curves of the clean audio, frame for frame with the log-mel input)."""

from __future__ import annotations

import numpy as np

from ..speech.coarticulation import Segment
from ..speech.features import SAMPLE_RATE


def join(a: tuple[np.ndarray, list[Segment]], b: tuple[np.ndarray, list[Segment]], gap_s: float):
    """Two utterances with `gap_s` of silence between, so the net meets real pauses."""
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
    shift = (len(a[0]) + len(gap)) / SAMPLE_RATE
    segs = list(a[1]) + [s.shifted(shift) for s in b[1]]
    return np.concatenate([a[0], gap, b[0]]), segs

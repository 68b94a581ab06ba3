"""Real synthetic speech for the speech tests: a flite voice saying a sentence, with its phone timings."""

from __future__ import annotations

import numpy as np

from engine.speech.coarticulation import Segment
from engine.speech.features import SAMPLE_RATE


def flite_clip(text: str, voice: str = "slt", padding: float = 0.0):
    """flite `voice` saying `text` at 16 kHz, with `padding` s of silence each side, and its viseme segments."""
    from engine.speech.audio_file import resample_to_16k
    from engine.voices import flite
    from engine.speech.visemes import to_visemes

    audio, rate, phones = flite.synth(text, voice)
    pad = np.zeros(int(padding * SAMPLE_RATE), np.float32)
    visemes, opens = to_visemes("arpabet", [p for p, _, _ in phones])
    return (np.concatenate([pad, resample_to_16k(audio, rate), pad]),
            [Segment(v, s + padding, e + padding, o) for v, o, (_, s, e) in zip(visemes, opens, phones)])

"""What the net must beat: loudness -> jawOpen "flapping", the lip-sync of many cheap avatars,
and pocketsphinx's free phone recognition fed through the same visemes and coarticulation."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from ... import arkit
from .coarticulation import Segment, curves
from .features import FRAME_RATE, features
from .visemes import to_visemes

_SPAN_DB = 30.0
_SMOOTH = 0.5  # one-pole smoothing per 10 ms frame


def loudness_jaw(audio: np.ndarray) -> np.ndarray:
    """(frames, 52) at 100 fps: jawOpen follows the level from 30 dB under the loud frames up,
    smoothed causally; nothing else moves."""
    _, level = features(audio)
    out = np.zeros((len(level), arkit.COUNT), np.float32)
    if len(level) == 0:
        return out
    ref = np.percentile(level, 95)
    jaw = np.clip((level - (ref - _SPAN_DB)) / _SPAN_DB, 0.0, 1.0) * 0.7
    out[:, arkit.INDEX["jawOpen"]] = lfilter([1 - _SMOOTH], [1, -_SMOOTH], jaw)
    return out


def phone_recognition(audio: np.ndarray) -> np.ndarray:
    """(frames, 52) at 100 fps from pocketsphinx's phone loop (it needs the whole utterance,
    and the pocketsphinx package of the speech-data extra)."""
    import os

    import pocketsphinx

    lm = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us-phone.lm.bin")
    decoder = pocketsphinx.Decoder(samprate=16000, allphone=lm, lm=None, loglevel="FATAL", lw=2.0,
                                   beam=1e-20, pbeam=1e-20)
    decoder.start_utt()
    decoder.process_raw((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    phones = [("pau" if s.word.startswith(("+", "SIL", "<")) else s.word.lower(), s.start_frame / 100,
               (s.end_frame + 1) / 100) for s in decoder.seg()]
    visemes, opens = to_visemes("arpabet", [p for p, _, _ in phones])
    segments = [Segment(v, s, e, o) for v, o, (_, s, e) in zip(visemes, opens, phones)]
    _, level = features(audio)
    return curves(segments, len(level) / FRAME_RATE, loudness_db=level, fps=FRAME_RATE)[: len(level)]

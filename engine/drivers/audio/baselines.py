"""What the net must beat: loudness -> jawOpen "flapping", the lip-sync of many cheap avatars,
and pocketsphinx's free phone recognition fed through the same visemes and coarticulation.

The flapping's gain is fitted, like the net, to the training targets (least squares of their
jawOpen on its loudness ramp), so it opens the jaw on the targets' scale rather than one picked
by hand; `python -m engine.drivers.audio.baselines` refits it.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from ... import arkit
from .coarticulation import Segment, curves
from .features import FRAME_RATE, features
from .visemes import to_visemes

_SPAN_DB = 30.0
_SMOOTH = 0.5  # one-pole smoothing per 10 ms frame
LOUDNESS_GAIN = 0.354  # fitted: python -m engine.drivers.audio.baselines
_JAW = arkit.INDEX["jawOpen"]


def _ramp(level: np.ndarray) -> np.ndarray:
    """0 at 30 dB under the loud frames, 1 at them, smoothed causally."""
    if len(level) == 0:
        return np.zeros(0, np.float32)
    ref = np.percentile(level, 95)
    ramp = np.clip((level - (ref - _SPAN_DB)) / _SPAN_DB, 0.0, 1.0)
    return lfilter([1 - _SMOOTH], [1, -_SMOOTH], ramp).astype(np.float32)


def loudness_jaw(audio: np.ndarray, gain: float = LOUDNESS_GAIN) -> np.ndarray:
    """(frames, 52) at 100 fps: jawOpen follows the loudness ramp times `gain`; nothing else moves."""
    ramp = _ramp(features(audio)[1])
    out = np.zeros((len(ramp), arkit.COUNT), np.float32)
    out[:, _JAW] = gain * ramp
    return out


def fit_loudness_gain(utterances) -> float:
    """The gain that brings the ramp nearest the targets' jawOpen (least squares) over
    (audio, segments) pairs."""
    from .targets import target_curves

    num = den = 0.0
    for audio, segments in utterances:
        ramp = _ramp(features(audio)[1])
        jaw = target_curves(audio, segments)[:, _JAW]
        n = min(len(ramp), len(jaw))
        num += float(ramp[:n] @ jaw[:n])
        den += float(ramp[:n] @ ramp[:n])
    return num / den if den else 0.0


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


if __name__ == "__main__":
    from .data.corpus import load

    print(f"LOUDNESS_GAIN = {fit_loudness_gain((u.audio, u.segments) for u in load('train')[::4]):.3f}")

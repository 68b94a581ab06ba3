"""Real English speech from Debian packages, aligned to phones with pocketsphinx.

The asterisk prompts (one speaker, 8 kHz telephone) come with transcripts; so do the card
games of pocketsphinx-testdata (another speaker). Its five LibriVox clips (a third, reading
Sense and Sensibility) ship only a recogniser's guess, so their text is Austen's own, below.
pocketsphinx's forced alignment (median boundary error about 10 ms) turns each into timed
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
from ...speech.features import FRAME_RATE, SAMPLE_RATE, features
from ...speech.visemes import espeak_prefix, espeak_viseme

_PAUSE_BELOW_SPEECH_DB = 20.0  # an aligned pause must be this much quieter than the speech

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


def _words(transcript: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", transcript.lower()).split())


def align(audio: np.ndarray, transcript: str, espeak=None) -> list[tuple[str, float, float]] | None:
    """Timed ARPAbet phones of `transcript` in 16 kHz `audio`; None when alignment fails.
    Given an `Espeak`, words pocketsphinx's dictionary lacks are spelt out by espeak-ng
    (`spell`); without one, such a transcript fails."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=SAMPLE_RATE, bestpath=False, loglevel="FATAL")
    words = _words(transcript)
    for word in sorted(set(words.split())) if espeak is not None else ():
        if decoder.lookup_word(word) is None and (spelt := spell(word, "en-us", espeak)):
            decoder.add_word(word, " ".join(a for _, a in spelt).upper(), True)
    phones = decode_alignment(decoder, audio, words)
    return phones if phones and _pauses_are_quiet(audio, phones) else None


def decode_alignment(decoder, audio: np.ndarray, words: str) -> list[tuple[str, float, float]] | None:
    """(phone, start, end) of `words`, which `decoder` knows, forced onto 16 kHz `audio`:
    lower-case ARPAbet, pauses as "pau"; None when alignment fails."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes()
    try:
        decoder.set_align_text(words)
        for _ in range(2):  # words first, then phones within them
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            if _ == 0:
                decoder.set_alignment()
        alignment = decoder.get_alignment()
    except (RuntimeError, ValueError, KeyError):
        return None
    if alignment is None:
        return None
    phones = [(p.name.lower(), p.start / 100, (p.start + p.duration) / 100) for word in alignment for p in word]
    return [(("pau" if n in ("sil", "+spn+", "+nsn+") else n), s, e) for n, s, e in phones] or None


#: espeak-ng's phones written as the nearest ARPAbet phone, by the longest known prefix (as
#: visemes.py reads them): nasal vowels as their oral vowel, front rounded vowels as u or er.
_ARPABET = {
    "tS": "ch", "dZ": "jh", "ts": "s", "dz": "z", "tc": "ch", "dj": "jh", "S": "sh", "Z": "zh", "C": "hh",
    "s.": "sh", "z.": "zh", "p": "p", "b": "b", "m": "m", "f": "f", "v": "v", "F": "f", "T": "th", "D": "dh",
    "t": "t", "d": "d", "k": "k", "g": "g", "N": "ng", "x": "hh", "G": "g", "q": "k", "h": "hh", "c": "k",
    "X": "hh", "Q": "g", "J^": "jh", "B": "v", "s": "s", "z": "z", "n": "n", "l": "l", "L": "l", "J": "n",
    "r": "r", "R": "r", "*": "r", "3": "er", "j": "y", "w": "w", "aI": "ay", "aU": "aw", "a": "aa", "A": "aa",
    "V": "ah", "&": "ae", "e": "ey", "E": "eh", "@": "ah", "i": "iy", "I": "ih", "y": "uw", "Y": "uw",
    "oU": "ow", "o": "ow", "O": "ao", "0": "aa", "u": "uw", "U": "uh", "W": "er", "2": "er", "9": "er",
}  # fmt: skip


def arpabet(phone: str) -> str | None:
    """The ARPAbet phone nearest an espeak-ng phone; None for a pause or a stress mark."""
    best = espeak_prefix(phone, _ARPABET)
    return _ARPABET[best] if best is not None else None


def spell(text: str, voice: str, espeak) -> list[tuple[str, str]] | None:
    """(espeak-ng phone, nearest ARPAbet phone) of each sound in `text` as espeak-ng's `voice`
    says it; None when one of its phones has no mouth in visemes.py (Swedish 8, ...)."""
    _, _, phones = espeak.synth(text, voice)
    try:
        said = [(p, arpabet(p)) for p, _, _ in phones if espeak_viseme(p) != "sil"]
    except ValueError:
        return None
    return [(p, a) for p, a in said if a] or None


def _pauses_are_quiet(audio: np.ndarray, phones) -> bool:
    """Reject alignments that put a long pause over speech (a transcript that does not match
    the recording): their targets would teach the net to rest while someone talks."""
    _, level = features(audio)
    speech = np.percentile(level, 90)
    for name, start, end in phones:
        inside = level[int((start + 0.1) * FRAME_RATE) : int((end - 0.05) * FRAME_RATE)]
        if (
            name == "pau"
            and end - start >= 0.25
            and len(inside)
            and np.median(inside) > speech - _PAUSE_BELOW_SPEECH_DB
        ):
            return False
    return True


def load_recording(wav: Path) -> np.ndarray:
    return read_audio(wav)

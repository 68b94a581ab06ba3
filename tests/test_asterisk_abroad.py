"""The asterisk prompts in Spanish, Italian, Russian and French (data/asterisk_abroad.py): which
prompts are kept, and a real Italian prompt's phones forced onto it through espeak-ng's Italian
(real.align_foreign)."""

import shutil

import numpy as np
import pytest

from engine.speech.audio_file import read_audio
from engine.speech_training.data import asterisk_abroad, real
from engine.speech_training.data.real_zh import level_db

needs_prompts = pytest.mark.skipif(
    not all(asterisk_abroad.transcripts(lang).exists() for lang in asterisk_abroad.SPEAKERS),
    reason="asterisk-core-sounds-{es,fr,it,ru} and their -g722 are not installed: scripts/setup.sh",
)
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
CARLO = asterisk_abroad.SOUNDS / "it_IT_m_Carlo"


def _said(name: str) -> str:
    return dict((wav.stem, text) for wav, text in asterisk_abroad.prompts("it"))[name]


@needs_prompts
def test_french_is_held_out_whole_and_the_other_languages_train():
    found = asterisk_abroad.recordings()
    splits = {lang: {s for lang2, s, _, _ in found if lang2 == lang} for lang in asterisk_abroad.SPEAKERS}
    assert splits == {"es": {"train"}, "it": {"train"}, "ru": {"train"}, "fr": {"heldout"}}
    assert all(sum(lang2 == lang for lang2, *_ in found) > 300 for lang in asterisk_abroad.SPEAKERS)
    assert all(wav.exists() and wav.suffix == ".g722" for _, _, wav, _ in found)
    assert len({wav for _, _, wav, _ in found}) == len(found)  # a name listed twice is left out
    texts = [text for *_, text in found]
    assert not any("[" in t for t in texts)  # "[toni ascendenti]" describes a tone, nobody says it
    assert not any(t.startswith("conf-adminmenu") for t in texts)  # a line that repeats its name loses it
    # the recordings decode as 16 kHz wideband speech, not the 8 kHz telephone copies
    audio = read_audio(CARLO / "agent-pass.g722")
    assert 2.0 < len(audio) / 16000 < 8.0
    spectrum = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / 16000)
    assert spectrum[(freqs > 4500) & (freqs < 7000)].sum() > 1e-3 * spectrum.sum()


@needs_prompts
@needs_espeak
def test_an_italian_prompt_aligns_its_closures_to_the_quiet_between_vowels():
    pytest.importorskip("pocketsphinx")
    from engine.speech_training.data.espeak import Espeak

    audio = read_audio(CARLO / "conf-getconfno.g722")
    text = _said("conf-getconfno")  # "Prego digitare il proprio numero di conferenza seguito dal tasto cancelletto."
    phones = real.align_foreign(audio, text, asterisk_abroad.SPEAKERS["it"][1], Espeak())
    assert phones is not None
    assert all(abs(a[2] - b[1]) < 1e-6 for a, b in zip(phones, phones[1:]))  # they tile the recording
    assert phones[-1][2] <= len(audio) / 16000 + 0.01
    db = level_db(audio, hop=0.01)

    def loudness(s, e):
        return float(np.median(db[int(s * 100) : max(int(s * 100) + 1, int(e * 100))]))

    vowels = set("aeiouE")
    gaps = [
        loudness(now[1], now[2]) - min(loudness(*before[1:]), loudness(*after[1:]))
        for before, now, after in zip(phones, phones[1:], phones[2:])
        if now[0] in ("p", "b", "t", "d", "k", "g") and before[0][0] in vowels and after[0][0] in vowels
    ]
    assert len(gaps) >= 4  # "prego digitare il proprio ... seguito dal tasto cancelletto"
    assert np.median(gaps) < -10  # a stop's closure is quiet against the vowels beside it


@needs_prompts
@needs_espeak
def test_another_prompts_text_is_refused():
    pytest.importorskip("pocketsphinx")
    from engine.speech_training.data.espeak import Espeak

    espeak, voice = Espeak(), asterisk_abroad.SPEAKERS["it"][1]
    audio = read_audio(CARLO / "conf-getconfno.g722")
    assert real.align_foreign(audio, _said("conf-getconfno"), voice, espeak) is not None
    assert real.align_foreign(audio, _said("auth-thankyou"), voice, espeak) is None  # "Grazie." for a sentence
    assert real.align_foreign(audio, _said("conf-adminmenu"), voice, espeak) is None  # a menu far longer

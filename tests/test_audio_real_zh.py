"""Real Mandarin in the speech eval: the sentences' espeak-ng + DTW alignment, the syllables'
onsets, and the two eval groups they make (engine/speech_training/data/real_zh.py)."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.speech.features import SAMPLE_RATE
from engine.speech_training import eval as speech_eval
from engine.speech_training.data import real_zh
from engine.speech_training.metrics import pauses

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing: scripts/setup.sh")


def _needs(what: str) -> None:
    gone = [line for line in real_zh.missing() if what in line]
    if gone:
        pytest.skip(f"real Mandarin not fetched: {'; '.join(gone)}")


@pytest.fixture(scope="module")
def sentences():
    pytest.importorskip("pypinyin")
    _needs("real-zh")
    return real_zh.sentences()


@pytest.fixture(scope="module")
def syllables():
    _needs("gcin-voice")
    return real_zh.syllable_clips()


def _inside_and_ordered(clip):
    duration = len(clip.audio) / SAMPLE_RATE
    assert all(0 <= s.start <= s.end <= duration for s in clip.segments), clip.name
    assert all(a.end <= b.start + 1e-6 for a, b in zip(clip.segments, clip.segments[1:])), clip.name


def test_sentences_align_every_phone_inside_the_speech_and_leave_pauses_quiet(sentences):
    from engine.speech.visemes import to_visemes
    from engine.speech_training.data.espeak import Espeak
    from engine.voices.text import pinyin

    assert [c.text for c in sentences] == [s.characters for s in real_zh.SENTENCES]
    espeak = Espeak()
    for clip in sentences:
        _inside_and_ordered(clip)
        _, _, phones = espeak.synth(pinyin(clip.text), real_zh.VOICE)
        said = [v for v in to_visemes("espeak", [p for p, _, _ in phones])[0] if v != "sil"]
        assert [s.viseme for s in clip.segments if s.viseme != "sil"] == said  # every phone, in order
        start, end = real_zh.speech_span(clip.audio)
        assert clip.segments[0].start == pytest.approx(start) and clip.segments[-1].end == pytest.approx(end)
        # the lead-in and tail are pauses, and no speech sound is left over a pause of the recording
        found = pauses(clip.segments, len(clip.audio) / SAMPLE_RATE)
        assert found[0][0] == 0 and found[-1][1] == pytest.approx(len(clip.audio) / SAMPLE_RATE)
        for a, b in real_zh.recorded_pauses(clip.audio, start, end):  # (a phone squeezed to nothing has no sound)
            sounding = [s for s in clip.segments if s.viseme != "sil" and s.end > s.start + 1e-6]
            assert not [s for s in sounding if s.start < b - 1e-6 and s.end > a + 1e-6]
    f5 = sentences[-1]  # "对，这就是我，万人敬仰的太乙真人。": a pause at each comma
    inner = [(a, b) for a, b in pauses(f5.segments, len(f5.audio) / SAMPLE_RATE)[1:-1]]
    assert len(inner) >= 2 and inner[0][0] < 1.0 < inner[0][1] and inner[1][0] < 2.5 < inner[1][1]
    # "tai" (太) starts with its burst, heard where the dramatic pause before it ends
    t = [s for s in f5.segments if s.viseme == "DD"][-1]
    assert inner[-1][1] == pytest.approx(t.start, abs=0.03)


def test_syllables_are_balanced_and_each_initial_sits_on_its_energy_rise(syllables):
    assert len(syllables) == 8 and {c.name.split("-")[1] for c in syllables} == set(real_zh.SPEAKERS)
    initials = []
    for clip in syllables:
        _inside_and_ordered(clip)
        words = clip.text.split()
        assert len(words) == 6
        level = real_zh.level_db(clip.audio)
        starts = [k for k, s in enumerate(clip.segments) if k == 0 or s.start - clip.segments[k - 1].end > 0.3]
        assert len(starts) == len(words)  # one initial after every 0.6 s gap
        for k, word in zip(starts, words):
            first, after = clip.segments[k], clip.segments[k + 1]
            # the onset, back from where each initial's segment sits
            onset = first.end - 0.01 if word[0] in "bp" else first.start - (0.035 if word[0] == "m" else 0.02)
            initials.append(first.viseme)
            assert first.viseme == ("PP" if word[0] in "bpm" else {"d": "DD", "t": "DD", "n": "nn"}.get(word[0], "kk"))
            assert after.viseme not in ("sil", "PP") and after.start == pytest.approx(first.end)
            assert after.open_vowel == (word[1] == "a")  # a, ai, ao open the jaw as in the corpus
            i = int(onset / 0.005)
            before, rising = level[max(0, i - 8) : i - 1].max(), level[i + 1 : i + 12].max()
            assert rising > before + 15, (clip.name, word, before, rising)
    assert initials.count("PP") == 24 and len(initials) == 48


def test_eval_scores_both_mandarin_groups_held_out(sentences, syllables, monkeypatch):
    monkeypatch.setattr(speech_eval, "load_corpus", lambda split: [])
    monkeypatch.setattr(speech_eval.real_zh, "sentences", lambda: sentences)
    monkeypatch.setattr(speech_eval.real_zh, "syllable_clips", lambda: syllables)
    groups: dict[str, list] = {}
    for clip in speech_eval.clips():
        groups.setdefault(clip.group, []).append(clip)
    assert len(groups["real zh"]) == 3 and len(groups["real zh syllables"]) == 8
    assert {c.lang for c in groups["real zh"] + groups["real zh syllables"]} == {"zh-real"}
    # no training path reads them
    training = Path(speech_eval.__file__).parent
    for name in ("train.py", "data/corpus.py", "data/__main__.py"):
        assert "real_zh" not in (training / name).read_text()


def test_pinyin_of_gcin_folders():
    assert real_zh.pinyin_of("ㄅㄚ") == "ba1" and real_zh.pinyin_of("ㄇㄧㄠ4") == "miao4"
    assert real_zh.pinyin_of("ㄎㄨㄟ2") == "kui2" and real_zh.pinyin_of("ㄋㄢ2") is None  # a nasal coda
    assert real_zh.pinyin_of("ㄓㄚ") is None  # zh: not an initial this set measures


def test_dtw_follows_a_stretched_copy():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(40, 3))
    b = np.repeat(a, [1, 2] * 20, axis=0)  # every other frame doubled
    path = real_zh.dtw_path(a, b)
    assert path[0].tolist() == [0, 0] and path[-1].tolist() == [39, 59]
    assert np.all(np.diff(path, axis=0) >= 0)
    starts = {i: j for i, j in path[::-1]}  # each frame of a meets its first copy in b
    assert all(b[starts[i]].tolist() == a[i].tolist() for i in range(40))

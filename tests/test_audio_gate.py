"""The voice gate: the shipped net's face rests through room tone, line noise, hum, clicks and
breaths, eases to rest soon after speech, still speaks quiet and noisy speech, and streams
exactly as it runs offline. Noise is made by channel.py (real ffmpeg codecs, not mocks)."""

import shutil

import numpy as np
import pytest

from engine.speech_training import channel
from engine.speech_training.data import real
from engine.speech.audio_file import read_audio
from engine.speech.coarticulation import audio_curves
from engine.speech.features import SAMPLE_RATE, StreamingFeatures
from engine.speech.gate import DECIDED, HOLD, RAMP, VoiceGate
from engine.speech_training.metrics import bilabial_closures, jitter, open_vowel_jaw
from engine.speech.runtime import DELAY, load
from engine.speech.stream import SpeechStream, infer
from engine.speech.visemes import DRIVEN, aperture
from speech_clips import flite_clip

pytestmark = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
SENTENCE = "Bob may move the map. Papa bought a big blue bag."


@pytest.fixture(scope="module")
def net():
    return load()


@pytest.fixture(scope="module")
def speech():
    """flite's rms voice (held out of training) at -22 dBFS, and where its speech starts and ends."""
    audio, segments = flite_clip(SENTENCE, "rms")
    spoken = [s for s in segments if s.viseme != "sil"]
    return channel.at_level(audio, -22), spoken[0].start, spoken[-1].end, segments


def _at_rest(curves: np.ndarray) -> bool:
    """Rest: lips shut and every driven channel near zero (not a jaw hanging open under
    closed lips, the "humming" face)."""
    return bool(aperture(curves).max() <= 0.1 and curves[:, list(DRIVEN)].max() <= 0.05)


def _frames(t0: float, t1: float) -> slice:
    return slice(int(np.ceil(t0 * 100)), int(np.floor(t1 * 100)))


def test_rest_through_room_tone_then_speech_then_telephone_line_noise(net, speech):
    """The issue's test: 5 s of room tone, speech over it, then 5 s of a telephone line's own
    noise through a mu-law codec; the running-spectrum normalisation meets the room tone first."""
    audio, start, end, _ = speech
    rng = np.random.default_rng(0)
    tone = 5 * SAMPLE_RATE
    clip = np.concatenate([np.zeros(tone, np.float32), audio])
    clip = clip + channel.at_level(channel.room_tone(len(clip), rng), -55)
    line = channel.codec(channel.at_level(channel.line_noise(5 * SAMPLE_RATE, rng), -45), "mulaw")
    curves = infer(np.concatenate([clip, line]), net)
    assert _at_rest(curves[_frames(0.0, 5.0 + start - 0.1)])
    assert _at_rest(curves[_frames(5.0 + end + 0.15, 10.0 + len(audio) / SAMPLE_RATE)])
    assert aperture(curves[_frames(5.0 + start, 5.0 + end)]).max() > 0.3  # it still speaks


def test_rest_through_hum_clicks_and_breaths_then_speech(net, speech):
    """Mains hum with harmonics, a fan's pink noise, clicks and in-breaths for 6 s: rest; then
    the speech that follows opens the mouth and seals its p/b/m."""
    audio, start, end, segments = speech
    rng = np.random.default_rng(1)
    n = 6 * SAMPLE_RATE
    bed = (channel.at_level(channel.hum(n, rng, 50.0), -42) + channel.at_level(channel.pink(n, rng), -58)
           + 10 ** (-20 / 20) * channel.clicks(n, rng, 3.0) + 10 ** (-40 / 20) * channel.breaths(n, rng, 1.5))
    tail = channel.at_level(channel.hum(len(audio), rng, 50.0), -42)
    curves = infer(np.concatenate([bed, audio + tail]).astype(np.float32), net)
    assert _at_rest(curves[:_frames(0, 6.0 + start - 0.1).stop])
    spoken = curves[6 * 100:]  # frame 0 is where the speech starts
    closed, total = bilabial_closures(spoken, segments, fps=100)
    assert total >= 8 and closed >= total - 1
    assert aperture(spoken).max() > 0.3


def test_rest_within_150_ms_of_the_end_of_speech(net, speech):
    audio, _, end, _ = speech
    rng = np.random.default_rng(2)
    clip = np.concatenate([audio, np.zeros(SAMPLE_RATE, np.float32)])
    clip = clip + channel.at_level(channel.room_tone(len(clip), rng), -60)
    curves = infer(clip, net)
    assert _at_rest(curves[_frames(end + 0.15, len(clip) / SAMPLE_RATE)])
    assert (HOLD + RAMP) * 10 <= 150 - 40  # the gate's own part, with room for the features' smoothing


@pytest.mark.parametrize("level, snr", [(-45, 30), (-22, 15)])
def test_quiet_and_noisy_speech_still_moves_the_mouth(net, speech, level, snr):
    """Low level and noise must not gate or flatten the speech: the mouth opens past 0.15 on at
    least 80% as many of its frames as the targets do on the clean sentence (whose p/b/m keep
    them shut on most frames: about 0.3 open)."""
    audio, start, end, segments = speech
    noisy = channel.add_noise(channel.at_level(audio, level), channel.pink(len(audio), np.random.default_rng(3)), snr)
    opened = (aperture(infer(noisy, net)[_frames(start, end)]) > 0.15).mean()
    target = (aperture(audio_curves(audio, segments)[_frames(start, end)]) > 0.15).mean()
    assert target > 0.2 and opened >= 0.8 * target


def test_noisy_speech_eases_instead_of_flickering(net, speech):
    """Pink noise at 10 dB shuts the gate on some of the speech's quieter stretches; there the
    mouth must ease shut and open, not snap: its jerk (RMS second difference of the mouth
    channels) stays within the issue's 1.2x the targets' on the clean sentence. Easing over 40 ms
    gave 1.6x here."""
    audio, start, end, segments = speech
    noisy = channel.add_noise(audio, channel.pink(len(audio), np.random.default_rng(3)), 10)
    curves = infer(noisy, net)
    assert aperture(curves[_frames(start, end)]).max() > 0.3  # it speaks, so the jerk is measured on motion
    assert jitter(curves) <= 1.2 * jitter(audio_curves(audio, segments)[: len(curves)])


def test_a_voice_floor_rests_through_a_television_behind_the_speaker(net, speech):
    """A real reader (pocketsphinx-testdata's LibriVox recording) talks on at -48 dBFS, 26 dB
    under the speaker, for 3 s before the speech, under it and 3 s after: the gate takes that
    for speech (no level rule tells it from a quiet speaker); with `voice_floor` above it the
    face rests before and after, and the speech opens and seals as over silence."""
    tv = real.TESTDATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
    if not tv.exists():
        pytest.skip("pocketsphinx-testdata is not installed")
    audio, start, end, segments = speech
    pad = np.zeros(3 * SAMPLE_RATE, np.float32)
    clip = np.concatenate([pad, audio, pad])
    clip = clip + channel.at_level(np.resize(read_audio(tv), len(clip)), -48)
    before, after = _frames(0.0, 3.0 + start - 0.1), _frames(3.0 + end + 0.15, len(clip) / SAMPLE_RATE)
    heard = infer(clip, net)
    assert aperture(heard[before]).max() > 0.3  # the default floor (-60 dBFS) lets the television speak
    floored = infer(clip, net, voice_floor=-35)
    assert _at_rest(floored[before]) and _at_rest(floored[after])
    spoken = floored[3 * 100:]
    closed, total = bilabial_closures(spoken, segments, fps=100)
    assert total >= 8 and closed >= total - 1
    alone = infer(np.concatenate([pad, audio, pad]), net)[3 * 100:]
    opened = (aperture(spoken[_frames(start, end)]) > 0.15).mean()
    assert opened >= 0.9 * (aperture(alone[_frames(start, end)]) > 0.15).mean()


def test_the_gate_decides_within_the_nets_lookahead():
    assert DECIDED == DELAY


def test_gate_streams_exactly_as_offline(speech):
    audio, *_ = speech
    rng = np.random.default_rng(4)
    clip = np.concatenate([np.zeros(SAMPLE_RATE, np.float32), audio, np.zeros(SAMPLE_RATE, np.float32)])
    clip = clip + channel.at_level(channel.room_tone(len(clip), rng), -50)
    logmel, level, periodicity = StreamingFeatures().push_voiced(clip)
    whole = VoiceGate().push(logmel, level, periodicity)
    gate, parts, i = VoiceGate(), [], 0
    while i < len(level):
        n = int(rng.integers(0, 40))
        parts.append(gate.push(logmel[i:i + n], level[i:i + n], periodicity[i:i + n]))
        i += n
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert len(whole) == len(level) - DECIDED
    assert 0.2 < whole.mean() < 0.8 and whole.min() == 0 and whole.max() == 1


def test_streamed_speech_in_noise_equals_offline(net, speech):
    """The whole stream, net and gate, pushed in uneven chunks gives the offline curves."""
    audio, *_ = speech
    rng = np.random.default_rng(5)
    clip = np.concatenate([audio, np.zeros(SAMPLE_RATE // 2, np.float32), audio, np.zeros(SAMPLE_RATE, np.float32)])
    clip = channel.add_noise(clip, channel.line_noise(len(clip), rng), 20)
    offline = infer(clip, net)
    stream, parts, i = SpeechStream(net), [], 0
    while i < len(clip):
        n = int(rng.integers(1, 3000))
        parts.append(stream.push(clip[i:i + n]))
        i += n
    parts.append(stream.flush())
    np.testing.assert_allclose(np.concatenate(parts), offline, atol=1e-5)
    assert aperture(offline).max() > 0.3 and _at_rest(offline[-20:])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="the same frames"):
        VoiceGate().push(np.zeros((3, 80)), np.zeros(3), np.zeros(2))
    for floor in (0.0, 3.0, -101.0, float("nan")):
        with pytest.raises(ValueError, match="voice_floor must be dBFS"):
            VoiceGate(floor)


def test_room_tone_first_leaves_the_speech_as_it_was(net, speech):
    """The running spectrum meets 5 s of room tone before the voice: the speech that follows is
    lip-synced as it is with the room tone only under it (same closures, same open jaw)."""
    audio, _, _, segments = speech
    rng = np.random.default_rng(6)
    lead = 5 * SAMPLE_RATE
    tone = channel.at_level(channel.room_tone(lead + len(audio), rng), -55)
    late = infer(np.concatenate([np.zeros(lead, np.float32), audio]) + tone, net)[lead // 160:]
    alone = infer(audio + tone[lead:], net)
    n = min(len(late), len(alone))
    assert bilabial_closures(late[:n], segments, fps=100) == bilabial_closures(alone[:n], segments, fps=100)
    jaw = [open_vowel_jaw(c[:n], segments, fps=100).mean() for c in (late, alone)]
    assert abs(jaw[0] - jaw[1]) < 0.1 * jaw[1] and jaw[1] > 0.2

"""`mic:`: the live block-processing part with real speech at a device's rate, the opener's
errors on a machine without a microphone, and the whole source on a real capture device (a
private PulseAudio daemon's null sink, whose monitor PortAudio opens as an input)."""

import shutil
import subprocess
import threading
import time

import numpy as np
import pytest
from scipy.signal import resample_poly

from engine import arkit
from engine.speech.audio_file import read_audio, resample_to_16k
from engine.speech.features import FRAME_RATE, features
from engine.drivers.audio.mic import LiveSpeech, MicSource
from engine.speech.runtime import DELAY, LOOKAHEAD_S, load
from engine.speech.stream import infer
from engine.speech.visemes import aperture
from engine.mixer import LayerRule
from engine.pipeline import OfflineClock, RealtimeClock
from engine.registry import open_source
from pulse_mic import pulse_mic, speech_wav  # noqa: F401 (pulse_mic: fixture)

RATE = 48000
#: The most the live resampler (soxr's low-delay engine) holds back at 48 kHz between pushes of
#: 10-50 ms: a steady 12.5 ms (`bench audio_decode`).
RESAMPLER_HOLDS_S = 0.013


@pytest.fixture(scope="module")
def net():
    return load()


@pytest.fixture(scope="module")
def speech():
    """espeak-ng's English at 48 kHz, as a sound card would deliver it."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from engine.speech_training.data.espeak import Espeak

    audio, rate, _ = Espeak().synth("Bob ate a big apple, and we saw the moon.", "en-us")
    return resample_poly(audio, RATE, rate).astype(np.float32)


def _blocks(x, seed=0):
    """10-50 ms blocks, as a device's callback hands them over."""
    rng, i = np.random.default_rng(seed), 0
    while i < len(x):
        n = int(rng.integers(RATE // 100, RATE // 20 + 1))
        yield x[i:i + n]
        i += n


def test_blocks_at_48khz_give_the_offline_curves_within_the_lookahead(speech, net):
    live = LiveSpeech(RATE, net)
    offline = infer(resample_to_16k(speech, RATE, low_delay=True), net)
    parts, fed = [], 0
    for block in _blocks(speech):
        live.feed(block)
        fed += len(block)
        parts.append(live.process()[1])
        done = sum(len(p) for p in parts)
        # frame k needs audio to k * 10 ms + 80 ms, plus what the resampler holds back
        assert done >= int((fed / RATE - LOOKAHEAD_S - RESAMPLER_HOLDS_S) * FRAME_RATE)
    streamed = np.concatenate(parts)
    # all but the frames only the end reveals and those the resampler still holds
    assert len(offline) - DELAY - 1 - int(RESAMPLER_HOLDS_S * FRAME_RATE) <= len(streamed) <= len(offline) - DELAY
    np.testing.assert_allclose(streamed, offline[:len(streamed)], atol=1e-4)
    assert aperture(streamed).max() > 0.15 and live.dropped == 0


def test_a_voice_floor_holds_speech_under_it_at_rest_live(speech, net):
    """`mic:?voice_floor=` reaches the live stream's gate: the same speech lip-syncs with the
    floor under it and rests with the floor over its loudest frames; a bad floor is refused
    before any device is looked for."""
    def shown(floor):
        live, parts = LiveSpeech(RATE, net, voice_floor=floor), []
        for block in _blocks(speech):
            live.feed(block)
            parts.append(live.process()[1])
        return np.concatenate(parts)

    loudest = float(features(resample_to_16k(speech, RATE))[1].max())  # the frame level the gate compares
    assert aperture(shown(loudest - 25)).max() > 0.15
    assert aperture(shown(min(-1.0, loudest + 3))).max() == 0
    with pytest.raises(ValueError, match="mic:default: voice_floor must be dBFS"):
        open_source("mic:?voice_floor=2")


def test_a_stalled_consumer_drops_the_oldest_audio_not_the_newest(speech, net):
    live = LiveSpeech(RATE, net, queue_seconds=0.5)
    silence = np.zeros(3 * RATE, np.float32)
    for block in _blocks(np.concatenate([silence, speech[:RATE]])):  # 4 s fed, nothing taken
        live.feed(block)
        assert live.backlog <= 0.5
    assert live.dropped > 0 and live.backlog > 0.45
    samples, out = live.process()
    assert 0.45 * RATE < len(samples) <= 0.5 * RATE  # the samples processed are those that survived
    assert len(out) <= 0.5 * FRAME_RATE  # half a second of audio survived, no more
    assert aperture(out).max() > 0.15  # and it was the speech at the end, not the silence before


def test_bad_blocks_and_settings_are_clear_errors(net):
    live = LiveSpeech(RATE, net)
    with pytest.raises(ValueError, match="1 NaN or inf"):
        live.feed(np.array([0.0, np.nan, 0.1], np.float32))
    with pytest.raises(ValueError, match="sample rate"):
        LiveSpeech(0, net)
    with pytest.raises(ValueError, match="queue_seconds"):
        LiveSpeech(RATE, net, queue_seconds=0)
    live.feed(np.zeros((480, 2), np.float32))  # stereo is averaged
    assert live.backlog == pytest.approx(0.01)


class _Playback:
    """Stands in for a sound card (there is none here): plays blocks in real time on a thread."""

    def __init__(self, live, audio):
        self.live, self.audio, self._stop = live, audio, threading.Event()
        self._thread = threading.Thread(target=self._play, daemon=True)

    def _play(self):
        start = time.perf_counter()
        for i in range(0, len(self.audio), RATE // 100):
            if self._stop.wait(max(0.0, start + i / RATE - time.perf_counter())):
                return
            self.live.feed(self.audio[i:i + RATE // 100])

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def close(self):
        pass


def test_mic_source_publishes_live_frames_on_the_pipeline_clock(speech, net):
    live, audio = LiveSpeech(RATE, net), speech[:2 * RATE]
    src = MicSource(live, _Playback(live, audio), LayerRule("mic:test", priority=30), "mic:test")
    with pytest.raises(ValueError, match="live only"):
        src.start(OfflineClock(100, 1.0))
    clock = RealtimeClock(100, None)
    src.start(clock)
    try:
        seen, deadline = [], time.perf_counter() + len(audio) / RATE
        while time.perf_counter() < deadline:
            t = clock.now()
            frame = src.frame_at(t)
            if frame is not None:
                assert frame.t <= t and t - frame.t < 0.25  # fresh (a loaded machine may lag), never ahead
                seen.append(aperture(frame.weights))
            time.sleep(0.01)
    finally:
        src.stop()
    assert len(seen) > 0.8 * len(audio) / RATE * 100 and max(seen) > 0.15


def test_opening_a_microphone_where_there_is_none_says_what_to_do():
    try:
        import sounddevice as sd

        if any(d["max_input_channels"] > 0 for d in sd.query_devices()):
            pytest.skip("this machine has a microphone")
    except (ImportError, OSError):
        pass  # no sounddevice or no PortAudio: the error must say how to install them
    with pytest.raises(ValueError, match=r"mic:default: no microphone: .*(engine\[mic\]|plug one in)"):
        open_source("mic:")
    with pytest.raises(ValueError, match="unknown option"):
        open_source("mic:?gain=2")


def test_mic_lip_syncs_speech_played_into_a_real_capture_device(pulse_mic, net, tmp_path):
    wav = speech_wav(tmp_path)
    offline = infer(read_audio(wav), net)
    src = open_source("mic:pulse")  # as a user names it: part of the device's name
    clock, player = RealtimeClock(100, None), None
    src.start(clock)
    try:
        # a null sink's monitor delivers its first block up to ~2 s after the stream starts
        deadline = time.perf_counter() + 5
        while src.frame_at(clock.now()) is None:
            assert time.perf_counter() < deadline, "mic:pulse: no audio came from the device"
            time.sleep(0.01)
        times, weights = [], []
        t0 = clock.now() + 0.5  # half a second of silence first
        while True:
            t = clock.now()
            if player is None and t >= t0:
                t0, player = t, subprocess.Popen(["paplay", str(wav)], env=pulse_mic)
            times.append(t)
            weights.append(src.frame_at(t).weights)
            if player is not None and player.poll() is not None and t - t0 > len(offline) / FRAME_RATE + 1.5:
                break
            time.sleep(0.005)
    finally:
        src.stop()
        if player is not None:
            player.kill()
            player.wait()
    assert player.returncode == 0
    # what was showing at each 10 ms from the moment paplay was started
    times, weights = np.array(times) - t0, np.array(weights)
    grid = np.arange(-0.4, times[-1], 1 / FRAME_RATE)
    shown = weights[np.searchsorted(times, grid, side="right") - 1]
    before, shown = shown[:40], shown[40:]
    jaw, n = arkit.INDEX["jawOpen"], len(offline)
    corr = [np.corrcoef(shown[lag:lag + n, jaw], offline[:, jaw])[0, 1] for lag in range(int(FRAME_RATE))]
    lag = int(np.argmax(corr))
    during, after = shown[lag:lag + n], shown[lag + n + 30:]  # the net's mouth closes within 0.3 s
    fresh = len({w.tobytes() for w in during})  # distinct frames published while it played
    # measured here: lag 0.10 s (paplay's start, PulseAudio's buffers and the net's 80 ms
    # lookahead), correlation 0.97, ~50 new frames a second, aperture up to 0.69, all at rest after
    assert 0 < lag <= 0.5 * FRAME_RATE and corr[lag] >= 0.8, f"lag {lag} frames, correlation {corr[lag]:.3f}"
    assert fresh >= 0.25 * n, f"{fresh} frames published in {n / FRAME_RATE:.1f} s of speech"
    assert aperture(during).max() > 0.3  # the mouth opens for the vowels
    assert np.mean(aperture(before) <= 0.1) >= 0.9 and np.mean(aperture(after) <= 0.1) >= 0.9

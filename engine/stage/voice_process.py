"""`/say`'s voice and speech net in a process of their own.

Synthesizing a part and running the net on it is a few hundred milliseconds of Python and
numpy, which on the stage's own process competes for the GIL with the pipeline's ticks and the
viewers' sockets. With the sockets' compression off (server.py, the main cause of lost frames),
ten viewers still got 59.5-60.0 frames a second with gaps of 33-50 ms while the stage spoke on
a loaded 2-core machine; with the voice in this process, 60.0-60.3 and 17-33 ms. One worker
process, started and warmed up with the stage, takes the parts in turn and hands back each
one's audio and mouth curves.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from ..drivers.audio.source import Curves, TimedSpeech, follow_phones, speech_curves
from ..speech.audio_file import resample_to_16k
from ..speech.stream import chunks

log = logging.getLogger("engine.stage")

_net = None  # the worker's speech net, loaded by _warm_up


def _warm_up() -> None:
    """In the worker: loads the speech net and the default voices, and runs a word of each
    through the whole path, so the first `/say` does not pay for loading them (seconds)."""
    global _net
    from ..speech.runtime import load

    _net = load()
    for lang, word in (("en", "Hello."), ("zh", "你好。")):
        try:
            _speak(word, lang, None, trim=False)
        except ValueError as exc:  # that language's voices are missing: /say will say so
            log.warning("no %s voice to warm up: %s", lang, exc)


def _ready() -> bool:
    return True


def _speak(text: str, lang: str, voice: str | None, trim: bool) -> tuple[np.ndarray, int, Curves, int]:
    """In the worker: (audio, its rate, the mouth's curves, their 16 kHz samples) of `text`;
    with `trim`, its leading silence cut to a few milliseconds first. The mouth follows the
    voice's own timed phones where it gives them (follow_phones), else the net."""
    from ..voices.tts import synthesize_timed
    from .say import trim_leading_silence

    speech = synthesize_timed(text, lang, voice)
    audio, rate = speech.samples, speech.rate
    if trim:
        audio = trim_leading_silence(audio, rate)
    cut = (len(speech.samples) - len(audio)) / rate
    speech16k = resample_to_16k(audio, rate)
    curves, samples = speech_curves(chunks(speech16k), _net)
    if speech.visemes:
        follow_phones(curves, speech16k, [TimedSpeech([s.shifted(-cut) for s in speech.visemes])])
    return audio, rate, curves, samples


class VoiceProcessDied(RuntimeError):
    pass


class VoiceProcess:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Starts the worker and waits for its warm-up (a few seconds)."""
        context = multiprocessing.get_context("spawn")  # a clean process, whatever threads run here
        self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_warm_up)
        self._pool.submit(_ready).result()

    def speak(self, text: str, lang: str, voice: str, trim: bool) -> tuple[np.ndarray, int, Curves, int]:
        """What `_speak` gives, from the worker; the voice's own errors (ValueError) come
        through as they are. A worker that died is replaced by the next call, and this part fails saying so."""
        if self._pool is None:
            self.start()
        assert self._pool is not None
        try:
            return self._pool.submit(_speak, text, lang, voice, trim).result()
        except BrokenProcessPool:
            log.warning("the voice process died; starting another")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            raise VoiceProcessDied("the voice process died while speaking this; the next /say starts another") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

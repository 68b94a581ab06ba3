"""espeak-ng through its C library: audio plus each phoneme's start, from the synth callback.

The command line prints no timings, but libespeak-ng reports a phoneme event (mnemonic and
audio position) for every phone when initialised with phoneme events, so the timings are
exact by construction. Mandarin comes in as characters and is spoken by the pinyin voice.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

import numpy as np

_SYNCHRONOUS, _PHONEME_EVENTS, _UTF8, _POS_CHARACTER = 2, 1, 1, 1
_EV_END, _EV_PHONEME = 0, 7
_RATE, _PITCH, _RANGE = 1, 3, 4


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class Espeak:
    """`synth` returns (audio, rate, phones). espeak-ng is process-global, one callback for all:
    each synth holds the library under a lock and points the callback at its own instance, so
    several instances (and threads) never receive each other's audio."""

    _lib: ctypes.CDLL | None = None
    rate: int = 0  # espeak-ng's sample rate, set when the library is initialised
    _lock = threading.Lock()

    def __init__(self) -> None:
        if Espeak._lib is None:
            name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
            try:
                lib = ctypes.CDLL(name)
            except OSError as exc:
                raise RuntimeError(f"espeak-ng's library is missing ({exc}); apt-get install espeak-ng") from None
            Espeak.rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _PHONEME_EVENTS)
            if Espeak.rate <= 0:
                raise RuntimeError("espeak-ng failed to initialise")
            Espeak._lib = lib
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, str]] = []
        self._cb = _CALLBACK(self._on_audio)

    def _on_audio(self, wav, n, events):
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while events[i].type != _EV_END:
            if events[i].type == _EV_PHONEME:
                self._events.append((events[i].audio_position, events[i].id.decode("ascii", "replace")))
            i += 1
        return 0

    def synth(self, text: str, voice: str, words_per_minute: int = 175, pitch: int = 50, pitch_range: int = 50):
        """(float32 audio, sample rate, [(phone, start s, end s)]) for `text` in `voice`;
        `pitch_range` 0 is a monotone, 50 espeak-ng's normal intonation, 100 an emphatic one."""
        if not 0 <= pitch_range <= 100:
            raise ValueError(f"espeak-ng: pitch_range must be 0-100, got {pitch_range}")
        lib = Espeak._lib
        if lib is None:
            raise RuntimeError("espeak-ng is not initialised; make an Espeak() first")
        with Espeak._lock:
            if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            lib.espeak_SetSynthCallback(self._cb)
            lib.espeak_SetParameter(_RATE, int(words_per_minute), 0)
            lib.espeak_SetParameter(_PITCH, int(pitch), 0)
            lib.espeak_SetParameter(_RANGE, int(pitch_range), 0)
            self._chunks, self._events = [], []
            data = text.encode("utf-8") + b"\0"
            lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _UTF8, None, None)
            lib.espeak_Synchronize()
        audio = (np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)).astype(np.float32) / 32768
        end = len(audio) / Espeak.rate
        starts = [(ms / 1000.0, p) for ms, p in self._events]
        phones = [(p, s, starts[k + 1][0] if k + 1 < len(starts) else end) for k, (s, p) in enumerate(starts)]
        return audio, Espeak.rate, [(p, s, e) for p, s, e in phones if e > s]

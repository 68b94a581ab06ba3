"""`audio:FILE` and `tts:TEXT`: the speech net lip-syncs an audio file or synthesized text, and
the brows rise on its pitch accents (prosody.py); a pipeline source that owns the mouth and the
brow raises. (`mic:`, registered here too, is live and moves the mouth only: mic.py.)

Where the phones' times are known, the mouth follows them instead of the net's hearing
(follow_phones): text spoken by a voice that reports them (tts.py), and a file given the
English it says (`audio:FILE?transcript=T.txt`, forced onto it by forced_alignment.py).

The clip is run through the net and the pitch tracker when the source opens (hundreds of times
faster than real time), a file block by block as it is decoded, and only the curves are kept:
float16, on the channels speech drives, 7 KB a second (49 MB for two hours, where the decoded
audio alone would be 460 MB). So every tick, offline or live, is a lookup between two 10 ms
frames.

The layer's default channels are "mouth,brows" (it drives the brow raises among them): with
`channels=mouth` it leaves the brows to the layers beneath, a tracked face's for one.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from ... import arkit
from ...errors import OptionError
from ...frame import FaceFrame
from ...mixer import LayerRule, channel_mask
from ...options import LayerOptions
from ...speech.audio_file import audio_blocks
from ...speech.coarticulation import Segment, audio_curves
from ...speech.features import FRAME_RATE, HOP, SAMPLE_RATE
from ...speech.gate import FLOOR_DB, check_floor
from ...speech.prosody import BROWS, PitchTracker, brows
from ...speech.visemes import DRIVEN

log = logging.getLogger("engine.drivers.audio")

#: The ARKit channels an audio layer drives, the columns of its curves: the net's, then the brows.
CHANNELS = np.array(DRIVEN + BROWS)
LAYER_CHANNELS = "mouth,brows"  # the mixer rule's default


class Curves:
    """Frames of the CHANNELS at 100 fps, float16, kept in the pieces they were computed in:
    never concatenated, so building them never needs room for two copies."""

    def __init__(self):
        self._parts: list[np.ndarray] = []
        self._starts = [0]

    def append(self, part: np.ndarray) -> None:
        """More frames, as the net gives them: (frames, 52) weights."""
        if len(part):
            self._parts.append(part[:, CHANNELS].astype(np.float16))
            self._starts.append(self._starts[-1] + len(part))

    def put_brows(self, values: np.ndarray) -> None:
        """Write (frames, len(BROWS)) values into the brow columns."""
        for part, start in zip(self._parts, self._starts):
            part[:, len(DRIVEN) :] = values[start : start + len(part)]

    def put_mouth(self, first: int, weights: np.ndarray) -> None:
        """Write (frames, 52) weights' mouth channels over the frames from `first` on."""
        last = min(first + len(weights), len(self))
        for part, start in zip(self._parts, self._starts):
            a, b = max(first, start), min(last, start + len(part))
            if a < b:
                part[a - start : b - start, : len(DRIVEN)] = weights[a - first : b - first][:, DRIVEN]

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, i: int) -> np.ndarray:
        k = bisect_right(self._starts, i) - 1
        return self._parts[k][i - self._starts[k]]

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self._parts)


def speech_curves(blocks: Iterable[np.ndarray], net=None, voice_floor: float = FLOOR_DB) -> tuple[Curves, int]:
    """The curves of 16 kHz audio given in blocks, and how many samples there were: one pass
    that holds one block at a time (and the pitch track, 8 bytes a frame, for the brows)."""
    from ...speech.stream import SpeechStream  # torch loads only when a pipeline really speaks

    stream, pitch, curves, track, samples = SpeechStream(net, voice_floor), PitchTracker(), Curves(), [], 0
    for block in blocks:
        samples += len(block)
        curves.append(stream.push(block))
        track.append(pitch.push(block))
    curves.append(stream.flush())
    track.append(pitch.flush())
    f0, level = (np.concatenate(column) for column in zip(*track))
    curves.put_brows(brows(f0, level))
    return curves, samples


@dataclass(frozen=True)
class TimedSpeech:
    """A stretch of a clip whose phones are known (speech the engine synthesized): its timed
    visemes, in seconds of the clip."""

    visemes: list[Segment]


def follow_phones(curves: Curves, audio: np.ndarray, timed: list[TimedSpeech]) -> None:
    """Lay the mouth of each timed stretch of 16 kHz `audio` over `curves` (the net's): its
    visemes through the coarticulation model, the net's own training targets, so every p/b/m
    seals and an n/d/k shuts the lips only where those targets do, where the net would guess.

    Stretches are cut at every pause of PAUSE_CUT or more (where the model's mouth is at rest
    anyway), so the work and memory stay those of one sentence however long the text; each
    piece reaches halfway into the pauses beside it, where the net's mouth is at rest too."""
    runs = sorted((run for t in timed for run in _runs(t.visemes)), key=lambda run: run[0].start)
    for k, run in enumerate(runs):
        start, end = run[0].start, max(s.end for s in run)
        before = max(s.end for s in runs[k - 1]) if k else 0.0
        after = runs[k + 1][0].start if k + 1 < len(runs) else len(curves) / FRAME_RATE
        first = max(0, int(np.floor((start + before) / 2 * FRAME_RATE))) if k else 0
        last = min(len(curves), int(np.ceil((end + after) / 2 * FRAME_RATE)))
        if last <= first:
            continue
        shift = first / FRAME_RATE
        segments = [s.shifted(-shift) for s in run]
        curves.put_mouth(first, audio_curves(audio[first * HOP : last * HOP], segments))


PAUSE_CUT = 0.3  # seconds between phones where a timed stretch is cut


def _runs(visemes: list[Segment]) -> list[list[Segment]]:
    """`visemes` in runs without a pause of PAUSE_CUT or more inside."""
    runs: list[list[Segment]] = []
    reach = -np.inf
    for s in sorted(visemes, key=lambda s: s.start):
        if not runs or s.start - reach >= PAUSE_CUT:
            runs.append([])
        runs[-1].append(s)
        reach = max(reach, s.end)
    return runs


class AudioSource:
    """Face frames for an audio clip's media time; nothing after its end (the layer fades)."""

    #: A file's samples read again, as 16 kHz blocks, for a sink that plays them (the stage's
    #: page); None for a clip given as samples.
    replay: Callable[[], Iterator[np.ndarray]] | None = None

    def __init__(
        self,
        audio: np.ndarray | Iterable[np.ndarray],
        rule: LayerRule | None = None,
        net=None,
        start: float = 0.0,
        timed: list[TimedSpeech] | None = None,
        voice_floor: float = FLOOR_DB,
    ):
        """`audio`: 16 kHz mono float32 samples, one array or an iterable of blocks (`from_file`
        streams a file so); `start`: the pipeline time the clip begins at (before it, the layer
        is off); `timed`: stretches of an array whose phones are known, which the mouth follows
        (follow_phones); `voice_floor`: dBFS under which nothing is speech (gate.py)."""
        if not (start >= 0 and np.isfinite(start)):
            raise OptionError(f"audio: start must be seconds >= 0, got {start}")
        from ...speech.stream import chunks

        curves, samples = speech_curves(chunks(audio) if isinstance(audio, np.ndarray) else audio, net, voice_floor)
        if timed:
            if not isinstance(audio, np.ndarray):
                raise TypeError("audio: timed phones need the clip as one array")
            follow_phones(curves, audio, timed)
        self._bind(curves, samples, rule, start)

    @classmethod
    def from_curves(cls, curves: Curves, samples: int, rule: LayerRule | None = None) -> AudioSource:
        """A clip of `samples` 16 kHz samples whose curves were computed elsewhere (the stage's
        voice process, speech_curves)."""
        source = cls.__new__(cls)
        source._bind(curves, samples, rule, 0.0)
        return source

    def _bind(self, curves: Curves, samples: int, rule: LayerRule | None, start: float) -> None:
        self.start_at = float(start)
        self.curves = curves
        self.duration = self.start_at + samples / SAMPLE_RATE
        self.rule = rule or LayerRule("audio", priority=30, channels=channel_mask(LAYER_CHANNELS), head=False)
        self.name = self.rule.name
        self._mask = np.zeros(arkit.COUNT, bool)
        self._mask[CHANNELS] = True

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        rule: LayerRule | None = None,
        net=None,
        start: float = 0.0,
        voice_floor: float = FLOOR_DB,
    ) -> AudioSource:
        """Any audio file (audio_file.py reads them), decoded block by block: memory holds one
        block and the curves, however long the file. Bad files raise ValueError naming them."""
        source = cls(audio_blocks(path), rule, net, start, voice_floor=voice_floor)
        source.replay = partial(audio_blocks, path)
        return source

    def start(self, clock) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame | None:
        if t < self.start_at or t >= self.duration or len(self.curves) == 0:
            return None
        x = min((t - self.start_at) * FRAME_RATE, len(self.curves) - 1)
        i = int(x)
        j, f = min(i + 1, len(self.curves) - 1), np.float32(x - i)
        w = np.zeros(arkit.COUNT, np.float32)
        w[CHANNELS] = self.curves[i] * (1 - f) + self.curves[j] * f
        return FaceFrame(t, np.clip(w, 0.0, 1.0), self._mask, source="audio")

    def stop(self) -> None:
        pass


@dataclass
class SpeechOptions(LayerOptions):
    """Speech owns the mouth (and the brows), above a tracked face, and leaves the head."""

    priority: int | None = 30
    channels: str | None = LAYER_CHANNELS
    head: bool | None = False


@dataclass
class HeardSpeechOptions(SpeechOptions):
    """Speech the net hears (a file, a microphone), not speech the engine synthesized."""

    # dBFS under which nothing is speech: raise it over a television or a call's voices that
    # the microphone hears in the room (the voice gate's absolute floor, gate.py)
    voice_floor: float = FLOOR_DB

    def checked_floor(self, label: str) -> float:
        try:
            return check_floor(self.voice_floor)
        except ValueError as exc:
            raise OptionError(f"{label}: {exc}") from None


@dataclass
class AudioFileOptions(HeardSpeechOptions):
    start: float = 0.0  # the pipeline time the clip begins at, in seconds
    transcript: str | None = None  # a text file of the English said: the mouth follows its words


def open_audio(rest: str, options: AudioFileOptions) -> AudioSource:
    if not rest:
        raise OptionError("audio: name a file, e.g. audio:speech.wav")
    label = f"audio:{rest}"
    source = AudioSource.from_file(
        rest, options.rule(label), start=options.start, voice_floor=options.checked_floor(label)
    )
    if options.transcript:
        follow_transcript(source, rest, options.transcript)
    return source


def follow_transcript(source: AudioSource, audio_path: str, transcript_path: str) -> None:
    """Lay the phones of the transcript, forced onto the file's audio (forced_alignment.py),
    over the mouth the net heard. A transcript file that cannot be read is the caller's error;
    one that does not fit the audio is logged, and the net's mouth stays."""
    from ...speech.audio_file import read_audio
    from ...speech.forced_alignment import align

    try:
        text = Path(transcript_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"audio:{audio_path}: transcript {transcript_path!r} cannot be read: {exc}") from None
    audio = read_audio(audio_path)
    try:
        visemes = align(audio, text)
    except OptionError as exc:
        log.warning("audio:%s: %s; the mouth follows the speech net instead", audio_path, exc)
        return
    follow_phones(source.curves, audio, [TimedSpeech(visemes)])


@dataclass
class MicOptions(HeardSpeechOptions):
    channels: str | None = "mouth"


def open_mic(rest: str, options: MicOptions):
    """`mic:` or `mic:DEVICE`: a microphone, live (mic.py)."""
    from .mic import MicSource, open_microphone

    label = f"mic:{rest or 'default'}"
    rule = options.rule(label)
    live, stream = open_microphone(rest, label, voice_floor=options.checked_floor(label))
    return MicSource(live, stream, rule, label)


@dataclass
class TtsOptions(SpeechOptions):
    lang: str = "en"  # or zh
    voice: str | None = None  # default: the language's (tts.py)


def open_tts(rest: str, options: TtsOptions) -> AudioSource:
    """`tts:Hello there?lang=en` (or lang=zh for Chinese characters; voice=flite:slt ...) spoken
    by the language's default voice (tts.py)."""
    if not rest.strip():
        raise OptionError("tts: give the text, e.g. tts:Hello there")
    audio, timed = synthesized(rest, options.lang, options.voice)
    return AudioSource(audio, options.rule("tts"), timed=timed)


def synthesized(text: str, lang: str, voice: str | None = None) -> tuple[np.ndarray, list[TimedSpeech]]:
    """`text` said by `voice` (tts.py) as 16 kHz samples, and its timed phones where the voice
    gives them: what an AudioSource of it takes."""
    from ...speech.audio_file import resample_to_16k
    from ...voices.tts import synthesize_timed

    speech = synthesize_timed(text, lang, voice)
    return resample_to_16k(speech.samples, speech.rate), [TimedSpeech(speech.visemes)] if speech.visemes else []

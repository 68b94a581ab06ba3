"""What the spokesperson does besides moving its lips: the script's expression and look cues,
emphasis, and a head that moves with the rhythm of the speech.

It is two kinds of pipeline layer, mixed by the runtime's rules with `idle:` beneath (blinks,
saccades) and the speech net above (the mouth):
- one layer per expression the script uses, at priority 40, carrying that expression's
  override rules (a happy face blends the blinks away). Its intensity rides on the frame's
  confidence, so it fades in as its sentence starts and out after it ends. It leaves the
  articulators (jaw, lip closure and shape, tongue) to the speech net, so a smile never opens
  the mouth in a pause and never fights a p, b or m.
- a gesture layer at priority 20 for the head and brows: a slow sway, a new attitude for each
  sentence, small nods on the stressed syllables (found as peaks of the speech's loudness),
  the speech net's brow raises on pitch accents (its layer keeps to the mouth), a larger nod
  with a brow raise on emphasised words, a lift at questions, and the looks. For a humanoid
  it also moves the forearms and hands: up while speaking, beats on the same syllables and
  emphasis, still at rest in the pauses (arm_gestures.py).

Everything is a function of time, seeded by the script: the same script gives the same video.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

from .. import arkit
from ..drivers.synthetic import FunctionSource
from ..frame import FaceFrame
from ..idle import bump, smoothstep
from ..mixer import LayerRule, channel_mask, preset_frame, preset_rule
from ..rig.rig import set_look
from ..rig.transforms import quat_from_euler
from ..speech.features import FRAME_RATE, SAMPLE_RATE
from ..speech.prosody import BROWS as PROSODY_BROWS
from .arm_gestures import MASK as ARM_BONES
from .arm_gestures import ArmGestures
from .parse import Script
from .soundtrack import Soundtrack

#: Channels that shape speech; an expression cue never takes them from the speech net.
ARTICULATORS = channel_mask(
    [
        "jawForward",
        "jawLeft",
        "jawRight",
        "jawOpen",
        "mouthClose",
        "mouthFunnel",
        "mouthPucker",
        "mouthLeft",
        "mouthRight",
        "mouthRollLower",
        "mouthRollUpper",
        "mouthShrugLower",
        "mouthShrugUpper",
        "mouthPressLeft",
        "mouthPressRight",
        "mouthLowerDownLeft",
        "mouthLowerDownRight",
        "mouthUpperUpLeft",
        "mouthUpperUpRight",
        "mouthStretchLeft",
        "mouthStretchRight",
        "tongueOut",
        "cheekPuff",
    ]
)
BROWS = channel_mask("brows")
LOOKS = np.zeros(arkit.COUNT, bool)
LOOKS[list(arkit.LOOK)] = True

# Cue envelopes (seconds): rise before the sentence starts, fall after it ends.
CUE_RISE, CUE_FALL = 0.35, 0.6
# Looks: head (yaw, pitch) degrees and the eyes' extra (yaw, pitch) radians. Left and right
# are the viewer's: looking left turns the face to the avatar's right (negative yaw).
LOOK_HEAD = {"left": (-16.0, 1.0), "right": (16.0, 1.0), "up": (0.0, -9.0), "down": (0.0, 10.0), "camera": (0.0, 0.0)}
LOOK_EYES = {"left": (-0.22, 0.0), "right": (0.22, 0.0), "up": (0.0, -0.15), "down": (0.0, 0.2), "camera": (0.0, 0.0)}
# Head rhythm, degrees.
SWAY = (1.6, 0.8, 0.9)  # yaw, pitch, roll amplitudes of the slow drift
ATTITUDE = (5.0, 1.5, 3.0)  # largest per-sentence yaw, pitch, roll
ATTITUDE_EASE = 0.9  # seconds to settle into a sentence's attitude
BEAT_NOD = (0.7, 2.2)  # pitch of a nod on a stressed syllable, quiet to loud
BEAT_SPACING = 0.4  # seconds between beats, at least
EMPHASIS_NOD, EMPHASIS_BROW = 3.5, 0.45
QUESTION_LIFT, QUESTION_BROW = 2.5, 0.3
NOD_LEAD, NOD_LENGTH = 0.08, 0.42  # a nod starts a little before its syllable's peak


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    peak: float

    def level(self, t: float) -> float:
        rise = smoothstep((t - (self.start - CUE_RISE)) / CUE_RISE)
        fall = 1.0 - smoothstep((t - self.end) / CUE_FALL)
        return float(self.peak * rise * fall)


class Performance:
    def __init__(self, script: Script, track: Soundtrack, speech_16k: np.ndarray, voice):
        """`voice`: the speech net's source over the same speech (an AudioSource), whose brow
        raises on pitch accents the gestures take over."""
        self.script, self.track, self.voice = script, track, voice
        spans = track.sentence_spans()
        self.expressions: dict[str, list[Span]] = {}
        self.looks: list[tuple[str, Span]] = []
        for cue in script.cues:
            start, end = spans[cue.sentence]
            if cue.kind == "expression":
                self.expressions.setdefault(cue.value, []).append(Span(start, end, cue.intensity))
            else:
                self.looks.append((cue.value, Span(start, end, 1.0)))
        rng = np.random.default_rng([script.settings.seed, 8])
        self._attitudes = [
            (start, np.array(ATTITUDE) * rng.uniform(-1, 1, 3)) for start, _ in (spans[k] for k in sorted(spans))
        ]
        self._phases = rng.uniform(0, 2 * math.pi, (3, 2))
        self.beats = syllable_beats(speech_16k, [(p.start, p.end) for p in track.placed])
        self.emphasis = self._emphasis_times()
        self.questions = [p.end for p in track.placed if p.utterance.text.rstrip().endswith(("?", "？"))]
        loudness = [(t, (nod - BEAT_NOD[0]) / (BEAT_NOD[1] - BEAT_NOD[0])) for t, nod in self.beats]
        self.arms = ArmGestures(
            [(p.start, p.end) for p in track.placed],
            [(t, 0.5 + 0.5 * k) for t, k in loudness],
            self.emphasis,
            script.settings.seed,
        )

    # layers -----------------------------------------------------------------------------------

    def sources(self) -> list[FunctionSource]:
        layers = [
            FunctionSource(
                LayerRule("gesture", priority=20, channels=BROWS | LOOKS, head=True, bones=ARM_BONES), self.gesture
            )
        ]
        for name, spans in sorted(self.expressions.items()):
            layers.append(FunctionSource(self.expression_rule(name), self._expression_face(name, spans)))
        return layers

    @staticmethod
    def expression_rule(name: str) -> LayerRule:
        """The preset's own rule (its channels and override rules), less the articulators."""
        rule = preset_rule(name, priority=40)
        return dataclasses.replace(rule, channels=rule.channels & ~ARTICULATORS)

    @staticmethod
    def _expression_face(name: str, spans: list[Span]):
        def face(t: float) -> FaceFrame:
            return preset_frame(name, t, min(1.0, max(span.level(t) for span in spans)))

        return face

    def gesture(self, t: float) -> FaceFrame:
        """Head, brows, looks and hands at `t`."""
        yaw, pitch, roll = self._sway(t) + self._attitude(t)
        brow = 0.0
        for time, size in self.beats:
            pitch += size * bump((t - time + NOD_LEAD) / NOD_LENGTH)
        for time in self.emphasis:
            k = bump((t - time + 0.15) / 0.7)
            pitch += EMPHASIS_NOD * bump((t - time + NOD_LEAD) / (NOD_LENGTH * 1.3))
            brow = max(brow, EMPHASIS_BROW * k)
        for time in self.questions:
            k = bump((t - time + 0.5) / 1.6)
            pitch -= QUESTION_LIFT * k
            brow = max(brow, QUESTION_BROW * k)
        weights = np.zeros(arkit.COUNT, np.float32)
        weights[list(PROSODY_BROWS)] = np.maximum(self._pitch_accents(t), [brow, 0.7 * brow, 0.7 * brow])
        mask = BROWS.copy()
        eyes = None
        look_yaw = look_pitch = eye_yaw = eye_pitch = level_sum = 0.0
        for direction, span in self.looks:
            level = span.level(t)
            if level > 0:
                look_yaw += level * LOOK_HEAD[direction][0]
                look_pitch += level * LOOK_HEAD[direction][1]
                eye_yaw += level * LOOK_EYES[direction][0]
                eye_pitch += level * LOOK_EYES[direction][1]
                level_sum = max(level_sum, level)
        if level_sum > 0:
            yaw, pitch = yaw + look_yaw, pitch + look_pitch
            set_look(weights, eye_yaw, eye_pitch)
            mask |= LOOKS
            eyes = np.array([[eye_yaw, eye_pitch], [eye_yaw, eye_pitch]])
        return FaceFrame(
            t,
            weights,
            mask,
            quat_from_euler(*np.radians([yaw, pitch, roll])),
            eyes=eyes,
            source="gesture",
            bones=self.arms.bones(t),
            bone_mask=ARM_BONES,
        )

    # parts ------------------------------------------------------------------------------------

    def _pitch_accents(self, t: float) -> np.ndarray:
        frame = self.voice.frame_at(t)
        return np.zeros(3) if frame is None else frame.weights[list(PROSODY_BROWS)]

    def _sway(self, t: float) -> np.ndarray:
        p = self._phases
        return np.array(
            [
                SWAY[a] * 0.5 * (math.sin(2 * math.pi * t / 9.7 + p[a, 0]) + math.sin(2 * math.pi * t / 4.3 + p[a, 1]))
                for a in range(3)
            ]
        )

    def _attitude(self, t: float) -> np.ndarray:
        current = np.zeros(3)
        for start, target in self._attitudes:
            if t < start - 0.3:
                break
            current = current + (target - current) * smoothstep((t - start + 0.3) / ATTITUDE_EASE)
        return current

    def _emphasis_times(self) -> list[float]:
        """When each emphasised word is said: its place in the text mapped onto its utterance,
        moved to the nearest stressed syllable within a quarter second."""
        times = []
        beat_times = np.array([b for b, _ in self.beats])
        for p in self.track.placed:
            text = p.utterance.text
            for a, b in p.utterance.emphasis:
                guess = p.start + (p.end - p.start) * (a + b) / 2 / max(len(text), 1)
                if len(beat_times):
                    near = beat_times[np.argmin(np.abs(beat_times - guess))]
                    guess = near if abs(near - guess) < 0.25 else guess
                times.append(guess)
        return times


def syllable_beats(speech_16k: np.ndarray, spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(time, nod degrees) at the stressed syllables: peaks of the smoothed loudness inside the
    spoken spans that stand out from their surroundings, at least BEAT_SPACING apart; the
    louder the syllable, the bigger the nod."""
    hop = int(round(SAMPLE_RATE / FRAME_RATE))
    frames = len(speech_16k) // hop
    if frames < 3:
        return []
    energy = np.mean(speech_16k[: frames * hop].reshape(frames, hop) ** 2, axis=1)
    db = uniform_filter1d(10 * np.log10(energy + 1e-10), 7)
    speaking = np.zeros(frames, bool)
    for start, end in spans:
        speaking[int(start * FRAME_RATE) : int(end * FRAME_RATE) + 1] = True
    if not speaking.any():
        return []
    floor = np.percentile(db[speaking], 30)
    top = np.percentile(db[speaking], 95)
    peaks, _ = find_peaks(
        np.where(speaking, db, floor - 40),
        prominence=6.0,
        distance=int(BEAT_SPACING * FRAME_RATE),
        height=floor + 0.5 * (top - floor),
    )
    beats = []
    for i in peaks:
        loud = float(np.clip((db[i] - floor) / max(top - floor, 1e-6), 0.0, 1.0))
        beats.append((i / FRAME_RATE, BEAT_NOD[0] + (BEAT_NOD[1] - BEAT_NOD[0]) * loud))
    return beats

"""The spokesperson's face, mixed as the video gets it: lips rest in pauses, cue expressions
live for their sentence, looks turn head and eyes, nods come with the speech, all seeded."""

import numpy as np
import pytest

from engine import arkit
from engine.drivers.audio.source import AudioSource
from engine.speech.visemes import aperture
from engine.pipeline import Pipeline
from engine.rig.rig import eye_angles
from engine.rig.transforms import quat_to_euler
from engine.script.parse import parse
from engine.script.performance import ARTICULATORS, Performance
from engine.script.soundtrack import build
from engine.script.video import face_sources, subtitle_cues

FPS = 30
SCRIPT = ('+++\nvoice = "espeak"\nseed = 3\n+++\n'
          "[smile] Good morning, and welcome to the city! [pause 1.5s] "
          "[look left] The harbour is over there, with *thousands* of boats. [pause 1s] "
          "[serious] Please take care.")


@pytest.fixture(scope="module")
def take():
    script = parse(SCRIPT)
    track = build(script, start=0.5)
    pipeline = Pipeline(face_sources(script, track), [], None)
    times = np.arange(0, track.duration, 1 / FPS)
    frames = [pipeline.step(float(t)) for t in times]
    return script, track, times, frames


def performance(script, track) -> Performance:
    speech = track.speech_16k()
    return Performance(script, track, speech, AudioSource(speech))


def weights(frames, name):
    return np.array([f.weights[arkit.INDEX[name]] for f in frames])


def test_the_mouth_rests_in_every_pause(take):
    _, track, times, frames = take
    shut = aperture(np.array([f.weights for f in frames])) <= 0.1
    for before, after in zip(track.placed, track.placed[1:]):
        if after.start - before.end < 0.25:
            continue
        inside = (times >= before.end + 0.15) & (times <= after.start - 0.1)
        assert shut[inside].mean() >= 0.95, (before.utterance.text, shut[inside].mean())
    talking = np.zeros(len(times), bool)
    for p in track.placed:
        talking |= (times >= p.start) & (times <= p.end)
    assert (~shut[talking]).mean() > 0.4, "the mouth moves while it speaks"


def test_a_cue_expression_lives_for_its_sentence_and_never_takes_the_articulators(take):
    _, track, times, frames = take
    spans = track.sentence_spans()
    smile = weights(frames, "mouthSmileLeft")
    first, _ = spans[0]
    _, last = spans[0]
    during = (times > first + 0.3) & (times < last - 0.1)
    assert smile[during].min() > 0.35
    later = (times > spans[1][0] + 0.2) & (times < spans[1][1])  # the look's sentence: no smile cue
    assert smile[later].max() < 0.3
    brow_down = weights(frames, "browDownLeft")
    serious = max(spans)
    assert brow_down[(times > spans[serious][0] + 0.3) & (times < spans[serious][1])].min() > 0.25
    for name in ("smile", "serious"):
        assert not (Performance.expression_rule(name).channels & ARTICULATORS).any()


def test_look_left_turns_head_and_eyes_to_the_viewers_left_for_its_sentence(take):
    _, track, times, frames = take
    start, end = track.sentence_spans()[1]  # the look's sentence
    middle = (times > start + 0.4) & (times < end - 0.2)
    yaws = np.degrees([quat_to_euler(f.head_rotation)[0] for f in frames])
    # the viewer's left is the avatar's right: negative yaw
    assert yaws[middle].max() < -8
    assert np.abs(yaws[times < start - 0.5]).max() < 8
    eyes = np.array([eye_angles(f.weights, "Left")[0] for f in np.array(frames)[middle]])
    assert (eyes < 0).mean() > 0.9


def test_nods_follow_the_speech_and_stop_in_silence():
    script = parse('+++\nvoice = "espeak"\n+++\nOne two three four five six seven. [pause 3s] Eight nine ten.')
    track = build(script, start=0.5)
    perf = performance(script, track)
    assert len(perf.beats) >= 3
    for time, _ in perf.beats:
        assert any(p.start - 0.05 <= time <= p.end + 0.05 for p in track.placed)
    first, second = track.placed
    assert not [t for t, _ in perf.beats if first.end + 0.1 < t < second.start - 0.1]
    pitch = [np.degrees(quat_to_euler(perf.gesture(t).head_rotation)[1]) for t in np.arange(0, track.duration, 0.02)]
    assert np.ptp(pitch) > 1.0  # the nods show in the head


def test_an_emphasised_word_raises_the_brows_near_its_time(take):
    script, track, times, frames = take
    perf = performance(script, track)
    (when,) = perf.emphasis
    placed = next(p for p in track.placed if p.utterance.emphasis)
    assert placed.start < when < placed.end
    brow = weights(frames, "browInnerUp")
    assert brow[np.abs(times - when) < 0.2].max() > 0.3
    assert brow[times < track.placed[0].start].max() < 0.05


def test_the_performance_is_seeded():
    script = parse(SCRIPT)
    track = build(script)
    a, b = performance(script, track), performance(script, track)
    heads = [(a.gesture(t).head_rotation, b.gesture(t).head_rotation) for t in np.arange(0, track.duration, 0.5)]
    assert all(np.allclose(x, y) for x, y in heads)
    script.settings.seed += 1
    c = performance(script, track)
    assert not all(np.allclose(a.gesture(t).head_rotation, c.gesture(t).head_rotation)
                   for t in np.arange(1, track.duration, 0.5))


def test_each_subtitle_starts_within_100_ms_of_its_speech(take):
    _, track, _, _ = take
    samples = track.samples
    hop = 220  # 10 ms at 22.05 kHz
    level = np.array([np.sqrt(np.mean(samples[i:i + hop] ** 2)) for i in range(0, len(samples) - hop, hop)])
    loud = level > level.max() * 0.03
    cues = subtitle_cues(track)
    assert [c.text for c in cues] == [p.utterance.text for p in track.placed]
    for cue in cues:
        frame = int(cue.start * 100)
        onset = frame + int(np.flatnonzero(loud[frame:])[0])
        assert abs(onset / 100 - cue.start) <= 0.1, cue
        assert cue.end > cue.start
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start


def test_the_gestures_carry_the_speech_nets_pitch_accent_brows(take):
    script, track, _, _ = take
    perf = performance(script, track)
    times = np.arange(0, track.duration, 0.02)
    inner = arkit.INDEX["browInnerUp"]
    voice = np.array([(f.weights[inner] if (f := perf.voice.frame_at(t)) is not None else 0.0) for t in times])
    gesture = np.array([perf.gesture(t).weights[inner] for t in times])
    assert voice.max() > 0.05, "the speech has pitch accents to follow"
    assert np.all(gesture >= voice - 1e-6)


def _bend(frames, bone: str) -> np.ndarray:
    """Degrees each frame's `bone` is turned beyond the relaxed rest pose."""
    from engine import bones
    from engine.rig.rest_pose import relaxed_bones

    rest = relaxed_bones(0.0)[bones.INDEX[bone]]
    q = np.array([f.bones[bones.INDEX[bone]] for f in frames])
    return np.degrees(2 * np.arccos(np.clip(np.abs(q @ rest), 0, 1)))


def test_hands_come_up_to_speak_beat_on_its_syllables_and_rest_still_in_pauses(take):
    _, track, times, frames = take
    elbows = [_bend(frames, f"{side}LowerArm") for side in ("left", "right")]
    talking = np.zeros(len(times), bool)
    for p in track.placed:
        talking |= (times >= p.start + 0.6) & (times <= p.end - 0.2)
    before, after = track.placed[0], track.placed[1]  # the 1.5 s pause between them
    pause = (times >= before.end + 0.9) & (times <= after.start - 0.6)
    assert pause.sum() >= 2
    for elbow in elbows:
        assert elbow[talking].mean() > 40  # forearms up in front while it speaks
        assert np.ptp(elbow[talking]) > 6  # ... beating, not frozen
        assert elbow[pause].max() < 3 and np.ptp(elbow[pause]) < 1  # still, at rest, in the pause

import numpy as np
import pytest

from engine import arkit
from engine.frame import FaceFrame
from engine.mixer import LayerRule, Mixer, channel_mask, preset_frame, preset_rule
from engine.rig.transforms import quat_from_euler, quat_to_euler

FPS = 60


def _frame(t, mask=None, head_yaw=0.0, **named):
    f = FaceFrame.from_named(t, named, head_rotation=quat_from_euler(head_yaw, 0, 0))
    if mask is not None:
        f.mask = channel_mask(mask)
    return f


def _standard_mixer():
    return Mixer([
        LayerRule("idle", 0),
        LayerRule("webcam", 10, channel_mask(["eyes", "brows"])),
        LayerRule("audio", 30, channel_mask("mouth"), head=False),
    ])


def _settle(mixer, frames, seconds=1.0, t0=0.0):
    out = None
    for k in range(int(seconds * FPS)):
        t = t0 + k / FPS
        for layer, make in frames.items():
            mixer.push(layer, make(t))
        out = mixer.mix(t)
    return out


def test_each_layer_owns_its_channels():
    m = _standard_mixer()
    out = _settle(m, {
        "idle": lambda t: _frame(t, "all", head_yaw=0.1, eyeBlinkLeft=0.3, cheekPuff=0.4, jawOpen=0.2),
        "webcam": lambda t: _frame(t, "all", head_yaw=0.3, eyeBlinkLeft=0.9, jawOpen=0.9, browInnerUp=0.5),
        "audio": lambda t: _frame(t, "mouth", head_yaw=-0.5, jawOpen=0.6),
    })
    assert out.weight("eyeBlinkLeft") == pytest.approx(0.9)  # webcam owns the eyes
    assert out.weight("browInnerUp") == pytest.approx(0.5)
    assert out.weight("jawOpen") == pytest.approx(0.6)  # audio owns the mouth
    assert out.weight("cheekPuff") == pytest.approx(0.4)  # idle fills the rest
    assert quat_to_euler(out.head_rotation)[0] == pytest.approx(0.3)  # audio has no head


def test_a_frame_mask_limits_what_a_layer_takes():
    m = _standard_mixer()
    out = _settle(m, {
        "idle": lambda t: _frame(t, "all", eyeBlinkLeft=0.2),
        "webcam": lambda t: _frame(t, ["browInnerUp"], browInnerUp=0.7, eyeBlinkLeft=1.0),
    })
    assert out.weight("eyeBlinkLeft") == pytest.approx(0.2)
    assert out.weight("browInnerUp") == pytest.approx(0.7)


def test_stale_source_crossfades_out_and_back_in_without_popping():
    m = _standard_mixer()
    idle = lambda t: _frame(t, "all", eyeBlinkLeft=0.0)
    cam = lambda t: _frame(t, "all", eyeBlinkLeft=1.0)
    values = []
    for k in range(3 * FPS):
        t = k / FPS
        m.push("idle", idle(t))
        if t < 1.0 or t >= 2.0:  # the face leaves the frame for a second
            m.push("webcam", cam(t))
        values.append(m.mix(t).weight("eyeBlinkLeft"))
    values = np.array(values)
    assert values[FPS - 1] == pytest.approx(1.0)
    steps = np.abs(np.diff(values))
    assert steps.max() <= 1 / (0.25 * FPS) + 1e-6  # never faster than the 0.25 s fade
    assert values[int(1.9 * FPS)] == pytest.approx(0.0)  # faded out after staleness + fade
    assert values[int(1.4 * FPS)] > 0.5  # still held during the 0.5 s grace
    assert values[-1] == pytest.approx(1.0)


def test_happy_blends_blinks_and_surprised_blocks_them():
    for name, expected in (("happy", 0.25), ("surprised", 0.0)):
        m = Mixer([LayerRule("idle", 0), preset_rule(name)])
        out = _settle(m, {
            "idle": lambda t: _frame(t, "all", eyeBlinkLeft=1.0, eyeBlinkRight=1.0),
            f"expression:{name}": lambda t: preset_frame(name, t, intensity=0.75),
        })
        assert out.weight("eyeBlinkLeft") == pytest.approx(expected)


def test_speech_overrides_the_mouth_of_an_expression():
    m = Mixer([LayerRule("idle", 0), preset_rule("happy", 20), LayerRule("audio", 30, channel_mask("mouth"), head=False)])
    out = _settle(m, {
        "idle": lambda t: _frame(t, "all"),
        "expression:happy": lambda t: preset_frame("happy", t),
        "audio": lambda t: _frame(t, "mouth", jawOpen=0.5),
    })
    assert out.weight("mouthSmileLeft") == pytest.approx(0.0)  # speech owns the mouth
    assert out.weight("jawOpen") == pytest.approx(0.5)
    assert out.weight("cheekSquintLeft") == pytest.approx(0.5)  # the expression keeps the rest


def test_gaze_follows_the_layer_that_owns_the_look_channels():
    m = _standard_mixer()
    out = _settle(m, {
        "idle": lambda t: FaceFrame(t, eyes=[[0.1, 0.0], [0.1, 0.0]]),
        "webcam": lambda t: _frame(t, "all", eyeLookOutLeft=1.0, eyeLookInRight=1.0),
    })
    assert out.eyes[0, 0] > 0.4 and out.eyes[1, 0] > 0.4


@pytest.mark.parametrize("kwargs", [{"blink": "sometimes"}, {"fade": -1}, {"channels": np.ones(3, bool)}])
def test_bad_rules_are_refused(kwargs):
    with pytest.raises(ValueError):
        LayerRule("x", **kwargs)


def test_bad_presets_and_channel_specs_are_refused():
    with pytest.raises(ValueError, match="gleeful"):
        preset_frame("gleeful", 0.0)
    with pytest.raises(ValueError, match="elbows"):
        channel_mask("elbows")
    assert channel_mask("mouth").sum() == len(arkit.MOUTH)

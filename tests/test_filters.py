import numpy as np
import pytest

from engine import arkit
from engine.filters import Calibration, ChannelCurve, Gain, OneEuro, Smooth
from engine.frame import FaceFrame
from engine.rig.transforms import quat_from_euler, quat_to_euler

FPS = 60


def test_one_euro_removes_jitter_on_a_still_signal():
    rng = np.random.default_rng(0)
    f = OneEuro()
    noisy = 0.3 + rng.uniform(-0.02, 0.02, 600)
    out = np.array([f(k / FPS, np.array([v]))[0] for k, v in enumerate(noisy)])
    assert np.std(out[60:]) < np.std(noisy[60:]) / 3.5


def test_one_euro_follows_a_fast_mouth_opening_without_lag():
    f = OneEuro()
    t = np.arange(60) / FPS
    signal = np.clip((t - 0.3) / 0.1, 0, 1)  # opens fully in 0.1 s
    out = np.array([f(tk, np.array([v]))[0] for tk, v in zip(t, signal)])
    reach = np.flatnonzero(out > 0.8)[0] - np.flatnonzero(signal > 0.8)[0]
    assert reach <= 2  # frames behind the raw signal
    assert out[-1] == pytest.approx(1.0, abs=0.02)


def test_one_euro_refuses_bad_parameters():
    with pytest.raises(ValueError):
        OneEuro(min_cutoff=0)


def test_smooth_keeps_frames_valid_and_handles_quaternion_sign_flips():
    s = Smooth()
    q = quat_from_euler(0.3, 0, 0)
    for k in range(30):
        out = s(FaceFrame(k / FPS, np.full(52, 0.5, np.float32), head_rotation=q if k % 2 else -q))
    assert quat_to_euler(out.head_rotation)[0] == pytest.approx(0.3, abs=1e-6)
    assert np.allclose(out.weights, 0.5)


def test_calibration_maps_neutral_to_zero_and_keeps_full_range():
    neutral = np.zeros(52, np.float32)
    neutral[arkit.INDEX["mouthSmileLeft"]] = 0.2
    cal = Calibration(frames_needed=10)
    rest_head = quat_from_euler(0.1, 0.05, 0)
    for k in range(10):
        assert not cal.done
        cal.capture(FaceFrame(k / FPS, neutral, head_rotation=rest_head))
    assert cal.done
    out = cal(FaceFrame(1.0, neutral, head_rotation=rest_head))
    assert np.allclose(out.weights, 0) and np.allclose(out.head_rotation, [0, 0, 0, 1], atol=1e-9)
    full = neutral.copy()
    full[arkit.INDEX["mouthSmileLeft"]] = 1.0
    full[arkit.INDEX["jawOpen"]] = 0.5
    out = cal(FaceFrame(1.0, full))
    assert out.weight("mouthSmileLeft") == pytest.approx(1.0)
    assert out.weight("jawOpen") == pytest.approx(0.5)


def test_gain_curves_remap_and_clamp():
    g = Gain({"eyeBlink_L": ChannelCurve(low=0.1, high=0.6), "JawOpen": ChannelCurve(gain=2.0)})
    out = g(FaceFrame.from_named(0, {"eyeBlinkLeft": 0.35, "jawOpen": 0.7, "cheekPuff": 0.4}))
    assert out.weight("eyeBlinkLeft") == pytest.approx(0.5)
    assert out.weight("jawOpen") == 1.0  # 1.4 clamped
    assert out.weight("cheekPuff") == pytest.approx(0.4)
    with pytest.raises(ValueError, match="nope"):
        Gain({"nope": ChannelCurve()})
    with pytest.raises(ValueError):
        ChannelCurve(low=0.5, high=0.4)

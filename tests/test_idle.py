import numpy as np

from engine.idle import BLINK_INTERVAL, DOUBLE_BLINK_GAP, IdleMotion


def _blink_starts(curve, fps):
    closed = curve > 0.5
    return np.flatnonzero(closed[1:] & ~closed[:-1]) / fps


def test_blinks_come_at_natural_intervals_and_close_fully():
    fps = 60
    idle = IdleMotion(seed=7)
    curve = np.array([idle.blink(k / fps) for k in range(fps * 300)])
    starts = _blink_starts(curve, fps)
    gaps = np.diff(starts)
    singles = gaps[gaps > 1.0]
    doubles = gaps[gaps <= 1.0]
    assert 50 < len(starts) < 150  # 5 minutes at one blink every 2-6 s, some doubled
    assert singles.min() >= BLINK_INTERVAL[0] - 0.05 and singles.max() <= BLINK_INTERVAL[1] + 0.5
    assert len(doubles) >= 2 and doubles.max() < 0.5 + DOUBLE_BLINK_GAP
    assert curve.max() == 1.0  # the lids really close, sampled at 60 fps


def test_blink_closes_faster_than_it_opens():
    idle = IdleMotion(seed=1)
    fps = 1000
    curve = np.array([idle.blink(k / fps) for k in range(fps * 8)])
    start = np.flatnonzero(curve > 0)[0]
    peak = start + np.flatnonzero(curve[start:] == 1.0)[0]
    end = peak + np.flatnonzero(curve[peak:] == 0.0)[0]
    last_closed = peak + np.flatnonzero(curve[peak:end] == 1.0)[-1]
    assert (end - last_closed) > 1.5 * (peak - start)


def test_gaze_moves_with_saccades_and_micro_saccades_within_range():
    idle = IdleMotion(seed=3)
    gaze = np.array([idle.gaze(k / 60) for k in range(60 * 60)])
    assert np.abs(gaze).max() < np.radians(12)
    steps = np.abs(np.diff(gaze, axis=0)).max(axis=1)
    assert (steps > np.radians(2)).sum() >= 10  # fixations change
    assert ((steps > 1e-4) & (steps < np.radians(1.5))).sum() >= 50  # small jitters between


def test_same_seed_same_motion_whatever_the_sampling_order():
    a, b = IdleMotion(seed=5), IdleMotion(seed=5)
    times = np.linspace(0, 30, 400)
    fa = [a.frame(t) for t in times]
    fb = [b.frame(t) for t in times[::-1]][::-1]
    for x, y in zip(fa, fb):
        assert np.array_equal(x.weights, y.weights)
        assert np.allclose(x.head_rotation, y.head_rotation)
    c = IdleMotion(seed=6)
    assert not all(np.array_equal(x.weights, c.frame(t).weights) for x, t in zip(fa, times))


def test_frame_drives_only_eyes_and_breathes():
    idle = IdleMotion(seed=2)
    f = idle.frame(1.0)
    from engine import arkit
    driven = {arkit.NAMES[i] for i in np.flatnonzero(f.mask)}
    assert driven and all(n.startswith(("eyeBlink", "eyeLook")) for n in driven)
    pitches = [IdleMotion(seed=2).head(t)[0] for t in np.linspace(0, 8.4, 50)]
    assert max(pitches) - min(pitches) > 1e-3  # the head moves with the breath

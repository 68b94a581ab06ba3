"""Animation sampling against values worked out by hand."""

import gltf_fixtures as fx
import numpy as np
import pytest

from engine.rig.animation import AnimatedPose, sample, sample_channel, slerp
from engine.rig.asset import Animation, AnimationChannel, Node
from engine.rig.gltf import load_avatar


def channel(path, times, values, interpolation="LINEAR", node=0):
    return AnimationChannel(
        node=node,
        path=path,
        times=np.asarray(times, np.float32),
        values=np.asarray(values, np.float32),
        interpolation=interpolation,
    )


def angle_deg(q) -> float:
    return float(np.degrees(2 * np.arccos(np.clip(abs(q[3]), 0, 1))))


def test_linear_translation_midpoints():
    c = channel("translation", [0, 2], [[0, 0, 0], [2, 4, 6]])
    np.testing.assert_allclose(sample_channel(c, 1.0), [1, 2, 3])
    np.testing.assert_allclose(sample_channel(c, 0.5), [0.5, 1, 1.5])


def test_linear_picks_the_right_interval():
    c = channel("scale", [0, 1, 3], [[1, 1, 1], [3, 3, 3], [0, 0, 0]])
    np.testing.assert_allclose(sample_channel(c, 0.25), [1.5] * 3)
    np.testing.assert_allclose(sample_channel(c, 2.0), [1.5] * 3)  # halfway from 3 down to 0
    np.testing.assert_allclose(sample_channel(c, 1.0), [3] * 3)


def test_times_outside_the_clip_clamp_to_the_end_keys():
    c = channel("translation", [1, 2], [[1, 0, 0], [5, 0, 0]])
    np.testing.assert_allclose(sample_channel(c, -3.0), [1, 0, 0])
    np.testing.assert_allclose(sample_channel(c, 0.99), [1, 0, 0])
    np.testing.assert_allclose(sample_channel(c, 9.0), [5, 0, 0])


def test_a_single_key_holds_for_ever():
    c = channel("translation", [0.5], [[7, 8, 9]])
    for t in (0.0, 0.5, 100.0):
        np.testing.assert_allclose(sample_channel(c, t), [7, 8, 9])


def test_step_holds_each_key_until_the_next():
    c = channel("translation", [0, 1, 2], [[0, 0, 0], [10, 0, 0], [20, 0, 0]], "STEP")
    assert sample_channel(c, 0.0)[0] == 0
    assert sample_channel(c, 0.999)[0] == 0
    assert sample_channel(c, 1.0)[0] == 10
    assert sample_channel(c, 1.5)[0] == 10
    assert sample_channel(c, 2.0)[0] == 20
    assert sample_channel(c, 7.0)[0] == 20


def test_slerp_halfway_through_a_quarter_turn_is_45_degrees_about_the_same_axis():
    c = channel("rotation", [0, 1], [fx.rot_z(0), fx.rot_z(90)])
    q = sample_channel(c, 0.5)
    np.testing.assert_allclose(q, [0, 0, np.sin(np.radians(22.5)), np.cos(np.radians(22.5))], atol=1e-6)
    assert angle_deg(sample_channel(c, 0.25)) == pytest.approx(22.5, abs=1e-4)  # constant angular speed


def test_slerp_takes_the_short_way_round():
    # -q is the same rotation as q; the raw 4D path from q0 to -q1 would sweep the long way.
    q = slerp(fx.rot_z(0), -fx.rot_z(90), 0.5)
    np.testing.assert_allclose(q, fx.rot_z(45), atol=1e-9)
    q = slerp(fx.rot_z(170), fx.rot_z(-170), 0.5)  # 20 degrees apart across the 180 seam
    assert angle_deg(q) == pytest.approx(180.0, abs=1e-6)


def test_slerp_of_nearly_equal_rotations_stays_unit():
    q = slerp(fx.rot_z(10), fx.rot_z(10.001), 0.5)
    assert np.linalg.norm(q) == pytest.approx(1.0)
    assert angle_deg(q) == pytest.approx(10.0005, abs=1e-4)


def test_cubic_spline_uses_tangents_scaled_by_the_key_interval():
    # keys at t=0 and t=2 (dt = 2): value 0 -> 2, out-tangent of key 0 = 3, in-tangent of key 1 = 0.
    # At u = 0.5: h00 = 0.5, h10 = 0.125, h01 = 0.5, h11 = -0.125
    #   p = 0.5*0 + 0.125*(2*3) + 0.5*2 + (-0.125)*(2*0) = 0.75 + 1 = 1.75
    values = [[[9, 0, 0], [0, 0, 0], [3, 0, 0]], [[0, 0, 0], [2, 0, 0], [9, 0, 0]]]  # 9s are never used
    c = channel("translation", [0, 2], values, "CUBICSPLINE")
    np.testing.assert_allclose(sample_channel(c, 1.0), [1.75, 0, 0])
    # u = 0.25: h00 = 0.84375, h10 = 0.140625, h01 = 0.15625, h11 = -0.046875 -> 0.84375 + 0.3125
    np.testing.assert_allclose(sample_channel(c, 0.5), [0.140625 * 6 + 0.15625 * 2, 0, 0])
    np.testing.assert_allclose(sample_channel(c, 0.0), [0, 0, 0])  # keys give values, not tangents
    np.testing.assert_allclose(sample_channel(c, 2.0), [2, 0, 0])
    np.testing.assert_allclose(sample_channel(c, 5.0), [2, 0, 0])


def test_cubic_spline_rotation_is_normalized():
    zero = np.zeros(4)
    values = [[zero, fx.rot_z(0), zero], [zero, fx.rot_z(90), zero]]
    q = sample_channel(channel("rotation", [0, 1], values, "CUBICSPLINE"), 0.5)
    assert np.linalg.norm(q) == pytest.approx(1.0)
    assert angle_deg(q) == pytest.approx(45.0, abs=1.0)  # Hermite of the components, renormalized


def test_weights_channel_interpolates_every_target():
    c = channel("weights", [0, 1], [[0, 1, 0.5], [1, 0, 0.5]], node=3)
    pose = sample(Animation("blink", [c]), 0.25)
    np.testing.assert_allclose(pose.weights[3], [0.25, 0.75, 0.5])
    assert pose.trs == {}


def test_sample_gathers_trs_per_node_and_fills_rest_values():
    anim = Animation(
        "clip",
        [
            channel("translation", [0, 1], [[0, 0, 0], [0, 2, 0]], node=1),
            channel("rotation", [0, 1], [fx.rot_z(0), fx.rot_z(90)], node=1),
            channel("scale", [0, 1], [[1, 1, 1], [3, 3, 3]], node=2),
        ],
    )
    pose = sample(anim, 0.5)
    assert isinstance(pose, AnimatedPose) and set(pose.trs) == {1, 2}
    t, r, s = pose.trs[1]
    np.testing.assert_allclose(t, [0, 1, 0])
    assert angle_deg(r) == pytest.approx(45.0) and s is None
    rest = Node("n", translation=np.array([5.0, 5, 5]), scale=np.array([4.0, 4, 4]))
    t, r, s = pose.local_trs(1, rest)
    np.testing.assert_allclose(t, [0, 1, 0])
    np.testing.assert_allclose(s, [4, 4, 4])  # not animated: the node's own
    t, r, s = pose.local_trs(2, rest)
    np.testing.assert_allclose(t, [5, 5, 5])
    np.testing.assert_array_equal(r, rest.rotation)
    np.testing.assert_allclose(s, [2, 2, 2])


def test_a_loaded_clip_samples_like_the_hand_computation(tmp_path):
    avatar = load_avatar(fx.build_skinned(tmp_path))
    joint0, joint1, body = (avatar.node_index(n) for n in ("joint0", "joint1", "limb"))
    pose = sample(avatar.animations[0], 0.5)
    t, r, _ = pose.trs[joint1]
    np.testing.assert_allclose(r, fx.rot_z(45), atol=1e-6)  # LINEAR slerp 0 -> 90 degrees
    np.testing.assert_allclose(t, [0, 1, 0])  # STEP holds the first key
    # CUBICSPLINE scale, dt = 1: 0.5*1 + 0.125*1 + 0.5*2 + (-0.125)*1 = 1.5
    np.testing.assert_allclose(pose.trs[joint0][2], [1.5, 1.5, 1.5])
    np.testing.assert_allclose(pose.weights[body], [0.5])
    late = sample(avatar.animations[0], 1.5)
    np.testing.assert_allclose(late.trs[joint1][0], [0, 2, 0])
    np.testing.assert_allclose(late.trs[joint0][2], [2, 2, 2])  # past its last key: clamped

import math

import numpy as np
import pytest

from engine import arkit
from engine.frame import FaceFrame
from engine.protocols import ifacialmocap
from engine.protocols.errors import PacketError
from engine.rig.transforms import quat_from_euler, quat_to_euler

GOLDEN = (b"mouthSmile_R-100|eyeBlink_L-45|jawOpen-30|mouthLeft-5|hapihapi-7|"
          b"=head#10.0,-20.0,5.0,0.01,0.02,-0.3|rightEye#4.0,-6.0,0.0|leftEye#3.0,-5.0,0.0|")


def test_handshake_is_the_documented_text():
    assert ifacialmocap.HANDSHAKE == "iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719".encode()
    assert ifacialmocap.PORT == 49983


def test_raw_names_follow_apple():
    raw = {n: ifacialmocap.raw_name(n) for n in arkit.NAMES}
    assert raw["eyeBlinkLeft"] == "eyeBlink_L" and raw["mouthSmileRight"] == "mouthSmile_R"
    assert raw["browDownLeft"] == "browDown_L" and raw["cheekSquintRight"] == "cheekSquint_R"
    for plain in ("jawLeft", "jawRight", "mouthLeft", "mouthRight", "browInnerUp", "tongueOut", "jawOpen"):
        assert raw[plain] == plain
    assert all(arkit.canonical(r) == n for n, r in raw.items())


def test_golden_frame_decodes_in_any_key_order():
    f = ifacialmocap.decode(GOLDEN, 2.0)
    assert f.t == 2.0
    assert f.weight("mouthSmileRight") == 1.0 and f.weight("eyeBlinkLeft") == pytest.approx(0.45)
    assert f.weight("jawOpen") == pytest.approx(0.3) and f.weight("mouthLeft") == pytest.approx(0.05)
    assert f.mask.sum() == 4  # the unknown key is skipped
    yaw, pitch, roll = quat_to_euler(f.head_rotation)  # Unity Euler: y -20 turns to the left
    assert (yaw, pitch, roll) == pytest.approx((math.radians(20), math.radians(10), math.radians(-5)))
    assert f.head_position == pytest.approx((-0.01, 0.02, -0.3))
    assert f.eyes[0] == pytest.approx((math.radians(5), math.radians(3)))  # left eye
    assert f.eyes[1] == pytest.approx((math.radians(6), math.radians(4)))


def test_round_trip_of_our_encoder_at_whole_percent():
    src = FaceFrame(0.0, np.linspace(0, 1, 52, dtype=np.float32), head_rotation=quat_from_euler(0.3, -0.2, 0.1),
                    eyes=[[0.1, 0.05], [0.12, -0.05]])
    data = ifacialmocap.encode(src)
    assert b"eyeBlink_L-0|" in data and b"|tongueOut-100|=head#" in data and data.endswith(b"|")
    f = ifacialmocap.decode(data, 0.0)
    assert np.abs(f.weights - src.weights).max() <= 0.005 + 1e-6
    assert np.allclose(quat_to_euler(f.head_rotation), (0.3, -0.2, 0.1), atol=1e-5)
    assert np.allclose(f.eyes, src.eyes, atol=1e-5)


@pytest.mark.parametrize("text, field", [
    (b"jawOpen-150|", "outside 0..100"),
    (b"jawOpen-x|", "jawOpen"),
    (b"jawOpen-nan|", "NaN"),
    (b"jawOpen|", "name-value"),
    (b"jawOpen-5|=head#1,2,3|", "head has 3 numbers"),
    (b"jawOpen-5|=leftEye1,2,3|", "key#values"),
    (b"\xff\xfe", "UTF-8"),
    (b"", "no blendshape"),
])
def test_bad_frames_name_the_field(text, field):
    with pytest.raises(PacketError, match=field):
        ifacialmocap.decode(text, 0.0)

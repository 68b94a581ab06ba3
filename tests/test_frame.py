import numpy as np
import pytest

from engine import arkit
from engine.frame import FaceFrame


def test_defaults_are_a_neutral_fully_driven_frame():
    f = FaceFrame(1.5)
    assert f.weights.dtype == np.float32 and f.weights.shape == (52,)
    assert not f.weights.any() and f.mask.all()
    assert np.allclose(f.head_rotation, [0, 0, 0, 1])
    assert f.head_position is None and f.eyes is None


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"weights": np.zeros(51)}, "weights"),
        ({"weights": np.full(52, np.nan)}, "weights"),
        ({"weights": np.full(52, 1.5)}, "weights"),
        ({"mask": np.ones(3, bool)}, "mask"),
        ({"head_rotation": [0, 0, 0]}, "head_rotation"),
        ({"head_rotation": [0, 0, 0, np.inf]}, "head_rotation"),
        ({"head_rotation": [0, 0, 0, 2.0]}, "head_rotation"),
        ({"head_position": [0, np.nan, 0]}, "head_position"),
        ({"eyes": [[0, 0]]}, "eyes"),
        ({"confidence": 2.0}, "confidence"),
    ],
)
def test_bad_fields_raise_value_error_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=rf"FaceFrame\.{field}"):
        FaceFrame(0.0, **kwargs)


def test_nan_time_is_refused():
    with pytest.raises(ValueError, match=r"FaceFrame\.t"):
        FaceFrame(float("nan"))


def test_out_of_range_weight_message_names_the_channel():
    w = np.zeros(52)
    w[arkit.INDEX["jawOpen"]] = -0.2
    with pytest.raises(ValueError, match="jawOpen"):
        FaceFrame(0.0, w)


def test_from_named_accepts_aliases_and_masks_only_named_channels():
    f = FaceFrame.from_named(0.0, {"JawOpen": 0.7, "eyeBlink_L": 1.0})
    assert f.weight("jawOpen") == pytest.approx(0.7)
    assert f.weight("eyeBlinkLeft") == 1.0
    assert f.mask.sum() == 2
    with pytest.raises(ValueError, match="notAShape"):
        FaceFrame.from_named(0.0, {"notAShape": 1.0})


def test_near_unit_quaternion_is_normalised():
    f = FaceFrame(0.0, head_rotation=[0, 0, 0, 1.0005])
    assert np.linalg.norm(f.head_rotation) == pytest.approx(1.0)

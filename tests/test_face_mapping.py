"""The face-tracking driver's pure parts: MediaPipe names and axes to the frame contract, the
selfie mirror, and how recorded pictures are ordered and sampled. No model runs here."""

import cv2
import numpy as np
import pytest

from engine import arkit
from engine.drivers.face_tracking.landmarker import Detection
from engine.drivers.face_tracking.mapping import FaceMapper
from engine.drivers.face_tracking.media import ImageFolder
from engine.drivers.face_tracking.mirror import mirror_frame
from engine.frame import FaceFrame
from engine.registry import open_source
from engine.rig.transforms import quat_from_euler, quat_to_euler, quat_to_matrix3

# MediaPipe's order: alphabetical, `_neutral` first, no tongueOut.
MEDIAPIPE_NAMES = ("_neutral",) + tuple(sorted(n for n in arkit.NAMES if n != "tongueOut"))


def detection(scores: dict, yaw=0.0, pitch=0.0, roll=0.0, position_cm=(0.0, 0.0, -40.0), outside=0):
    matrix = np.eye(4)
    matrix[:3, :3] = quat_to_matrix3(quat_from_euler(yaw, pitch, roll))
    matrix[:3, 3] = position_cm
    outline = np.full((36, 2), 0.5)
    outline[:outside, 0] = 1.2  # off the right edge of the picture
    values = np.array([scores.get(n, 0.0) for n in MEDIAPIPE_NAMES])
    return Detection(MEDIAPIPE_NAMES, values, matrix, outline, landmarks=[])


def test_scores_are_mapped_by_name_and_tongue_out_is_not_driven():
    frame = FaceMapper().frame(detection({"_neutral": 0.9, "jawOpen": 0.4, "eyeBlinkLeft": 0.7,
                                          "mouthSmileRight": 0.2}), t=1.5)
    assert frame.weight("jawOpen") == pytest.approx(0.4)
    assert frame.weight("eyeBlinkLeft") == pytest.approx(0.7)
    assert frame.weight("mouthSmileRight") == pytest.approx(0.2)
    assert frame.weight("eyeBlinkRight") == 0.0
    assert not frame.mask[arkit.INDEX["tongueOut"]]
    assert frame.mask.sum() == 51
    assert frame.t == 1.5 and frame.confidence == 1.0


def test_head_rotation_is_the_matrix_rotation_in_gltf_axes_and_position_is_relative():
    mapper = FaceMapper()
    first = mapper.frame(detection({}, position_cm=(3.0, -2.0, -45.0)), 0.0)
    assert np.allclose(first.head_rotation, [0, 0, 0, 1]) and np.allclose(first.head_position, 0)
    turned = mapper.frame(detection({}, yaw=0.3, pitch=-0.1, roll=0.05, position_cm=(5.0, -2.0, -40.0)), 0.1)
    assert quat_to_euler(turned.head_rotation) == pytest.approx((0.3, -0.1, 0.05))
    # 2 cm towards the subject's left (the picture's right) and 5 cm towards the camera
    assert turned.head_position == pytest.approx([0.02, 0.0, 0.05])


def test_confidence_is_the_share_of_the_outline_in_the_picture():
    assert FaceMapper().frame(detection({}, outside=18), 0.0).confidence == pytest.approx(0.5)


def test_mirror_swaps_sides_negates_yaw_and_roll_and_is_its_own_inverse():
    frame = FaceFrame.from_named(0.0, {"eyeBlinkLeft": 0.9, "jawLeft": 0.3, "mouthSmileRight": 0.6,
                                       "jawOpen": 0.5}, head_rotation=quat_from_euler(0.4, 0.2, -0.1),
                                 head_position=[0.01, 0.02, 0.03], eyes=[[0.1, 0.2], [-0.3, 0.4]])
    m = mirror_frame(frame)
    assert m.weight("eyeBlinkRight") == pytest.approx(0.9) and m.weight("eyeBlinkLeft") == 0.0
    assert m.weight("jawRight") == pytest.approx(0.3) and m.weight("mouthSmileLeft") == pytest.approx(0.6)
    assert m.weight("jawOpen") == pytest.approx(0.5)
    assert m.mask[arkit.INDEX["eyeBlinkRight"]] and not m.mask[arkit.INDEX["eyeBlinkLeft"]]
    assert quat_to_euler(m.head_rotation) == pytest.approx((-0.4, 0.2, 0.1))
    assert m.head_position == pytest.approx([-0.01, 0.02, 0.03])
    assert m.eyes == pytest.approx(np.array([[0.3, 0.4], [-0.1, 0.2]]))
    back = mirror_frame(m)
    assert np.array_equal(back.weights, frame.weights) and np.allclose(back.head_rotation, frame.head_rotation)


def test_image_folders_play_in_natural_order_at_their_rate_and_skip_unreadable_files(tmp_path):
    for k in (10, 2, 1):
        cv2.imwrite(str(tmp_path / f"frame{k}.png"), np.full((8, 8, 3), k, np.uint8))
    (tmp_path / "frame5.png").write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("ignored")
    frames = ImageFolder(tmp_path, fps=10)
    assert frames.duration == pytest.approx(0.4)
    assert frames.newest(0.0)[1][0, 0, 0] == 1
    assert frames.newest(0.05) is None  # nothing new yet
    t, image = frames.newest(0.35)  # frame2 is skipped for the newest due, frame5 is unreadable
    assert (t, image[0, 0, 0]) == (pytest.approx(0.3), 10)
    assert frames.newest(10.0) is None and frames.ended


def test_recordings_name_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="no such video file"):
        open_source(f"video:{tmp_path / 'missing.mp4'}")
    with pytest.raises(ValueError, match="no images in it"):
        open_source(f"images:{tmp_path}")
    with pytest.raises(ValueError, match="name a file or folder"):
        open_source("video:")
    (tmp_path / "bad.mp4").write_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match="cannot read it as a video"):
        open_source(f"video:{tmp_path / 'bad.mp4'}")


def test_options_are_checked_before_anything_is_opened():
    with pytest.raises(ValueError, match="colour"):
        open_source("webcam:0?colour=red")  # an option error, not a camera error
    with pytest.raises(ValueError, match="calibrate"):
        open_source("video:x.mp4?calibrate=-3")
    with pytest.raises(ValueError, match="mirror"):
        open_source("video:x.mp4?mirror=maybe")


def test_quaternion_from_a_scaled_rotation_matrix_matches_scipy():
    from scipy.spatial.transform import Rotation

    from engine.drivers.face_tracking.mapping import quaternion

    rng = np.random.default_rng(0)
    for _ in range(200):
        rotation = Rotation.random(random_state=rng)
        q = quaternion(rotation.as_matrix() * rng.uniform(0.5, 2.0))
        expected = rotation.as_quat()
        assert min(np.abs(q - expected).max(), np.abs(q + expected).max()) < 1e-9


def test_a_model_that_is_not_a_face_landmarker_bundle_is_refused(tmp_path):
    bogus = tmp_path / "face_landmarker.task"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a Face Landmarker bundle"):
        open_source(f"video:x.mp4?model={bogus}")
    with pytest.raises(ValueError, match="no Face Landmarker model there"):
        open_source(f"video:x.mp4?model={tmp_path / 'missing.task'}")

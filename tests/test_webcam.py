"""The webcam/video driver on real faces (tests/data/faces/, see NOTICE.md there): MediaPipe runs
for real on recorded video and photographs; nothing is fetched."""

import time
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
import skimage.data
from mediapipe.tasks.python.vision import FaceLandmarksConnections

from engine.drivers.face_tracking.camera import Camera
from engine.drivers.face_tracking.landmarker import Landmarker
from engine.drivers.face_tracking.sources import CameraSource
from engine.drivers.face_tracking.tracker import FaceTracker
from engine.idle import IdleMotion
from engine.mixer import LayerRule
from engine.pipeline import OfflineClock, Pipeline, RealtimeClock
from engine.registry import open_sink, open_source
from engine.protocols.livelink_csv import read_take
from engine.rig.transforms import quat_to_euler

FACES = Path(__file__).parent / "data" / "faces"
TALKING = FACES / "single_face.mp4"  # a man talking and smiling, 72 frames at 30 fps
LEAVES = FACES / "face_leaves_returns.mp4"  # face 0-71, none 72-119, face 120-191 at 30 fps
TURNS = FACES / "head_turns.mp4"  # a woman turning her head, 92 frames at 24 fps
LAST_FACE, FACE_BACK = 71 / 30, 120 / 30


def play(uri: str, fps: float, each=None, options=None) -> list:
    """Every frame of a recording source, offline at `fps`; `each(source)` runs after each tick."""
    source = open_source(uri, options)
    source.start(OfflineClock(fps, source.duration))
    frames, extra = [], []
    try:
        for k in range(int(round(source.duration * fps))):
            frames.append(source.frame_at(k / fps))
            if each is not None:
                extra.append(each(source))
    finally:
        source.stop()
    return frames if each is None else (frames, extra)


def angles(frames) -> np.ndarray:
    return np.degrees([quat_to_euler(f.head_rotation) for f in frames])  # yaw, pitch, roll


def corr(a, b) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_a_talking_face_is_found_in_every_frame_and_the_jaw_follows_the_lips():
    def lip_gap(source):  # inner-lip gap over forehead-to-chin height, from the landmarks
        upper, lower, top, chin = source.tracker.detection.points([13, 14, 10, 152])
        return np.linalg.norm(lower - upper) / np.linalg.norm(chin - top)

    frames, gaps = play(f"video:{TALKING}", 30, lip_gap)
    assert len(frames) == 72 and all(f is not None for f in frames)
    assert [f.t for f in frames] == pytest.approx(np.arange(72) / 30)  # one new face per video frame
    jaw = np.array([f.weight("jawOpen") for f in frames])
    assert jaw.std() > 0.01
    assert corr(jaw, gaps) > 0.8
    first = frames[0]
    assert first.mask.sum() == 51 and not first.mask[-1]  # all but tongueOut
    assert first.confidence == 1.0 and first.eyes.shape == (2, 2)
    assert first.weight("mouthSmileLeft") < 0.1  # he starts neutral, then smiles
    assert max(f.weight("mouthSmileLeft") for f in frames) > 0.7


class _Levels:
    """A sink that records the webcam layer's fade level and the mixed weights at each tick."""

    name, needs_pose = "levels", False

    def __init__(self, pipeline, layer):
        self.pipeline, self.layer, self.rows = pipeline, layer, []
        self.twin = IdleMotion(0)  # the same idle motion as the pipeline's `idle:`, tick for tick

    def open(self, run):
        pass

    def write(self, frame, pose):
        idle = self.twin.frame(frame.t)
        self.rows.append((frame.t, self.pipeline.mixer.level(self.layer), frame.weights, idle.weights))

    def close(self):
        pass


def test_a_face_that_leaves_eases_to_idle_within_half_a_second_and_back(tmp_path):
    source = open_source(f"video:{LEAVES}")
    take = tmp_path / "take.csv"
    pipeline = Pipeline([open_source("idle:"), source], [open_sink(f"csv:{take}")])
    levels = _Levels(pipeline, source.name)
    pipeline.sinks.append(levels)
    stats = pipeline.run(OfflineClock(30, pipeline.media_duration()))

    assert stats.frames == 192
    fps, recorded = read_take(take)
    assert len(recorded) == 192 and np.diff([f.t for f in recorded]) == pytest.approx(1 / 30)
    t = np.array([r[0] for r in levels.rows])
    level = np.array([r[1] for r in levels.rows])
    held = t <= LAST_FACE + 0.2 - 1e-6
    assert np.all(level[held & (t < FACE_BACK)] == 1.0)  # held briefly...
    gone = (t >= LAST_FACE + 0.5 + 1e-6) & (t < FACE_BACK)
    assert gone.sum() > 30 and np.all(level[gone] == 0.0)  # ...then idle within 0.5 s
    assert np.any((level > 0.1) & (level < 0.9) & (t < FACE_BACK))  # eased out, not cut
    for k in np.flatnonzero(gone):
        assert np.array_equal(levels.rows[k][2], levels.rows[k][3])  # the mix is idle's face
    back = t >= FACE_BACK + 0.3 + 2 / 30
    assert np.all(level[back] == 1.0)  # eased back in over the fade
    assert np.any((level > 0.1) & (level < 0.9) & (t >= FACE_BACK))


@pytest.fixture(scope="module")
def turns(tmp_path_factory):
    """The head-turn clip tracked three ways: as recorded, horizontally flipped, and mirrored."""
    flipped = tmp_path_factory.mktemp("flip") / "flipped.mp4"
    cap = cv2.VideoCapture(str(TURNS))
    writer = imageio_ffmpeg.write_frames(str(flipped), (512, 288), fps=24, quality=None,
                                         output_params=["-crf", "12"])
    writer.send(None)
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        writer.send(np.ascontiguousarray(cv2.cvtColor(bgr[:, ::-1], cv2.COLOR_BGR2RGB)).tobytes())
    writer.close()

    def nose_offset(source):  # the nose tip's offset from the cheeks' midpoint, picture widths
        nose, right_cheek, left_cheek = source.tracker.detection.points([1, 234, 454])
        return nose[0] - (right_cheek[0] + left_cheek[0]) / 2

    original, noses = play(f"video:{TURNS}", 24, nose_offset)
    return {"original": original, "noses": np.array(noses), "flipped": play(f"video:{flipped}", 24),
            "mirrored": play(f"video:{TURNS}?mirror=true", 24)}


def asymmetry(frames, stem) -> np.ndarray:
    return np.array([f.weight(stem + "Left") - f.weight(stem + "Right") for f in frames])


def test_the_subject_turning_to_their_left_turns_the_avatar_to_its_left(turns):
    assert all(f is not None for f in turns["original"])
    yaw = angles(turns["original"])[:, 0]
    assert yaw.min() < -10 and yaw.max() > 2  # she turns several degrees each way
    # The nose moving to the picture's right (the subject's left) is a positive yaw.
    assert corr(yaw, turns["noses"]) > 0.8


def test_a_flipped_video_swaps_left_and_right_and_negates_yaw_and_roll(turns):
    original, flipped = angles(turns["original"]), angles(turns["flipped"])
    assert corr(original[:, 0], flipped[:, 0]) < -0.9  # yaw
    assert corr(original[:, 2], flipped[:, 2]) < -0.9  # roll
    assert corr(original[:, 1], flipped[:, 1]) > 0.8  # pitch is not a side
    assert corr(asymmetry(turns["original"], "eyeBlink"), asymmetry(turns["flipped"], "eyeBlink")) < -0.5
    # eyeBlinkLeft of the original follows eyeBlinkRight of the flipped video
    left = [f.weight("eyeBlinkLeft") for f in turns["original"]]
    assert corr(left, [f.weight("eyeBlinkRight") for f in turns["flipped"]]) > 0.9


def test_mirror_true_acts_like_a_flipped_camera(turns):
    mirrored, flipped = angles(turns["mirrored"]), angles(turns["flipped"])
    assert corr(mirrored[:, 0], flipped[:, 0]) > 0.9
    assert corr(mirrored[:, 2], flipped[:, 2]) > 0.9
    assert corr(asymmetry(turns["mirrored"], "eyeBlink"), asymmetry(turns["flipped"], "eyeBlink")) > 0.5


def _photo_folder(tmp_path, image_rgb, copies=1) -> Path:
    for k in range(copies):
        cv2.imwrite(str(tmp_path / f"{k}.png"), cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
    return tmp_path


def test_a_still_smiling_face_raises_both_smile_channels(tmp_path):
    folder = _photo_folder(tmp_path, skimage.data.astronaut(), copies=3)
    frames = play(f"images:{folder}?fps=10", 10)
    assert len(frames) == 3
    for f in frames:
        assert f.weight("mouthSmileLeft") > 0.5 and f.weight("mouthSmileRight") > 0.5
        assert f.weight("mouthFrownLeft") < 0.1


def _eye_on_the_pictures_right_closed(rgb: np.ndarray) -> np.ndarray:
    """The photo with the eye on the picture's right (the subject's LEFT eye) painted over
    with skin and a lash line, as if winking."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    with Landmarker() as landmarker:
        found = landmarker.detect(bgr, 0.0)
    h, w = bgr.shape[:2]
    eyes = {c.start for c in FaceLandmarksConnections.FACE_LANDMARKS_LEFT_EYE
            + FaceLandmarksConnections.FACE_LANDMARKS_RIGHT_EYE}
    nose_x = found.points([1])[0, 0]
    points = found.points(sorted(eyes)) * (w, h)
    eye = points[points[:, 0] > nose_x * w]
    (x0, y0), (x1, y1) = eye.min(0) - (4, 7), eye.max(0) + (4, 5)
    skin = bgr[int(y1) + 8:int(y1) + 16, int(x0):int(x1)].reshape(-1, 3).mean(0)
    centre, axes = (int((x0 + x1) / 2), int((y0 + y1) / 2)), (int((x1 - x0) / 2), int((y1 - y0) / 2))
    cv2.ellipse(bgr, centre, axes, 0, 0, 360, skin.tolist(), -1)
    cv2.line(bgr, (int(x0) + 2, centre[1] + 2), (int(x1) - 2, centre[1] + 2), (40, 40, 60), 2)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def test_the_subjects_left_eye_drives_eye_blink_left_unless_mirrored(tmp_path):
    folder = _photo_folder(tmp_path, _eye_on_the_pictures_right_closed(skimage.data.astronaut()))
    (plain,) = play(f"images:{folder}?smooth=false", 30)
    (mirrored,) = play(f"images:{folder}?smooth=false&mirror=true", 30)
    assert plain.weight("eyeBlinkLeft") > 2 * plain.weight("eyeBlinkRight")
    assert mirrored.weight("eyeBlinkRight") > 2 * mirrored.weight("eyeBlinkLeft")


def test_calibration_takes_the_first_frames_as_neutral_from_a_uri_or_a_show_file():
    raw = play(f"video:{TALKING}?smooth=false&calibrate=0", 30)
    calibrated = play(f"video:{TALKING}", 30, options={"smooth": False, "calibrate": 5})  # as TOML gives them
    assert raw[10].weight("browInnerUp") > 0.3  # his resting brows read as raised
    assert calibrated[10].weight("browInnerUp") < 0.1
    assert abs(np.degrees(quat_to_euler(calibrated[10].head_rotation)[1])) < 1.0  # pitch ~0


def test_no_camera_is_a_clear_error_that_names_the_device():
    with pytest.raises(ValueError, match=r"/dev/video57: no such camera.*video:FILE"):
        open_source("webcam:57")


class _StandInCamera:
    """A camera that plays the talking face for `face_for` seconds, then an empty room."""

    def __init__(self, face_for: float, fps: float = 30.0):
        cap = cv2.VideoCapture(str(TALKING))
        self.pictures = []
        while (got := cap.read())[0]:
            self.pictures.append(got[1])
        self.face_for, self.period, self.k, self.began = face_for, 1.0 / fps, 0, None

    def read(self):
        time.sleep(self.period)
        self.began = self.began or time.perf_counter()
        self.k += 1
        if time.perf_counter() - self.began > self.face_for:
            return True, np.zeros_like(self.pictures[0])
        return True, self.pictures[self.k % len(self.pictures)]

    def release(self):
        pass


def test_a_live_camera_drives_the_layer_and_a_lost_face_fades_to_idle():
    rule = LayerRule("webcam:stand-in", priority=10, stale_after=0.2, fade=0.3)
    source = CameraSource(Camera(_StandInCamera(face_for=1.2), "stand-in"),
                          FaceTracker(Landmarker(), rule.name), rule)
    pipeline = Pipeline([open_source("idle:"), source], [])
    levels = _Levels(pipeline, rule.name)
    pipeline.sinks.append(levels)
    pipeline.run(RealtimeClock(30, 2.2))
    t = np.array([r[0] for r in levels.rows])
    level = np.array([r[1] for r in levels.rows])
    # the layer fades in over `fade` from the first detection, which a loaded machine's first
    # MediaPipe run can put a few hundred ms in
    assert (level > 0).any(), "the face never drove the avatar"
    first = t[level > 0][0]
    driving = level[(t > first + rule.fade + 0.05) & (t < 1.1)]
    assert len(driving) >= 3 and np.median(driving) == 1.0 and driving.min() > 0.5, level  # the face drives it live
    assert np.all(level[t > 1.2 + 0.5 + 0.2] == 0.0)  # gone within 0.5 s (+ a little live slack)


def test_a_camera_source_that_never_started_stops_cleanly():
    class Idle:
        released = False

        def read(self):
            return False, None

        def release(self):
            Idle.released = True

    rule = LayerRule("webcam:idle", priority=10)
    CameraSource(Camera(Idle(), "stand-in"), FaceTracker(Landmarker(), rule.name), rule).stop()
    assert Idle.released

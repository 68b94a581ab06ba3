"""The mascot's 52 ARKit blendshapes, sculpted as displacement fields.

Each shape is a function of rest positions: a smooth, compactly supported mask over a region
times a direction field (a translation, a rotation about the jaw hinge or an eye centre, a
swell). Evaluating the same functions on every part keeps parts that touch (skin, brows,
lids) moving together. Right-hand shapes are their left twins mirrored through x = 0.

Three kinds of part get targets:
- skin (face, brows): `SKIN[name](points)`;
- upper lids: eye shapes re-pose the lid shell around the eyeball (`lid_targets`), so a
  blink slides over the ball instead of through it;
- lower teeth and tongue: they ride the jaw rigidly (`jaw_targets`), the tongue also reaches
  out for tongueOut.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.arkit import NAMES, mirror
from engine.rig.mascot_layout import HEAD_CENTER, LEFT_EYE, MOUTH, Eye, at
from engine.rig.mascot_parts import LID_TOP, lid_azimuths, lid_points, lid_rest_margin, surface_point
from engine.rig.masks import bump, smoothstep

Field = Callable[[np.ndarray], np.ndarray]

HINGE = np.asarray(MOUTH.hinge)
Z_LIPS = MOUTH.z_front


def _on_face(x: float, y: float) -> np.ndarray:
    """A landmark on the skin, given by its offset from the head centre seen from the front."""
    return surface_point(HEAD_CENTER[0] + x, HEAD_CENTER[1] + y)[0]


# Left-side landmarks the masks are centred on.
CORNER = _on_face(MOUTH.half_width + 0.001, MOUTH.y0 - HEAD_CENTER[1] + MOUTH.curve * MOUTH.half_width**2)
CHEEK = _on_face(0.056, -0.046)
CHEEK_HIGH = _on_face(0.048, -0.026)
NOSE_WING = _on_face(0.014, -0.026)
UPPER_LIP_SIDE = _on_face(0.013, -0.047)
BROW_INNER = _on_face(0.024, 0.046)
BROW_OUTER = _on_face(0.066, 0.040)


def _vec(x, y, z, w) -> np.ndarray:
    """A constant displacement (x, y, z) scaled per point by the mask `w`."""
    return np.asarray(w)[..., None] * np.array([x, y, z])


# -- mouth coordinates -----------------------------------------------------------------------


def _split_width(x: np.ndarray) -> np.ndarray:
    """How softly the upper and lower lip are told apart: a knife edge between the lips,
    widening past the corners where the skin is continuous."""
    hw = MOUTH.half_width
    return 0.0002 + 0.018 * smoothstep(hw - 0.004, hw + 0.022, np.abs(x))


def _below_split(p: np.ndarray) -> np.ndarray:
    """1 under the surface that parts the jaw from the skull: level with the lips' parting
    through the mouth (the roof stays, the floor drops), rising towards the hinge beside it."""
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    slope = (HINGE[1] - MOUTH.y0) / (Z_LIPS - HINGE[2])
    beside = smoothstep(MOUTH.bag_radii[0] - 0.004, MOUTH.bag_radii[0] + 0.016, np.abs(x))
    split = MOUTH.parting(x) + np.maximum(Z_LIPS - z, 0.0) * slope * beside
    t = _split_width(x)
    return smoothstep(t, -t, y - split)


def _lip_zone(p: np.ndarray, reach_up: float, reach_down: float) -> tuple[np.ndarray, np.ndarray]:
    """(upper, lower) lip masks: full at the parting, fading `reach_up` above / `reach_down`
    below it, limited to the mouth's width and the front of the face."""
    x, z = p[..., 0], p[..., 2]
    yb = p[..., 1] - MOUTH.parting(x)
    lateral = smoothstep(MOUTH.half_width + 0.014, MOUTH.half_width - 0.006, np.abs(x))
    front = smoothstep(Z_LIPS - 0.026, Z_LIPS - 0.012, z)
    below = _below_split(p)
    upper = (1 - below) * smoothstep(reach_up, 0.001, yb) * lateral * front
    lower = below * smoothstep(-reach_down, -0.001, yb) * lateral * front
    return upper, lower


def _left_half(p: np.ndarray) -> np.ndarray:
    return smoothstep(-0.010, 0.014, p[..., 0])


# -- jaw ---------------------------------------------------------------------------------------


def _jaw_weight(p: np.ndarray) -> np.ndarray:
    """The lower face that the mandible carries: under the split, in front of the hinge, and
    not the neck (outside the jaw's rounded volume)."""
    front = smoothstep(HINGE[2] - 0.005, HINGE[2] + 0.03, p[..., 2])
    q = (p - at(0.0, -0.040, 0.030)) / np.array([0.095, 0.070, 0.080])
    inside = smoothstep(1.3, 0.9, np.linalg.norm(q, axis=-1))
    return _below_split(p) * front * inside


def _hinge_turn(p: np.ndarray, angle: float) -> np.ndarray:
    """Displacement of rotating about the hinge axis (+X); positive angles open the mouth."""
    q = p - HINGE
    c, s = np.cos(angle), np.sin(angle)
    turned = np.stack([q[..., 0], c * q[..., 1] - s * q[..., 2], s * q[..., 1] + c * q[..., 2]], -1)
    return turned - q


def _jaw_open(p: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    w = _jaw_weight(p) if weight is None else weight
    return _hinge_turn(p, MOUTH.jaw_angle) * np.asarray(w)[..., None]


LIP_LIFT = 0.003  # metres the upper lip rises off the teeth as the jaw opens


def _jaw_open_skin(p: np.ndarray) -> np.ndarray:
    """The jaw's drop, with the upper lip lifting off the teeth as the lips part."""
    upper, _ = _lip_zone(p, 0.012, 0.01)
    return _jaw_open(p) + _vec(0, LIP_LIFT, 0.0005, upper)


def _jaw_slide(dx: float, dz: float) -> Callable[[np.ndarray, np.ndarray | None], np.ndarray]:
    def field(p, weight=None):
        return _vec(dx, 0.0, dz, _jaw_weight(p) if weight is None else weight)

    return field


#: The jaw's fields take the channel's weight per vertex as well (the parts it carries whole).
_JAW: dict[str, Callable[..., np.ndarray]] = {
    "jawOpen": _jaw_open,
    "jawForward": _jaw_slide(0.0, 0.009),
    "jawLeft": _jaw_slide(0.009, 0.0),
}
TONGUE_OUT_JAW = 0.32  # tongueOut drops the jaw this much of jawOpen so the tongue fits out


# -- eyes --------------------------------------------------------------------------------------


def _rim_reach(eye: Eye, az: np.ndarray) -> np.ndarray:
    """How much of a lid turn reaches an azimuth: all of it mid-eye, little at the corners
    (where the upper and lower lid meet and turning them apart would crumple the skin)."""
    return smoothstep(eye.half_width + 0.45, eye.half_width - 0.35, np.abs(az))


def _rim_turn(p: np.ndarray, eye: Eye, up: float, low: float, side: float = 0.0) -> np.ndarray:
    """Turns the skin around an eye about the eye centre: the upper lid region by `up`, the
    lower by `low` (radians of elevation, positive up) and both by `side` (azimuth). Distances
    to the centre are kept, so the lids never cut into the eyeball."""
    az, el, dist = eye.angles(p)
    near = smoothstep(eye.bulge + 0.014, eye.bulge + 0.002, dist)
    upper = smoothstep(-0.12, 0.12, el)
    w = near * _rim_reach(eye, az)
    new_el = el + w * (up * upper + low * (1 - upper))
    new_az = az + w * side
    return eye.point(new_az, new_el, dist) - p


def _eye_skin(up: float, low: float, side_in: float = 0.0) -> Field:
    """A left-eye skin field; `side_in` turns towards the nose."""
    return lambda p: _rim_turn(p, LEFT_EYE, np.radians(up), np.radians(low), -np.radians(side_in))


def _cheek_raise(p: np.ndarray, amount: float) -> np.ndarray:
    return _vec(0.0, amount, amount * 0.4, bump(p, CHEEK_HIGH, (0.032, 0.024, 0.04)))


# Upper lid poses per eye shape, in degrees: (edge elevation change at the middle, change at
# the hidden top, azimuth turn towards the nose).
_LID_POSES = {
    "eyeBlink": None,  # closes onto the raised lower lid, see _blink_margin
    "eyeSquint": (-5.0, -2.0, 0.0),
    "eyeWide": (8.0, 6.0, 0.0),
    "eyeLookUp": (5.0, 3.0, 0.0),
    "eyeLookDown": (-11.0, -6.0, 0.0),
    "eyeLookIn": (0.0, 0.0, 3.0),
    "eyeLookOut": (0.0, 0.0, -3.0),
}
BLINK_LOW_RISE = 7.0  # degrees the lower lid rises in a blink
BLINK_TUCK = 6.0  # degrees the closed upper lid tucks under the lower one
BLINK_SWELL = 0.0026  # metres: a closed lid rounds over the cornea (and clears it half-way)


def _blink_margin(eye: Eye, az: np.ndarray) -> np.ndarray:
    """The closed upper lid's edge: under the risen lower lid, and past the rounded corners."""
    rise = np.radians(BLINK_LOW_RISE) * _rim_reach(eye, az)
    corner = np.radians(8.0) * (1.0 - eye.arch(az))  # the rim's rounding opens the corners wider
    return eye.lower * eye.arch(az) + rise - np.radians(BLINK_TUCK) - corner + eye.beyond_corners(az)


def lid_targets(eye: Eye) -> dict[str, np.ndarray]:
    """Deltas of the eye shapes on one upper lid (the eye's own side only)."""
    az = lid_azimuths(eye)
    rest_margin = lid_rest_margin(eye, az)
    top = np.full_like(az, eye.upper + LID_TOP)
    rest = lid_points(eye, az, rest_margin, top)
    s = eye.arch(az)
    suffix = "Left" if eye.side > 0 else "Right"
    out = {}
    for base, pose in _LID_POSES.items():
        if pose is None:
            posed = lid_points(eye, az, _blink_margin(eye, az), top - np.radians(10), BLINK_SWELL)
        else:
            edge, top_shift, turn_in = pose
            turn = -np.radians(turn_in) * eye.side  # towards the nose is -X for the left eye
            posed = lid_points(eye, az + turn, rest_margin + np.radians(edge) * s, top + np.radians(top_shift))
        out[base + suffix] = (posed - rest).reshape(-1, 3)
    return out


# -- the skin fields (left side; right side mirrored) -------------------------------------------


def _smile_curve(p: np.ndarray) -> np.ndarray:
    """The left half of a smile's lift along the mouth: 0 in the middle, rising as x^2 to 1 at
    the corner (so both halves together bend the mouth line into one smooth U, never a "w"),
    fading into the cheek past it; full on the lips, softening above and below them."""
    x, z = p[..., 0], p[..., 2]
    hw = MOUTH.half_width
    along = (np.clip(x, 0.0, hw) / hw) ** 2 * smoothstep(hw + 0.048, hw + 0.002, x)
    yb = p[..., 1] - MOUTH.parting(x)
    across = np.exp(-((yb / np.where(yb > 0, 0.022, 0.018)) ** 2))
    front = smoothstep(Z_LIPS - 0.045, Z_LIPS - 0.020, z)
    return along * across * front


def _smile(p):
    """A cartoon smile: the mouth line curving up into round corners drawn up, out and back
    round the face, the cheeks lifting and the lower lid pushed up by them."""
    c = _smile_curve(p)
    half = smoothstep(-0.012, 0.012, p[..., 0])  # the two halves sum to 1 across the middle
    lift = bump(p, np.array([0.0, MOUTH.y0, Z_LIPS]), (0.05, 0.03, 0.05)) * half
    return (
        _vec(0.005, 0.0185, -0.006, c)
        + _vec(0.0, 0.0015, 0.0, lift)
        + _cheek_raise(p, 0.0065)
        + _rim_turn(p, LEFT_EYE, 0, np.radians(5))
    )


def _frown(p):
    return _vec(0.0015, -0.0085, -0.001, bump(p, CORNER, (0.022, 0.022, 0.035)))


def _dimple(p):
    return _vec(0.004, 0.001, -0.007, bump(p, CORNER, (0.018, 0.016, 0.03)))


def _stretch(p):
    _, lower = _lip_zone(p, 0.01, 0.016)
    return _vec(0.008, -0.003, -0.003, bump(p, CORNER, (0.032, 0.026, 0.04))) + _vec(
        0, -0.002, 0, lower * _left_half(p)
    )


def _mouth_side(p):
    """The whole mouth slides towards +X, following the face's curve (a small yaw)."""
    centre = np.array([0.0, MOUTH.y0, Z_LIPS - 0.012])
    w = bump(p, centre, (0.055, 0.032, 0.06))
    q = p - np.array([0.0, 0.0, HEAD_CENTER[2] - 0.02])
    a = np.radians(6.0)
    turned = np.stack(
        [np.cos(a) * q[..., 0] + np.sin(a) * q[..., 2], q[..., 1], -np.sin(a) * q[..., 0] + np.cos(a) * q[..., 2]], -1
    )
    return (turned - q) * w[..., None]


def _lips_gather(p, forward: float, inward: float, open_up: float, open_down: float) -> np.ndarray:
    """Lips pushed forward and drawn towards the middle (pucker, funnel), optionally parted."""
    upper, lower = _lip_zone(p, 0.014, 0.016)
    lips = upper + lower
    around = bump(p, np.array([0.0, MOUTH.y0, Z_LIPS - 0.01]), (0.05, 0.04, 0.05))
    yb = p[..., 1] - MOUTH.parting(p[..., 0])
    edge = smoothstep(0.008, 0.0, np.abs(yb))
    d = np.zeros_like(p)
    d[..., 0] = -inward * p[..., 0] * np.maximum(lips, 0.5 * around)
    d[..., 2] = forward * (0.6 * lips + 0.4 * edge * lips + 0.35 * around)
    centre = smoothstep(MOUTH.half_width, 0.0, np.abs(p[..., 0]))
    d[..., 1] = (open_up * upper - open_down * lower) * centre * edge
    d[..., 1] += 0.35 * (MOUTH.parting(p[..., 0] * (1 - inward)) - MOUTH.parting(p[..., 0])) * lips
    return d


def _pucker(p):
    return _lips_gather(p, 0.011, 0.42, -0.0004, -0.0004)


def _funnel(p):
    return _lips_gather(p, 0.009, 0.30, 0.0045, 0.0055)


def _roll(upper_lip: bool) -> Field:
    def field(p):
        upper, lower = _lip_zone(p, 0.010, 0.012)
        if upper_lip:
            return _vec(0, -0.0025, -0.0075, upper) + _vec(0, 0.001, 0, lower)
        return _vec(0, 0.0025, -0.0075, lower) + _vec(0, -0.001, 0, upper)

    return field


def _shrug_lower(p):
    chin = bump(p, np.array([0.0, MOUTH.y0 - 0.022, Z_LIPS - 0.012]), (0.04, 0.028, 0.045))
    _, lower = _lip_zone(p, 0.01, 0.012)
    return _vec(0, 0.0035, 0.002, chin) + _vec(0, 0.0015, 0.0015, lower)


def _shrug_upper(p):
    upper, lower = _lip_zone(p, 0.016, 0.012)
    return _vec(0, 0.003, 0.0025, upper) + _vec(0, 0.0022, 0.0015, lower)


def _press(p):
    upper, lower = _lip_zone(p, 0.010, 0.012)
    half = _left_half(p)
    return _vec(0.002, -0.0015, -0.002, upper * half) + _vec(0.002, 0.0015, -0.002, lower * half)


def _lower_down(p):
    _, lower = _lip_zone(p, 0.01, 0.02)
    return _vec(0.0005, -0.0075, 0.001, lower * _left_half(p))


def _upper_up(p):
    upper, _ = _lip_zone(p, 0.018, 0.01)
    return _vec(0.0005, 0.0065, 0.0008, upper * _left_half(p))


def _mouth_close(p):
    """Seals the lips over an open jaw: takes back jawOpen's motion where the lips are, fading
    down the chin and out past the corners, so jawOpen + mouthClose drops the chin with the
    lips resting together (and alone, as in ARKit, pushes the lips through each other)."""
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    yb = y - MOUTH.parting(x)
    lateral = smoothstep(MOUTH.half_width + 0.018, MOUTH.half_width - 0.002, np.abs(x))
    vertical = smoothstep(-0.022, -0.008, yb)
    front = smoothstep(Z_LIPS - 0.030, Z_LIPS - 0.016, z)
    return -_jaw_open_skin(p) * (lateral * vertical * front)[..., None]


def _cheek_puff(p):
    d = np.zeros_like(p)
    for s in (1.0, -1.0):
        w = bump(p, CHEEK * [s, 1, 1], (0.045, 0.040, 0.05))
        out = p - at(0.0, -0.046, 0.0)
        out /= np.linalg.norm(out, axis=-1, keepdims=True)
        d += 0.013 * w[..., None] * out
    upper, lower = _lip_zone(p, 0.01, 0.01)
    return d + _vec(0, 0, 0.002, upper + lower)


def _cheek_squint(p):
    return _cheek_raise(p, 0.0055) + _rim_turn(p, LEFT_EYE, 0.0, np.radians(5))


def _sneer(p):
    ala = bump(p, NOSE_WING, (0.022, 0.022, 0.035))
    lip = bump(p, UPPER_LIP_SIDE, (0.02, 0.014, 0.03))
    brow = bump(p, BROW_INNER, (0.022, 0.018, 0.05))
    return (
        _vec(0.0015, 0.0080, 0.0005, ala) + _vec(0, 0.0035, 0, lip) + _vec(0, -0.003, 0, brow) + _cheek_raise(p, 0.0025)
    )


def _brow_down(p):
    return _vec(-0.0025, -0.0065, 0.001, bump(p, BROW_INNER, (0.030, 0.022, 0.06))) + _vec(
        0, -0.0035, 0, bump(p, BROW_OUTER, (0.032, 0.022, 0.06))
    )


def _brow_inner_up(p):
    d = np.zeros_like(p)
    for s in (1.0, -1.0):
        centre = BROW_INNER * [s, 1, 1]
        d += _vec(-0.001 * s, 0.0085, 0.0005, bump(p, centre, (0.030, 0.024, 0.06)))
    return d


def _brow_outer_up(p):
    return _vec(0.001, 0.0075, 0, bump(p, BROW_OUTER, (0.034, 0.024, 0.06)))


def _tongue_out_skin(p):
    _, lower = _lip_zone(p, 0.01, 0.014)
    return TONGUE_OUT_JAW * _jaw_open(p) + _vec(0, -0.002, 0.0015, lower)


_LEFT_SKIN: dict[str, Field] = {
    "eyeBlinkLeft": _eye_skin(-5.0, BLINK_LOW_RISE),
    "eyeLookDownLeft": _eye_skin(-4.0, -2.0),
    "eyeLookInLeft": _eye_skin(0.0, 0.0, 2.5),
    "eyeLookOutLeft": _eye_skin(0.0, 0.0, -2.5),
    "eyeLookUpLeft": _eye_skin(3.0, 1.5),
    "eyeSquintLeft": lambda p: _eye_skin(-3.0, 9.0)(p) + _cheek_raise(p, 0.002),
    "eyeWideLeft": lambda p: _eye_skin(7.0, -2.0)(p) + _vec(0, 0.0015, 0, bump(p, BROW_OUTER, (0.045, 0.03, 0.06))),
    "jawLeft": _JAW["jawLeft"],
    "mouthLeft": _mouth_side,
    "mouthSmileLeft": _smile,
    "mouthFrownLeft": _frown,
    "mouthDimpleLeft": _dimple,
    "mouthStretchLeft": _stretch,
    "mouthPressLeft": _press,
    "mouthLowerDownLeft": _lower_down,
    "mouthUpperUpLeft": _upper_up,
    "browDownLeft": _brow_down,
    "browOuterUpLeft": _brow_outer_up,
    "cheekSquintLeft": _cheek_squint,
    "noseSneerLeft": _sneer,
}
_CENTRE_SKIN: dict[str, Field] = {
    "jawForward": _JAW["jawForward"],
    "jawOpen": _jaw_open_skin,
    "mouthClose": _mouth_close,
    "mouthFunnel": _funnel,
    "mouthPucker": _pucker,
    "mouthRollLower": _roll(False),
    "mouthRollUpper": _roll(True),
    "mouthShrugLower": _shrug_lower,
    "mouthShrugUpper": _shrug_upper,
    "browInnerUp": _brow_inner_up,
    "cheekPuff": _cheek_puff,
    "tongueOut": _tongue_out_skin,
}


def _mirrored(field: Field) -> Field:
    flip = np.array([-1.0, 1.0, 1.0])
    return lambda p: field(p * flip) * flip


def _skin_field(name: str) -> Field:
    if name in _CENTRE_SKIN:
        return _CENTRE_SKIN[name]
    return _LEFT_SKIN[name] if name in _LEFT_SKIN else _mirrored(_LEFT_SKIN[mirror(name)])


SKIN: dict[str, Field] = {name: _skin_field(name) for name in NAMES}


# -- rigid jaw parts ---------------------------------------------------------------------------


def jaw_targets(verts: np.ndarray, tongue: bool) -> dict[str, np.ndarray]:
    """Deltas for parts carried whole by the jaw (lower teeth, tongue)."""
    one = np.ones(len(verts))
    out = {name: field(verts, one) for name, field in _JAW.items()}
    out["jawRight"] = _mirrored(lambda p: _JAW["jawLeft"](p, one))(verts)
    reach = TONGUE_OUT_JAW * _jaw_open(verts, one)
    if tongue:
        z = verts[:, 2]
        e = smoothstep(z.min() + 0.004, z.max(), z) ** 1.3
        stick = np.zeros_like(verts)
        stick[:, 2] = 0.040 * e
        stick[:, 1] = -0.011 * e**2
        stick[:, 0] = -0.15 * verts[:, 0] * e
        reach = reach + stick
    out["tongueOut"] = reach
    return out


def skin_targets(verts: np.ndarray) -> dict[str, np.ndarray]:
    """Deltas of all 52 shapes for skin-like parts (the face, the brows lying on it)."""
    return {name: SKIN[name](verts) for name in NAMES}

"""The mascot's parts as coloured triangle meshes at rest: head, body with sleeved arms, hands,
eyes, lids, teeth, tongue, brows, collar and badge, coloured by a `Look`.

The head and body are distance fields (smooth unions of ellipsoids and capsules) meshed by
marching cubes and relaxed; the small parts are parametric so their edges stay crisp. Colours
are linear RGB per vertex, painted from the same fields and landmarks the shapes use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.rig import sdf
from engine.rig.mascot_body import body_colors, body_field, cuff_field, hand_colors, hand_field, hand_points
from engine.rig.mascot_layout import (
    BROW,
    CHEEKS,
    CHEST,
    CHIN,
    COLLAR,
    EAR,
    EYES,
    HEAD_CENTER,
    MOUTH,
    NECK_BOTTOM,
    NECK_RADIUS,
    NECK_TOP,
    NOSE_TIP,
    PALETTE,
    Eye,
    Look,
    at,
)
from engine.rig.masks import mix, smoothstep
from engine.rig.meshing import (
    coarsen,
    diffuse,
    grid_faces,
    lathe,
    orient_outward,
    project,
    sdf_surface,
    split_along,
    subdivide,
    taubin_smooth,
    tube,
)


@dataclass
class Part:
    """A mesh at rest; `material` names an entry of mascot.MATERIALS."""

    name: str
    verts: np.ndarray
    faces: np.ndarray
    colors: np.ndarray
    material: str
    weld: np.ndarray | None = None  # vertex -> the vertex it duplicates along a paint seam


# -- head ----------------------------------------------------------------------------------


def _mirror_x(p: np.ndarray) -> np.ndarray:
    q = p.copy()
    q[..., 0] = np.abs(q[..., 0])
    return q


def _skin_field(p: np.ndarray) -> np.ndarray:
    """Skull, face, cheeks, chin, muzzle, lips, nose, brow ridge, ears and neck, unioned."""
    m = _mirror_x(p)
    d = sdf.ellipsoid(p, at(0, 0.030, -0.010), (0.100, 0.100, 0.100))
    d = sdf.smooth_union(d, sdf.ellipsoid(p, at(0, -0.022, 0.016), (0.084, 0.066, 0.080)), 0.04)
    d = sdf.smooth_union(d, sdf.ellipsoid(m, CHEEKS[0], (0.034, 0.028, 0.032)), 0.04)
    d = sdf.smooth_union(d, sdf.ellipsoid(p, CHIN, (0.026, 0.018, 0.022)), 0.035)
    d = sdf.smooth_union(d, sdf.ellipsoid(p, at(0, -0.055, 0.070), (0.036, 0.024, 0.026)), 0.03)
    lips = np.minimum(
        sdf.ellipsoid(p, at(0, -0.051, 0.086), (0.025, 0.0075, 0.010)),
        sdf.ellipsoid(p, at(0, -0.066, 0.084), (0.022, 0.0080, 0.010)),
    )
    d = sdf.smooth_union(d, lips, 0.008)
    # a soft button nose on a low bridge, and a brow ridge that fades out before the temples
    nose = sdf.smooth_union(
        sdf.sphere(p, NOSE_TIP, 0.0125), sdf.capsule(p, at(0, 0.004, 0.090), NOSE_TIP - [0, 0, 0.008], 0.0075), 0.014
    )
    d = sdf.smooth_union(d, nose, 0.016)
    d = sdf.smooth_union(d, sdf.ellipsoid(p, at(0, 0.036, 0.068), (0.068, 0.020, 0.028)), 0.03)
    ear = sdf.ellipsoid(m, EAR, (0.016, 0.030, 0.022), sdf.rotation(yaw=np.radians(25)))
    ear = sdf.smooth_subtract(
        ear,
        sdf.ellipsoid(m, EAR + [0.011, 0.002, 0.006], (0.008, 0.019, 0.012), sdf.rotation(yaw=np.radians(25))),
        0.004,
    )
    d = sdf.smooth_union(d, ear, 0.02)  # a wide fillet: the ears grow out of the head
    return sdf.smooth_union(d, sdf.capsule(p, NECK_TOP, NECK_BOTTOM, NECK_RADIUS), 0.025)


def _fringe(x: np.ndarray, style: str) -> np.ndarray:
    """The hair's front edge (height above the head centre): one clean arch over the brows,
    curving down towards the temples; a bob's falls lower, a crop's sweeps up to one side."""
    t = np.minimum(np.abs(x), 0.075) / 0.075
    if style == "bob":
        return 0.058 + 0.010 * t**2
    return 0.061 + 0.014 * t**2 + 0.008 * np.clip(x / 0.075, -1.0, 1.0)


def _hair_field(p: np.ndarray, style: str = "crop") -> np.ndarray:
    """A rounded cap of hair with a fringe of one clean edge, reaching down the nape behind the
    ears. "crop" adds a tuft at the crown; "bob" adds a chin-length shell that frames the face,
    hides the ears and falls straight at the sides."""
    rel = p - HEAD_CENTER
    cap = sdf.ellipsoid(p, at(0, 0.036, -0.012), (0.108, 0.108, 0.110))
    edge = HEAD_CENTER[1] + _fringe(rel[..., 0], style) - 0.12 * smoothstep(0.03, -0.07, rel[..., 2])
    d = sdf.smooth_intersect(cap, edge - p[..., 1], 0.008)
    if style == "bob":
        shell = sdf.ellipsoid(p, at(0, -0.004, -0.018), (0.121, 0.160, 0.122))
        front = rel[..., 2] - (0.004 + 0.16 * np.clip(rel[..., 1] + 0.09, 0.0, 0.12))  # opens round the face
        shell = sdf.smooth_intersect(shell, front, 0.02)
        shell = sdf.smooth_intersect(shell, -0.094 - rel[..., 1], 0.012)
        return sdf.smooth_union(d, shell, 0.02)
    tuft = sdf.ellipsoid(
        p, at(0.012, 0.136, -0.030), (0.012, 0.024, 0.010), sdf.rotation(pitch=np.radians(35), roll=np.radians(-15))
    )
    return sdf.smooth_union(d, tuft, 0.010)


def face_skin(p: np.ndarray, style: str) -> np.ndarray:
    """Points on the face's open skin (forehead, cheeks, nose, chin), where lumps show: the front
    of the head between chin and brows, away from the eyes, the lips and the hair (`style`)."""
    rel = p - HEAD_CENTER
    keep = (rel[:, 2] > 0.03) & (rel[:, 1] > -0.095) & (rel[:, 1] < 0.05)
    for eye in EYES:
        keep &= np.linalg.norm(p - eye.center, axis=1) > eye.bulge + 0.012
    keep &= ~((np.abs(p[:, 0]) < MOUTH.half_width + 0.012) & (np.abs(p[:, 1] - MOUTH.y0) < 0.018))
    return keep & (_hair_field(p, style) - _skin_field(p) > 0.002)


def _eye_opening(p: np.ndarray, eye: Eye) -> np.ndarray:
    """Distance-like field of the cone through which the eyeball shows."""
    az, el, dist = eye.angles(p)
    reach = np.where(el > 0, eye.upper, -eye.lower)
    k = eye.roundness
    e = (np.abs(az / eye.half_width) ** k + np.abs(el / reach) ** k) ** (1.0 / k) - 1.0
    return e * dist * np.minimum(eye.half_width, reach)


def _mouth_cut(p: np.ndarray) -> np.ndarray:
    """The lips' parting (a thin lens bent along the parting line) plus the mouth bag."""
    x = p[..., 0]
    yb = p[..., 1] - MOUTH.parting(x)
    lens = np.stack([x, yb], -1) / np.array([MOUTH.half_width, MOUTH.gap / 2])
    k0 = np.linalg.norm(lens, axis=-1)
    k1 = np.maximum(np.linalg.norm(lens / np.array([MOUTH.half_width, MOUTH.gap / 2]), axis=-1), 1e-12)
    slit = np.maximum(k0 * (k0 - 1.0) / k1, np.abs(p[..., 2] - MOUTH.z_front + 0.003) - 0.035)
    bag = sdf.ellipsoid(p, MOUTH.bag_center, MOUTH.bag_radii)
    return sdf.smooth_union(slit, bag, 0.004)


def head_field(p: np.ndarray, style: str = "crop") -> np.ndarray:
    """The head's surface; the shapes' landmarks are found on the "crop" one (the hair styles
    differ only away from the face)."""
    d = sdf.smooth_union(_skin_field(p), _hair_field(p, style), 0.004)
    for eye in EYES:
        d = sdf.smooth_union(d, sdf.sphere(p, eye.center, eye.bulge), 0.012)
    d = sdf.smooth_subtract(d, _mouth_cut(p), 0.004)
    for eye in EYES:
        d = sdf.smooth_subtract(d, sdf.sphere(p, eye.center, eye.pocket), 0.002)
        d = sdf.smooth_subtract(d, _eye_opening(p, eye), 0.005)
    return d


def _close_lips(v: np.ndarray) -> np.ndarray:
    """Brings the parted lips (cut wide enough for marching cubes to resolve) together, leaving
    a hairline seam. Distances to the parting shrink monotonically, so no vertex crosses it."""
    x = v[:, 0]
    yb = v[:, 1] - MOUTH.parting(x)
    half = MOUTH.gap / 2
    reach = half - SEAM
    a = np.abs(yb)
    pull = reach * np.where(a < half, a / half, smoothstep(0.012, half, a))
    lateral = smoothstep(MOUTH.half_width + 0.008, MOUTH.half_width, np.abs(x))
    front = smoothstep(MOUTH.bag_center[2] + 0.015, MOUTH.bag_center[2] + 0.032, v[:, 2])
    out = v.copy()
    out[:, 1] -= np.sign(yb) * pull * lateral * front
    return out


SEAM = 0.0004  # half the lips' resting gap


def _head_colors(v: np.ndarray, hair: np.ndarray, look: Look) -> np.ndarray:
    """Skin in two warm tones with blush, lips and a dark mouth; `hair` (bool per vertex)
    says which side of the hairline a vertex lies on."""
    rel = v - HEAD_CENTER
    under_jaw = smoothstep(-0.06, -0.11, rel[:, 1]) * smoothstep(0.05, 0.0, rel[:, 2])
    c = mix(look.colour("skin"), look.colour("skin_shade"), 0.6 * under_jaw)
    for cheek in CHEEKS:
        spot = cheek + [0.004 * np.sign(cheek[0]), -0.004, 0.03]
        c = mix(c, look.colour("blush"), 0.55 * np.exp(-((np.linalg.norm(v - spot, axis=1) / 0.017) ** 2)))
    c = mix(
        c, look.colour("blush"), 0.35 * np.exp(-((np.linalg.norm(v - NOSE_TIP - [0, 0, 0.01], axis=1) / 0.012) ** 2))
    )
    ear_in = np.exp(-((np.linalg.norm(_mirror_x(v) - EAR - [0.014, 0.0, 0.006], axis=1) / 0.014) ** 2))
    c = mix(c, look.colour("blush"), 0.5 * ear_in)
    # lips: a band around the parting, fuller in the middle, inside the mouth's width
    x = v[:, 0]
    yb = v[:, 1] - MOUTH.parting(x)
    taper = np.sqrt(np.clip(1 - (x / (MOUTH.half_width + 0.002)) ** 2, 0, 1))
    height = np.where(yb > 0, 0.0085, 0.0095) * (0.35 + 0.65 * taper)
    lips = smoothstep(height + 0.002, height - 0.002, np.abs(yb)) * (taper > 0) * smoothstep(0.07, 0.08, rel[:, 2])
    c = mix(c, look.colour("lips"), 0.85 * lips)
    # inside the mouth: dark, darker deeper in
    bag = sdf.ellipsoid(v, MOUTH.bag_center, MOUTH.bag_radii)
    cut = _mouth_cut(v)
    depth = MOUTH.z_front - 8.0 * x**2 - v[:, 2]  # behind the lips' front, which curves back
    inside = smoothstep(0.004, 0.001, cut) * smoothstep(0.003, 0.008, depth)
    c = mix(c, look.colour("mouth"), np.clip(inside, 0, 1))
    c = mix(c, look.colour("throat"), smoothstep(0.07, 0.035, rel[:, 2]) * (bag < 0.004))
    # sockets: the skin seen around the eyeball is in shadow
    for eye in EYES:
        dist = np.linalg.norm(v - eye.center, axis=1)
        c = mix(c, look.colour("skin_shade") * 0.55, smoothstep(eye.pocket + 0.004, eye.pocket, dist))
    sheen = smoothstep(0.06, 0.14, rel[:, 1]) * smoothstep(-0.02, 0.06, rel[:, 2])
    c = mix(c, mix(look.colour("hair"), look.colour("hair_light"), sheen), hair.astype(np.float64))
    return c


NOSE_REFINE = 1


def head(look: Look, step: float = 0.004) -> Part:
    """The head and neck in one closed surface; the hairline is cut into it so the hair's
    colour stops crisply."""
    field = lambda p: head_field(p, look.hair)  # noqa: E731
    v, f = sdf_surface(field, at(-0.136, -0.22, -0.15), at(0.136, 0.16, 0.145), step)  # x symmetric on the grid
    v = taubin_smooth(v, f, passes=12)
    # the nose curves five times tighter than the cheeks, and the eyes' rims are thin edges:
    # twice the resolution there, on the field
    for _ in range(NOSE_REFINE):
        mid = v[f].mean(axis=1)
        fine = np.linalg.norm(mid - NOSE_TIP, axis=1) < 0.024
        for eye in EYES:
            rim = np.abs(_eye_opening(mid, eye)) < 0.005
            fine |= rim & (np.linalg.norm(mid - eye.center, axis=1) < eye.bulge + 0.004)
        v, f = subdivide(v, f, fine)
        v = project(field, v)
    # behind the ears, and under a bob's hem, the head is smooth and seen from the front at most
    # edge-on: half the resolution there
    rel = v - HEAD_CENTER
    under = (rel[:, 1] < -0.085) & (rel[:, 2] < 0.0) & (np.hypot(rel[:, 0], rel[:, 2] + 0.016) > NECK_RADIUS + 0.012)
    v, f = coarsen(v, f, (rel[:, 2] < -0.05) | under, 2 * step)
    v = taubin_smooth(v, f, passes=3)
    near_eyes = sum(smoothstep(eye.bulge + 0.008, eye.bulge, np.linalg.norm(v - eye.center, axis=1)) for eye in EYES)
    v = taubin_smooth(v, f, passes=30, freedom=np.clip(near_eyes, 0, 1))
    v = _close_lips(v)
    v, f, hair, weld = split_along(v, f, _skin_field(v) - _hair_field(v, look.hair))
    return Part("face", v, f, diffuse(_head_colors(v, hair, look), f, passes=2), "skin", weld)


# -- eyes ----------------------------------------------------------------------------------

PUPIL = np.radians(10.5)  # angular radii on the eyeball, around its gaze axis (+Z)
IRIS = np.radians(27.0)
CATCH_LIGHT = (np.radians(11.0), np.radians(4.5))  # angle off the gaze axis, angular radius


def eyeball(eye: Eye, look: Look) -> Part:
    """A sphere around the gaze axis, its rings placed so the iris and pupil edges stay sharp."""
    polar = np.unique(
        np.concatenate(
            [
                np.linspace(0, PUPIL, 6),
                np.linspace(PUPIL, IRIS, 10),
                np.linspace(IRIS, 0.8, 6),
                np.linspace(0.8, np.pi, 6),  # the back, never seen: coarse
            ]
        )
    )
    profile = np.stack([eye.ball * np.sin(polar), eye.ball * np.cos(polar)], axis=1)
    v, f = lathe(profile, 36)
    a = np.arccos(np.clip(v[:, 2] / eye.ball, -1, 1))
    iris = mix(look.colour("iris"), look.colour("iris_dark"), smoothstep(PUPIL, IRIS, a) ** 1.5)
    c = np.where((a < IRIS + 0.01)[:, None], iris, look.colour("sclera"))
    c = np.where((a < PUPIL + 0.005)[:, None], look.colour("pupil"), c)
    c = mix(c, look.colour("sclera") * 0.8, smoothstep(0.8, 1.6, a))  # the ball's back: never seen, kept dim
    # a painted catch-light on the pupil's upper edge, towards the key light (the viewer's
    # upper left): the cartoon convention that makes eyes read as alive from across a hall
    glint = np.array([-np.sin(CATCH_LIGHT[0]) * 0.72, np.sin(CATCH_LIGHT[0]) * 0.69, np.cos(CATCH_LIGHT[0])])
    off = np.arccos(np.clip(v @ (glint / np.linalg.norm(glint)) / eye.ball, -1, 1))
    c = mix(c, np.ones(3), smoothstep(CATCH_LIGHT[1] * 1.4, CATCH_LIGHT[1] * 0.7, off))
    name = "eyeLeft" if eye.side > 0 else "eyeRight"
    return Part(name, v + eye.center, f, c, "eye")


LID_REACH = np.radians(24)  # how far the lid extends past the opening's corners, hidden
LID_TOP = np.radians(30)  # how far above the upper rim the lid extends, hidden
LID_ROWS = 9  # rows down the lid's outside (and back up its inside); 5 more round its edge


def lid_rest_margin(eye: Eye, az: np.ndarray) -> np.ndarray:
    """The upper lid's edge at rest: just inside the opening's upper rim (a lash line), and
    tucked up out of sight at the corners, where the rim's rounding widens the opening."""
    wide = eye.arch(az * eye.half_width / (eye.half_width + np.radians(10)))
    return (eye.upper - np.radians(2.0)) * wide + eye.beyond_corners(az)


def lid_points(eye: Eye, az: np.ndarray, margin: np.ndarray, top: np.ndarray, bulge: float = 0.0) -> np.ndarray:
    """The upper lid for a given edge elevation per azimuth: a thin shell over the ball whose
    rows run from the hidden top down the outside, round the edge, and back up the inside.
    Rows near the edge keep their rest spacing when the lid travels (the lash line keeps its
    width); the hidden upper rows take the stretch. `bulge` (metres) swells the shell
    outwards, most at the edge."""
    rows_out = np.linspace(1.0, 0.0, LID_ROWS) ** 1.6
    arc = np.linspace(0.0, np.pi, 7)[1:-1]
    t = np.concatenate([rows_out, np.zeros(len(arc)), rows_out[::-1]])
    mid = (eye.lid_inner + eye.lid_outer) / 2
    half = (eye.lid_outer - eye.lid_inner) / 2
    radius = np.concatenate(
        [np.full(LID_ROWS, eye.lid_outer), mid + half * np.cos(arc), np.full(LID_ROWS, eye.lid_inner)]
    )
    drop = np.concatenate([np.zeros(LID_ROWS), 1.4 * half / mid * np.sin(arc), np.zeros(LID_ROWS)])
    A = az[:, None]
    span_rest = (eye.upper + LID_TOP - lid_rest_margin(eye, az))[:, None]
    stretch = (top - margin)[:, None] - span_rest
    el = margin[:, None] + t[None, :] * span_rest + stretch * smoothstep(0.25, 1.0, t)[None, :] - drop[None, :]
    r = radius[None, :] + bulge * (1.0 - t[None, :]) * np.cos(A * np.pi / (2 * (eye.half_width + LID_REACH)))
    return eye.point(np.broadcast_to(A, el.shape), el, r)


def lid_azimuths(eye: Eye) -> np.ndarray:
    return np.linspace(-eye.half_width - LID_REACH, eye.half_width + LID_REACH, 41)


def lid(eye: Eye, look: Look) -> Part:
    az = lid_azimuths(eye)
    margin = lid_rest_margin(eye, az)
    pts = lid_points(eye, az, margin, np.full_like(az, eye.upper + LID_TOP))
    rows, cols = pts.shape[:2]
    v = pts.reshape(-1, 3)
    f = grid_faces(rows, cols)
    col_index = np.tile(np.arange(cols), rows)
    outer = (col_index[f] < LID_ROWS).all(axis=1)  # the outside must face away from the ball
    a, b, c_ = (v[f[outer, k]] for k in range(3))
    if np.einsum("ij,ij->", np.cross(b - a, c_ - a), a - eye.center) < 0:
        f = f[:, ::-1].copy()
    row_az = np.repeat(az, cols)
    # a bold lash line over the lowest outside rows and round the edge, fading into the corners
    edge = smoothstep(LID_ROWS - 4.5, LID_ROWS - 3.0, col_index) * smoothstep(LID_ROWS + 6.5, LID_ROWS + 4.5, col_index)
    lash = edge * smoothstep(0.15, 0.45, eye.arch(row_az))
    c = mix(look.colour("skin"), look.colour("lash"), lash * look.lashes)
    name = "lidLeft" if eye.side > 0 else "lidRight"
    return Part(name, v, f, c, "skin")


# -- mouth ---------------------------------------------------------------------------------


def _tooth_row(upper: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A horseshoe band of teeth swept along an arc inside the mouth bag, tips scalloped."""
    n_teeth, samples = 10, 51
    s = np.linspace(-1.0, 1.0, samples)
    half_span = 0.0205 if upper else 0.0185
    x = s * half_span
    z = HEAD_CENTER[2] + (0.0885 if upper else 0.0855) - 22.0 * x**2
    base_y = MOUTH.parting(x) + (0.0018 if upper else -0.0045)
    height = (0.0080 if upper else 0.0068) * (1.0 - 0.25 * s**2)
    thick = 0.0032
    tips = 0.0011 * (1.0 - np.abs(np.cos(np.pi * n_teeth * (s + 1) / 2))) ** 0.5
    # cross-section: rounded rectangle around (front/back, up/down), as a loop of 12 points
    ang = np.linspace(0, 2 * np.pi, 13)[:-1]
    cu, cv = np.cos(ang), np.sin(ang)
    sq = np.sign(cu) * np.abs(cu) ** 0.45, np.sign(cv) * np.abs(cv) ** 0.45
    tangent = np.stack([np.ones_like(x) * half_span, np.zeros_like(x), -44.0 * x * half_span], 1)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    outward = np.cross(tangent, [0.0, 1.0, 0.0])
    outward *= np.where(outward[:, 2:3] < 0, -1, 1)
    sign = -1.0 if upper else 1.0  # the tips point towards the parting
    h = height - tips
    centre_y = base_y - sign * h / 2
    mid_z = z - thick / 2
    pts = (
        np.stack([x, centre_y, mid_z], 1)[:, None, :]
        + outward[:, None, :] * (thick / 2 * sq[0])[None, :, None]
        + np.array([0.0, 1.0, 0.0]) * (h[:, None] / 2 * sq[1][None, :])[..., None]
    )
    v, f = tube(pts)

    def per_vertex(a: np.ndarray) -> np.ndarray:  # the tube's vertices: 12 per ring, then 2 caps
        return np.concatenate([np.repeat(a, 12), a[[0, -1]]])

    # colour: gums on the root side, a faint line between teeth, the back teeth in shadow
    root = -sign * (v[:, 1] - per_vertex(centre_y)) / per_vertex(h)
    c = mix(PALETTE["teeth"], PALETTE["gums"], smoothstep(0.35, 0.55, root))
    c = mix(
        c,
        PALETTE["teeth"] * 0.72,
        0.6 * smoothstep(0.9, 1.0, per_vertex(np.abs(np.cos(np.pi * n_teeth * (s + 1) / 2)))),
    )
    c = mix(c, PALETTE["mouth"], 0.75 * smoothstep(0.55, 1.0, per_vertex(np.abs(s))))
    return v, f, c


def teeth(upper: bool) -> Part:
    v, f, c = _tooth_row(upper)
    return Part("teethUpper" if upper else "teethLower", v, f, c, "teeth")


def tongue() -> Part:
    polar = np.linspace(0, np.pi, 14)
    profile = np.stack([np.sin(polar), np.cos(polar)], 1)
    v, f = lathe(profile, 24)  # unit sphere, pole along +Z (the tip)
    v = v * [0.0175, 0.0075, 0.024]
    v[:, 1] = np.where(v[:, 1] < 0, v[:, 1] * 0.5, v[:, 1])  # flat underside
    v[:, 1] -= 0.0016 * np.exp(-((v[:, 0] / 0.004) ** 2)) * (v[:, 1] > 0)  # the middle groove
    v += at(0.0, -0.070, 0.054)
    c = mix(PALETTE["tongue"], PALETTE["mouth"], smoothstep(0.05, 0.035, v[:, 2] - HEAD_CENTER[2]))
    return Part("tongue", v, f, c, "mouth")


# -- brows ---------------------------------------------------------------------------------


def _front_hit(field, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """Where a ray travelling along -Z at (x, y) first meets a field's surface, and the
    outward normal there: marched in 0.5 mm steps, then refined by bisection."""
    z = HEAD_CENTER[2] + np.arange(0.25, -0.25, -0.0005)
    values = field(np.stack([np.full_like(z, x), np.full_like(z, y), z], -1))
    first = int(np.argmax(values < 0))
    if values[first] >= 0 or first == 0:
        raise ValueError(f"no surface in front of ({x}, {y})")
    lo, hi = z[first], z[first - 1]
    for _ in range(30):
        mid = (lo + hi) / 2
        if field(np.array([[x, y, mid]]))[0] > 0:
            hi = mid
        else:
            lo = mid
    p = np.array([x, y, lo])
    g = np.array([field(np.array([p + e]))[0] - field(np.array([p - e]))[0] for e in np.eye(3) * 1e-4])
    return p, g / np.linalg.norm(g)


def surface_point(x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """The head's surface seen from the front at (x, y), and its outward normal."""
    return _front_hit(head_field, x, y)


def brow(side: int, look: Look) -> Part:
    """A soft bean of hair lying on the brow ridge, thick at the inner end, tapering outwards."""
    (x0, y0), (x1, y1) = BROW["inner"], BROW["outer"]
    n_along, n_around = 26, 12
    s = np.linspace(0, 1, n_along)
    x = x0 + (x1 - x0) * s
    y = HEAD_CENTER[1] + y0 + (y1 - y0) * s + 0.009 * np.sin(np.pi * s**0.8)
    thick = 0.0026 * (1 - 0.3 * s)
    tall = 0.0034 + 0.0024 * (1 - s) ** 0.7
    taper = np.sin(np.pi * np.clip(s, 0.02, 0.98)) ** 0.35
    ring = np.linspace(0, 2 * np.pi, n_around + 1)[:-1]
    pts = []
    for i in range(n_along):
        p, n = surface_point(side * x[i], y[i])
        along = np.array([side * (x1 - x0), y1 - y0, 0.0])
        along -= n * (along @ n)
        along /= np.linalg.norm(along)
        up = np.cross(n, along) * side
        centre = p + n * (thick[i] * 0.55)
        pts.append(centre + taper[i] * (np.outer(np.cos(ring), n) * thick[i] + np.outer(np.sin(ring), up) * tall[i]))
    v, f = tube(np.array(pts))
    c = np.tile(look.colour("brow"), (len(v), 1))
    return Part("browLeft" if side > 0 else "browRight", v, f, c, "hair")


# -- body ----------------------------------------------------------------------------------


def body(look: Look, joints: dict[str, np.ndarray]) -> Part:
    """Torso and sleeved arms in one surface (mascot_body), meshed coarser than the face."""
    build = look.build
    field = lambda p: body_field(p, build, joints)  # noqa: E731
    v, f = sdf_surface(field, [-0.40, build.hem_y - 0.03, -0.14], [0.40, 1.53, 0.13], 0.0105)
    v = taubin_smooth(v, f, passes=10)
    v, f, cuffs, weld = split_along(v, f, cuff_field(v, build, joints))
    return Part("body", v, f, body_colors(v, cuffs, build, look.colour), "outfit", weld)


def hand(side: int, wrist: np.ndarray, look: Look) -> tuple[Part, np.ndarray]:
    """One hand (mascot_body.hand_field), and its vertices in the left hand's frame, which its
    skin weights are computed in."""
    q, f = sdf_surface(hand_field, [-0.065, -0.04, -0.05], [0.15, 0.04, 0.095], 0.0053)
    q = taubin_smooth(q, f, passes=10)
    if side < 0:
        f = f[:, ::-1].copy()  # mirrored
    v = hand_points(q, side, wrist)
    return Part("handLeft" if side > 0 else "handRight", v, f, hand_colors(q, look.colour), "skin"), q


def collar(look: Look) -> Part:
    """A rolled collar ring around the neck, tilted down at the front."""
    ring, sides = 48, 16
    a = 2 * np.pi * np.arange(ring) / ring
    b = 2 * np.pi * np.arange(sides) / sides
    major, minor = NECK_RADIUS + 0.0075, 0.0115
    r = major + minor * np.cos(b)[None, :]
    height = np.broadcast_to(minor * np.sin(b)[None, :], (ring, sides))
    pts = np.stack([r * np.sin(a)[:, None], height, r * np.cos(a)[:, None]], -1).reshape(-1, 3)
    v = pts @ sdf.rotation(pitch=np.radians(12)).T + COLLAR
    f = orient_outward(v, grid_faces(ring, sides, wrap_cols=True, wrap_rows=True))
    c = np.tile(look.colour("collar"), (len(v), 1))
    return Part("collar", v, f, c, "outfit")


BADGE_CENTER = CHEST + [0.062, 0.045, 0.0]  # z is found on the chest


def badge(look: Look, joints: dict[str, np.ndarray]) -> Part:
    """A round civic badge with a five-pointed star, pinned to the chest's left."""
    centre, n = _front_hit(lambda p: body_field(p, look.build, joints), BADGE_CENTER[0], BADGE_CENTER[1])
    radius, depth, segments = 0.021, 0.004, 70
    r = np.concatenate([np.linspace(0.0, 1.0, 13)[1:] * radius, [radius + 0.0012]])
    zz = np.concatenate([np.full(12, depth), [depth * 0.4]])
    profile = np.concatenate([np.stack([r, zz], 1), [[radius + 0.0012, -depth], [0.0, -depth]]])
    v, f = lathe(np.concatenate([[[0.0, depth]], profile]), segments)
    # the star's straight edges are cut into the mesh, so its points stay sharp at any size
    v, f, star, weld = split_along(
        v, f, _star(np.arctan2(v[:, 1], v[:, 0]) - np.pi / 2, radius * 0.74, radius * 0.30) - np.hypot(v[:, 0], v[:, 1])
    )
    rad = np.hypot(v[:, 0], v[:, 1])
    c = np.where(star[:, None], PALETTE["badge_star"], PALETTE["badge"])
    c = mix(c, PALETTE["badge"] * 0.6, smoothstep(radius * 0.9, radius, rad))
    # place: local +Z along the chest normal, local +Y as close to world up as it goes
    up = np.array([0.0, 1.0, 0.0]) - n * n[1]
    up /= np.linalg.norm(up)
    frame = np.stack([np.cross(up, n), up, n], 1)
    return Part("badge", v @ frame.T + centre + n * (depth * 0.6), f, c, "badge", weld)


def _star(angle: np.ndarray, outer: float, inner: float) -> np.ndarray:
    """Distance from the centre to a five-pointed star's edge at `angle` (0: a point)."""
    sector = 2 * np.pi / 5
    phi = np.mod(angle, sector)
    phi = np.minimum(phi, sector - phi)  # each point is mirror-symmetric
    tip, notch = np.array([outer, 0.0]), inner * np.array([np.cos(sector / 2), np.sin(sector / 2)])
    d = notch - tip
    cross = lambda a, b: a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]  # noqa: E731
    ray = np.stack([np.cos(phi), np.sin(phi)], axis=-1)
    return cross(tip, d) / cross(ray, d)

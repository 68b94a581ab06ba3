"""The mascot's body below the head: a humanoid skeleton with VRM bone names, a torso with
sleeved arms, and cartoon hands (a thumb and three fingers), all skinned smoothly.

The bind pose is an A-pose (arms 40 degrees below horizontal): the engine's relaxed rest pose
(engine/rig/rest_pose.py) swings them down to the sides, and a shoulder bent 50 degrees keeps
its volume better than one bent 90 from a T. Joints are unrotated at rest, as VRoid exports
them, so every inverse bind matrix is a translation.

Skin weights blend along each limb (torso bones by height, arm bones by the distance along the
arm) and are then diffused over the mesh, so no weight changes across a single triangle. The
sleeve's last few centimetres and its cuff are wholly on the forearm and the hand starts inside
the cuff wholly on the hand: turning the hand or the forearm about its axis turns a round cuff
round a round wrist, so the wrist cannot pinch into a candy wrapper.
"""

from __future__ import annotations

import numpy as np

from engine.rig import sdf
from engine.rig.mascot_layout import CHEST, Build
from engine.rig.masks import mix, smoothstep

ARM_DROP = np.radians(40.0)  # the bind pose's arms, below horizontal
FINGERS = ("Thumb", "Index", "Middle", "Ring")  # a cartoon hand: a thumb and three fingers
SEGMENTS = {"Thumb": ("Metacarpal", "Proximal", "Distal")}
FINGER_SEGMENTS = ("Proximal", "Intermediate", "Distal")
SIDES = (("left", 1), ("right", -1))
ELBOW_BLEND = 0.11  # metres of sleeve over which the forearm takes over from the upper arm


def _spine_joints() -> dict[str, np.ndarray]:
    return {
        "hips": np.array([0.0, 1.15, -0.02]),
        "spine": np.array([0.0, 1.22, -0.02]),
        "chest": np.array([0.0, 1.29, -0.02]),
        "upperChest": np.array([0.0, 1.36, -0.02]),
    }


def arm_direction(sign: int) -> np.ndarray:
    return np.array([sign * np.cos(ARM_DROP), -np.sin(ARM_DROP), 0.0])


def hand_frame() -> np.ndarray:
    """The left hand's axes as columns: +X along the arm, -Y the palm's side (down and in, as
    the arm hangs), +Z the thumb's side (forward). The right hand is the left one mirrored."""
    c, s = np.cos(ARM_DROP), np.sin(ARM_DROP)
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


# Hand layout in the hand frame (metres, from the wrist joint): each finger's base, direction
# and segment lengths; a chunky cartoon hand, a little larger than life next to the big head.
HAND = {
    "Thumb": ((0.012, -0.006, 0.019), (0.55, -0.30, 0.78), (0.017, 0.014, 0.012)),
    "Index": ((0.056, -0.001, 0.017), (1.0, 0.0, 0.14), (0.017, 0.012, 0.011)),
    "Middle": ((0.059, -0.001, 0.000), (1.0, 0.0, 0.0), (0.018, 0.013, 0.011)),
    "Ring": ((0.055, -0.001, -0.017), (1.0, 0.0, -0.14), (0.016, 0.012, 0.010)),
}
FINGER_RADIUS = {"Thumb": 0.0098, "Index": 0.0090, "Middle": 0.0093, "Ring": 0.0088}
PALM = ((0.032, -0.001, 0.0), (0.032, 0.015, 0.028))  # centre and radii
WRIST_STUB = 0.018  # radius of the wrist, which starts hidden inside the sleeve's cuff
HAND_SCALE = 1.3  # the layout above is a life-size hand; a mascot's reads from across a hall


def finger_joints() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Hand-frame (head, tail) of every finger bone, e.g. 'IndexProximal'."""
    out = {}
    for finger, (base, direction, lengths) in HAND.items():
        d = np.asarray(direction, float) / np.linalg.norm(direction)
        p = np.asarray(base, float)
        for seg, length in zip(SEGMENTS.get(finger, FINGER_SEGMENTS), lengths):
            out[finger + seg] = (p * HAND_SCALE, (p + d * length) * HAND_SCALE)
            p = p + d * length
    return out


def skeleton(build: Build, head_joints: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, str | None]]:
    """World joint positions and parents of the whole humanoid, head joints included."""
    joints = {"root": np.zeros(3), **_spine_joints(), **head_joints}
    parents = {
        "root": None,
        "hips": "root",
        "spine": "hips",
        "chest": "spine",
        "upperChest": "chest",
        "neck": "upperChest",
        "head": "neck",
        "jaw": "head",
        "leftEye": "head",
        "rightEye": "head",
    }
    for side, sign in SIDES:
        shoulder = np.array([sign * 0.030, 1.425, -0.02])
        upper = np.array([sign * (build.shoulder + 0.002), 1.412, -0.02])
        d = arm_direction(sign)
        elbow = upper + d * build.upper_arm
        wrist = elbow + d * build.forearm
        joints.update(
            {f"{side}Shoulder": shoulder, f"{side}UpperArm": upper, f"{side}LowerArm": elbow, f"{side}Hand": wrist}
        )
        parents.update(
            {
                f"{side}Shoulder": "upperChest",
                f"{side}UpperArm": f"{side}Shoulder",
                f"{side}LowerArm": f"{side}UpperArm",
                f"{side}Hand": f"{side}LowerArm",
            }
        )
        bones = finger_joints()
        for finger in FINGERS:
            chain = [f"{side}{finger}{seg}" for seg in SEGMENTS.get(finger, FINGER_SEGMENTS)]
            for k, name in enumerate(chain):
                joints[name] = hand_points(bones[name[len(side) :]][0][None], sign, wrist)[0]
                parents[name] = chain[k - 1] if k else f"{side}Hand"
    return joints, parents


# -- torso and sleeves ---------------------------------------------------------------------------


def _arm_polyline(joints: dict[str, np.ndarray], side: str) -> np.ndarray:
    return np.stack([joints[f"{side}UpperArm"], joints[f"{side}LowerArm"], joints[f"{side}Hand"]])


def body_field(p: np.ndarray, build: Build, joints: dict[str, np.ndarray]) -> np.ndarray:
    """Chest, shoulders, waist and hem in one smooth figure, with a sleeved arm on each side
    ending in a flared cuff."""
    m = p.copy()
    m[..., 0] = np.abs(m[..., 0])
    torso = sdf.ellipsoid(p, CHEST, (build.shoulder * 0.98, 0.100, 0.086))
    shoulders = sdf.ellipsoid(m, CHEST + [build.shoulder - 0.045, 0.058, 0.0], (0.058, 0.040, 0.056))
    torso = sdf.smooth_union(torso, shoulders, 0.05)
    torso = sdf.smooth_union(torso, sdf.ellipsoid(p, CHEST + [0.0, 0.087, 0.004], (0.075, 0.030, 0.056)), 0.04)
    torso = sdf.smooth_union(torso, sdf.ellipsoid(p, [0.0, 1.22, -0.02], (build.waist, 0.09, 0.076)), 0.05)
    hem_mid = (build.hem_y + 1.20) / 2
    skirt = sdf.ellipsoid(p, [0.0, hem_mid - 0.02, -0.02], (build.hem, (1.20 - build.hem_y) * 0.62, 0.098))
    torso = sdf.smooth_union(torso, skirt, 0.06)
    torso = sdf.smooth_intersect(torso, build.hem_y - p[..., 1], 0.015)
    d = torso
    for side, sign in SIDES:
        arm = _arm_polyline(joints, side)
        axis = arm_direction(sign)
        sleeve = sdf.smooth_union(
            sdf.capsule(p, arm[0] - axis * 0.02, arm[1], build.sleeve),
            sdf.capsule(p, arm[1], arm[2] - axis * 0.012, build.sleeve * 0.86),
            0.012,
        )
        cuff = sdf.capsule(p, arm[2] - axis * 0.030, arm[2] - axis * 0.010, build.sleeve * 0.98)
        d = sdf.smooth_union(d, sdf.smooth_union(sleeve, cuff, 0.006), 0.03)
    return d


def _along(p: np.ndarray, line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(arc length of the nearest point on a polyline, distance to it) for points p."""
    best_d = np.full(len(p), np.inf)
    best_s = np.zeros(len(p))
    start = 0.0
    for a, b in zip(line[:-1], line[1:]):
        ab = b - a
        length = float(np.linalg.norm(ab))
        t = np.clip((p - a) @ ab / length**2, 0.0, 1.0)
        dist = np.linalg.norm(p - (a + t[:, None] * ab), axis=1)
        closer = dist < best_d
        best_d = np.where(closer, dist, best_d)
        best_s = np.where(closer, start + t * length, best_s)
        start += length
    return best_s, best_d


def _chain(x: np.ndarray, bones: list[tuple[str, float, float]], names: list[str]) -> np.ndarray:
    """Dense weights (V, J) handing over from bone to bone along x: rows (bone, x where it takes
    over, blend width); the first bone's x is ignored."""
    w = np.zeros((len(x), len(names)))
    rises = [np.ones(len(x))] + [smoothstep(x0 - width / 2, x0 + width / 2, x) for _, x0, width in bones[1:]]
    rises.append(np.zeros(len(x)))
    for k, (bone, _, _) in enumerate(bones):
        w[:, names.index(bone)] += rises[k] - rises[k + 1]
    return w


def body_weights(v: np.ndarray, build: Build, joints: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    """Dense (V, J) weights of the torso and sleeves (see the module's docstring)."""
    spine = _spine_joints()
    up_the_spine = [(b, spine[b][1] - 0.02, 0.06) for b in ("spine", "chest", "upperChest")]
    torso = _chain(v[:, 1], [("hips", 0, 0), *up_the_spine], names)
    for side, sign in SIDES:
        line = _arm_polyline(joints, side)
        s, dist = _along(v, line)
        t = (v - line[0]) @ arm_direction(sign)
        arm = _chain(s, [(f"{side}UpperArm", 0, 0), (f"{side}LowerArm", build.upper_arm, ELBOW_BLEND)], names)
        # The cuff's end of the sleeve stays wholly on the forearm (see the docstring).
        arm_share = (
            smoothstep(-0.03, 0.03, t)
            * smoothstep(build.sleeve + 0.05, build.sleeve + 0.02, dist)
            * (sign * v[:, 0] > 0)
        )
        shoulder = (
            smoothstep(0.04, build.shoulder - 0.01, sign * v[:, 0])
            * smoothstep(1.31, 1.40, v[:, 1])
            * (1.0 - arm_share)
        )
        torso = torso * (1.0 - shoulder[:, None])
        torso[:, names.index(f"{side}Shoulder")] += shoulder
        torso = torso * (1.0 - arm_share[:, None]) + arm * arm_share[:, None]
    return torso


def cuff_field(v: np.ndarray, build: Build, joints: dict[str, np.ndarray]) -> np.ndarray:
    """Positive on the cuffs: the mesh is cut along its zero level so the cuffs' edge is crisp."""
    out = np.full(len(v), -1.0)
    for side, sign in SIDES:
        s, dist = _along(v, _arm_polyline(joints, side))
        mine = (sign * v[:, 0] > 0) & (dist < build.sleeve + 0.02)
        out = np.where(mine, s - (build.upper_arm + build.forearm - 0.030), out)
    return out


def body_colors(v: np.ndarray, cuffs: np.ndarray, build: Build, colour) -> np.ndarray:
    """The outfit darkening towards the hem, gold cuffs (`cuffs`, bool per vertex);
    `colour(name)` is the look's palette."""
    c = mix(colour("outfit"), colour("outfit_dark"), smoothstep(1.30, 1.16, v[:, 1]))
    c = mix(c, colour("outfit_dark") * 0.8, smoothstep(build.hem_y + 0.03, build.hem_y + 0.005, v[:, 1]))
    return mix(c, colour("cuff"), cuffs.astype(np.float64))


# -- hands -------------------------------------------------------------------------------------


def hand_field(q: np.ndarray) -> np.ndarray:
    """A left hand in its own frame (see hand_frame): palm, wrist, thumb and three fingers."""
    s = HAND_SCALE
    centre, radii = np.multiply(PALM, s)
    d = sdf.ellipsoid(q, centre, radii)
    d = sdf.smooth_union(d, sdf.capsule(q, (-0.040, 0.0, 0.0), (0.010, 0.0, 0.0), WRIST_STUB), 0.012)
    for name, (head, tail) in finger_joints().items():
        finger = next(f for f in FINGERS if name.startswith(f))
        r = FINGER_RADIUS[finger] * s * (0.92 if name.endswith("Distal") else 1.0)
        end = tail - (tail - head) * (0.35 if name.endswith("Distal") else 0.0)  # the rounded tip reaches it
        blend = 0.008 if name.endswith(("Proximal", "Metacarpal")) else 0.004  # knuckles fuse into the palm
        d = sdf.smooth_union(d, sdf.capsule(q, head, end, r), blend)
    return d


def hand_weights(q: np.ndarray, side: str, names: list[str]) -> np.ndarray:
    """Dense (V, J) weights: each vertex to the bones whose surfaces it lies nearest, blended
    over a few millimetres, so knuckles bend smoothly; the palm and wrist on the hand bone."""
    centre, radii = np.multiply(PALM, HAND_SCALE)
    reach = [np.maximum(sdf.ellipsoid(q, centre, radii), 0.0)]
    reach[0] = np.where(q[:, 0] < 0.012, 0.0, reach[0])  # the wrist stub
    bones = [f"{side}Hand"]
    for name, (head, tail) in finger_joints().items():
        finger = next(f for f in FINGERS if name.startswith(f))
        reach.append(np.maximum(sdf.capsule(q, head, tail, FINGER_RADIUS[finger] * HAND_SCALE), 0.0))
        bones.append(side + name)
    distance = np.stack(reach, axis=1)
    soft = np.exp(-(((distance - distance.min(axis=1, keepdims=True)) / 0.004) ** 2))
    w = np.zeros((len(q), len(names)))
    for k, bone in enumerate(bones):
        w[:, names.index(bone)] = soft[:, k]
    return w / w.sum(axis=1, keepdims=True)


def hand_colors(q: np.ndarray, colour) -> np.ndarray:
    """Skin a shade warmer than the face's (hands are, and then they do not glare under the key
    light), the palm warmer still; `colour(name)` is the look's palette."""
    c = np.tile(mix(colour("skin"), colour("blush"), 0.15), (len(q), 1))
    return mix(c, colour("blush"), 0.25 * smoothstep(-0.005, -0.015, q[:, 1]))


def hand_points(q: np.ndarray, sign: int, wrist: np.ndarray) -> np.ndarray:
    """World points of (left) hand-frame points, on the side `sign`, at that side's wrist."""
    return wrist + (q @ hand_frame().T) * [sign, 1.0, 1.0]

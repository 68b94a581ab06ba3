"""Skinned humanoid avatars built in code, for the body-posing tests (issue 18).

    build_humanoid(folder, naming="mixamo" | "rpm" | "vroid", pose="T" | "A", fingers=True,
                   clips=False, vrm=None | "1.0" | "0.x", name=None) -> Path

A stylised adult, 1.75 m, feet on y=0, facing +Z (VRM 0.x: -Z, as that spec has it): swept
tubes and ellipsoids for torso, pelvis, neck, head, arms, sleeves, hands and fingers, legs and
shoes, in three plain materials, skinned smoothly to a Mixamo, Ready Player Me or VRoid
skeleton. The head ("Face" mesh) carries nine ARKit morph targets and vertex-coloured eyes,
brows, mouth and hair, so a render reads as a face.

Real rigs differ in exactly the ways posing code trips over, so these do too:
- "mixamo"/"rpm" bones point their local +Y along the bone, with a roll that varies from bone
  to bone (as Blender bone rolls do): no rest rotation is the identity. "vroid" bones are
  world-aligned (identity rotations), as UniVRM exports them.
- pose "A" lowers the upper arms 45 degrees through the bones' rest rotations; the mesh is
  the T mesh skinned into that pose, so its bind pose is the A.

Everything is authored once in a canonical T-pose facing +Z (the avatar's left is +X). A pose
is a set of "deltas": rotations in world axes applied at a bone as if its parent were still at
the T rest; a bone's local rotation is then `C_parent^-1 * delta * C_bone` whatever the rest
pose is, which is how the clips come out right for every rig.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygltflib
from scipy.interpolate import PchipInterpolator
from scipy.spatial.transform import Rotation

from engine.rig.animation import sample
from engine.rig.meshing import tube, vertex_normals
from engine.rig.skeleton import evaluation_order, rest_local_matrices, world_matrices
from engine.rig.transforms import trs_matrix

from gltf_fixtures import GltfBuilder

NAMINGS = ("mixamo", "rpm", "vroid")
POSES = ("T", "A")
VRM_VERSIONS = (None, "1.0", "0.x")
MORPHS = (
    "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft", "mouthSmileRight",
    "eyeBlinkLeft", "eyeBlinkRight", "browInnerUp",
)
CLIPS = ("Walk", "Wave", "Smile")
WALK_PERIOD, WAVE_SECONDS, SMILE_SECONDS = 1.2, 2.0, 1.0
A_POSE_DEGREES = 45.0

SIDES = (("left", 1.0), ("right", -1.0))
FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")
SEGMENTS = {"Thumb": ("Metacarpal", "Proximal", "Distal")}
FINGER_SEGMENTS = ("Proximal", "Intermediate", "Distal")

# Linear base colours; the face's vertex colours multiply the skin.
SKIN = (0.75, 0.41, 0.26)
SHIRT = (0.02, 0.16, 0.40)
TROUSERS = (0.04, 0.045, 0.07)
HAIR = np.array([0.05, 0.025, 0.012]) / SKIN
DARK_EYE = np.array([0.015, 0.012, 0.01]) / SKIN
LIPS = np.array([0.22, 0.03, 0.03]) / SKIN


def bone_tree(fingers: bool = True) -> list[tuple[str, str | None]]:
    """(bone, parent) in VRM 1.0 humanoid names, parents first."""
    tree = [("hips", None), ("spine", "hips"), ("chest", "spine"), ("upperChest", "chest"),
            ("neck", "upperChest"), ("head", "neck")]
    for side, _ in SIDES:
        parent = "upperChest"
        for part in ("Shoulder", "UpperArm", "LowerArm", "Hand"):
            tree.append((side + part, parent))
            parent = side + part
        for finger in FINGERS if fingers else ():
            parent = side + "Hand"
            for seg in SEGMENTS.get(finger, FINGER_SEGMENTS):
                tree.append((side + finger + seg, parent))
                parent = side + finger + seg
    for side, _ in SIDES:
        parent = "hips"
        for part in ("UpperLeg", "LowerLeg", "Foot", "Toes"):
            tree.append((side + part, parent))
            parent = side + part
    return tree


_MIXAMO_CORE = {"hips": "Hips", "spine": "Spine", "chest": "Spine1", "upperChest": "Spine2",
                "neck": "Neck", "head": "Head"}
_MIXAMO_PART = {"Shoulder": "Shoulder", "UpperArm": "Arm", "LowerArm": "ForeArm", "Hand": "Hand",
                "UpperLeg": "UpLeg", "LowerLeg": "Leg", "Foot": "Foot", "Toes": "ToeBase"}
_VROID_PART = {"Toes": "ToeBase"}


def _finger(bone: str) -> tuple[str, str, int] | None:
    """(side, finger, 1..3) for a finger bone."""
    for side, _ in SIDES:
        for finger in FINGERS:
            if bone.startswith(side + finger):
                segs = SEGMENTS.get(finger, FINGER_SEGMENTS)
                return side, finger, segs.index(bone[len(side + finger):]) + 1
    return None


def node_name(bone: str, naming: str) -> str:
    """The node name a rig of `naming` gives the VRM 1.0 bone `bone`."""
    if bone in _MIXAMO_CORE:
        if naming == "vroid":
            return "J_Bip_C_" + bone[0].upper() + bone[1:]
        return ("mixamorig:" if naming == "mixamo" else "") + _MIXAMO_CORE[bone]
    side = "left" if bone.startswith("left") else "right"
    finger = _finger(bone)
    if naming == "vroid":
        tag = "J_Bip_L_" if side == "left" else "J_Bip_R_"
        if finger:
            return f"{tag}{finger[1]}{finger[2]}"
        part = bone[len(side):]
        return tag + _VROID_PART.get(part, part)
    prefix = ("mixamorig:" if naming == "mixamo" else "") + side.capitalize()
    if finger:
        return f"{prefix}Hand{'Pinky' if finger[1] == 'Little' else finger[1]}{finger[2]}"
    return prefix + _MIXAMO_PART[bone[len(side):]]


def vrm0_bone(bone: str) -> str:
    """VRM 0.x counted the thumb from its proximal bone: 1.0's metacarpal was 0.x's proximal."""
    return bone.replace("ThumbProximal", "ThumbIntermediate").replace("ThumbMetacarpal", "ThumbProximal")


# ---- the skeleton in the canonical T-pose ------------------------------------------------------

_ARM_Y, _ARM_Z = 1.40, -0.015
# finger: (base offset from the wrist, direction, segment lengths); x is mirrored per side.
_HAND = {
    "Thumb": ((0.025, -0.012, 0.026), (0.55, -0.2, 0.8), (0.038, 0.032, 0.028)),
    "Index": ((0.092, -0.003, 0.030), (1.0, -0.04, 0.08), (0.040, 0.025, 0.022)),
    "Middle": ((0.096, -0.003, 0.009), (1.0, -0.04, 0.0), (0.045, 0.028, 0.024)),
    "Ring": ((0.092, -0.003, -0.012), (1.0, -0.04, -0.06), (0.042, 0.026, 0.022)),
    "Little": ((0.084, -0.003, -0.031), (1.0, -0.04, -0.14), (0.032, 0.020, 0.018)),
}


def _layout() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Joint (head) and tail positions of every bone, fingers included, facing +Z."""
    head = {"hips": (0, 0.96, 0), "spine": (0, 1.06, -0.005), "chest": (0, 1.17, -0.012),
            "upperChest": (0, 1.29, -0.015), "neck": (0, 1.455, -0.02), "head": (0, 1.545, -0.005)}
    tail = {"head": (0, 1.745, -0.005)}
    for side, sx in SIDES:
        head[side + "Shoulder"] = (sx * 0.035, 1.41, _ARM_Z)
        for part, x in (("UpperArm", 0.175), ("LowerArm", 0.455), ("Hand", 0.705)):
            head[side + part] = (sx * x, _ARM_Y, _ARM_Z)
        wrist = np.array(head[side + "Hand"], float)
        for finger, (base, direction, lengths) in _HAND.items():
            d = np.array(direction) * (sx, 1, 1)
            d /= np.linalg.norm(d)
            p = wrist + np.array(base) * (sx, 1, 1)
            for seg, length in zip(SEGMENTS.get(finger, FINGER_SEGMENTS), lengths):
                head[side + finger + seg] = p
                p = p + d * length
            tail[side + finger + "Distal"] = p
        tail[side + "Hand"] = head[side + "MiddleProximal"]
        for part, p in (("UpperLeg", (0.09, 0.915, 0.0)), ("LowerLeg", (0.09, 0.50, 0.012)),
                        ("Foot", (0.09, 0.085, -0.012)), ("Toes", (0.09, 0.018, 0.115))):
            head[side + part] = (sx * p[0], p[1], p[2])
        tail[side + "Toes"] = (sx * 0.09, 0.018, 0.19)
    children = {}
    for bone, parent in bone_tree(True):
        children.setdefault(parent, bone)  # the first child listed is the one a bone points at
    for bone in head:
        if bone not in tail:
            tail[bone] = head[children[bone]]
    return ({k: np.asarray(v, float) for k, v in head.items()},
            {k: np.asarray(v, float) for k, v in tail.items()})


JOINTS, TAILS = _layout()


def _frames(bones: list[str], flip: Rotation, naming: str) -> dict[str, Rotation]:
    """World rest rotation of each bone in the T-pose: identity for VRoid, else +Y along the bone
    (towards its tail) with a roll that changes from bone to bone."""
    if naming == "vroid":
        return {b: Rotation.identity() for b in bones}
    forward, up = flip.apply([0, 0, 1.0]), np.array([0, 1.0, 0])
    frames = {}
    for k, bone in enumerate(bones):
        y = flip.apply(TAILS[bone] - JOINTS[bone])
        y /= np.linalg.norm(y)
        ref = up if abs(y @ forward) > 0.9 else forward
        z = ref - (ref @ y) * y
        z /= np.linalg.norm(z)
        roll = Rotation.from_rotvec(y * np.radians(25.0 * (k * 7 % 5 - 2)))
        frames[bone] = roll * Rotation.from_matrix(np.column_stack([np.cross(y, z), y, z]))
    return frames


# ---- meshes ------------------------------------------------------------------------------------

def _smooth(x, lo, hi):
    t = np.clip((np.asarray(x, float) - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def sweep(path, profile, ref, around: int, along: int, dome_rings: int = 5):
    """A closed tube along the polyline `path` with elliptical sections, rounded at both ends.

    profile rows: (fraction of the length, radius along `ref`, radius on the +side of the
    other axis, radius on its -side), interpolated smoothly. Returns (verts, faces, s): s is
    each vertex's arc length along the path (negative / beyond the length on the end domes),
    which is what the skin weights are blended along.
    """
    path = np.asarray(path, float)
    seg = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]
    length = seg[-1]
    s = np.linspace(0.0, length, along)
    centre = np.stack([np.interp(s, seg, path[:, k]) for k in range(3)], axis=1)
    tangent = np.gradient(centre, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    u = np.asarray(ref, float) - (tangent @ np.asarray(ref, float))[:, None] * tangent
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.cross(tangent, u)
    profile = np.asarray(profile, float)
    radii = PchipInterpolator(profile[:, 0], profile[:, 1:])(s / length)
    theta = 2 * np.pi * np.arange(around) / around
    c, sn = np.cos(theta), np.sin(theta)
    side = np.where(sn[None] > 0, radii[:, 1:2], radii[:, 2:3])
    offsets = radii[:, :1, None] * c[None, :, None] * u[:, None] + (side * sn)[..., None] * v[:, None]
    rings, params = [centre[:, None] + offsets], [s]
    psi = np.radians(90.0) * np.arange(1, dome_rings + 1) / (dome_rings + 0.5)
    for end, direction in ((0, -1.0), (-1, 1.0)):
        depth = radii[end].mean() * np.sin(psi)
        dome = (centre[end] + direction * tangent[end] * depth[:, None])[:, None] \
            + np.cos(psi)[:, None, None] * offsets[end][None]
        dome_s = s[end] + direction * depth
        if end == 0:
            rings.insert(0, dome[::-1])
            params.insert(0, dome_s[::-1])
        else:
            rings.append(dome)
            params.append(dome_s)
    rings = np.concatenate(rings)
    params = np.concatenate(params)
    verts, faces = tube(rings)
    return verts, faces, np.r_[np.repeat(params, around), params[[0, -1]]]


def ellipsoid(centre, radii, rings: int, around: int):
    """A closed ellipsoid (axis along y) as a tube with poles capped."""
    phi = np.linspace(0, np.pi, rings + 2)[1:-1]
    theta = 2 * np.pi * np.arange(around) / around
    unit = np.stack([np.sin(phi)[:, None] * np.cos(theta), -np.cos(phi)[:, None] * np.ones_like(theta),
                     np.sin(phi)[:, None] * np.sin(theta)], axis=-1)
    verts, faces = tube(np.asarray(centre, float) + unit * np.asarray(radii, float))
    return verts, faces


class _Parts:
    """Pieces of the body by material: vertices, triangles and dense skin weights (V, bones)."""

    def __init__(self, bones: list[str]):
        self.index = {b: k for k, b in enumerate(bones)}
        self.parts: dict[str, list[tuple]] = {}

    def chain(self, s: np.ndarray, chain: list[tuple[str, float, float]]) -> np.ndarray:
        """Weights blending bone to bone along `s`: chain rows (bone, s where it starts, blend
        width); the first bone's start is ignored. Each bone hands over smoothly to the next."""
        w = np.zeros((len(s), len(self.index)))
        rises = [np.ones(len(s))] + [_smooth(s, s0 - width / 2, s0 + width / 2) for _, s0, width in chain[1:]]
        rises.append(np.zeros(len(s)))
        for k, (bone, _, _) in enumerate(chain):
            w[:, self.index[bone]] += rises[k] - rises[k + 1]
        return w

    def solid(self, bone: str, n: int) -> np.ndarray:
        """n vertices wholly on one bone."""
        return self.chain(np.zeros(n), [(bone, 0, 0)])

    def add(self, material: str, verts, faces, weights) -> None:
        self.parts.setdefault(material, []).append((verts, faces, weights))

    def primitive(self, material: str):
        """(verts, faces, weights) of one material's pieces joined."""
        pieces = self.parts[material]
        bases = np.cumsum([0] + [len(v) for v, _, _ in pieces])
        return (np.concatenate([v for v, _, _ in pieces]),
                np.concatenate([f + base for (_, f, _), base in zip(pieces, bases)]),
                np.concatenate([w for _, _, w in pieces]))


def _body(p: _Parts, fingers: bool) -> None:
    """Torso, pelvis, neck, arms, hands and legs in the canonical T-pose (+Z facing)."""
    # Torso (shirt): a vertical sweep, front deeper than back; its shoulders follow the clavicles.
    v, f, _ = sweep([(0, 0.975, -0.012), (0, 1.44, -0.02)],
                    [(0, .150, .100, .095), (.17, .140, .095, .092), (.35, .142, .102, .095),
                     (.55, .158, .118, .102), (.72, .168, .12, .102), (.84, .170, .108, .098),
                     (.94, .158, .088, .085), (1, .12, .07, .07)],
                    (1, 0, 0), 44, 34, dome_rings=8)
    spine = p.chain(v[:, 1], [("hips", 0, 0), ("spine", 1.06, .06), ("chest", 1.17, .08),
                              ("upperChest", 1.29, .08), ("neck", 1.50, .05)])
    share = _smooth(np.abs(v[:, 0]), 0.06, 0.15) * _smooth(v[:, 1], 1.28, 1.38)
    for side, sx in SIDES:
        arm = p.chain(sx * v[:, 0], [(side + "Shoulder", 0, 0), (side + "UpperArm", 0.19, 0.08)])
        mine = share * (sx * v[:, 0] > 0)
        spine = spine * (1 - mine[:, None]) + arm * mine[:, None]
    p.add("shirt", v, f, spine)
    # Pelvis (trousers): the hips, handing each side's bottom over to that thigh.
    v, f, _ = sweep([(0, 0.80, -0.005), (0, 1.02, -0.01)],
                    [(0, .11, .09, .09), (.3, .152, .10, .10), (.65, .164, .105, .102),
                     (1, .152, .098, .096)],
                    (1, 0, 0), 44, 14, dome_rings=6)
    w = p.chain(v[:, 1], [("hips", 0, 0), ("spine", 1.06, .06)])
    for side, sx in SIDES:
        m = 0.7 * _smooth(-v[:, 1], -0.93, -0.82) * _smooth(sx * v[:, 0], 0.0, 0.06)
        w = w * (1 - m[:, None]) + p.solid(side + "UpperLeg", len(v)) * m[:, None]
    p.add("trousers", v, f, w)
    # Neck (skin).
    v, f, _ = sweep([(0, 1.39, -0.015), (0, 1.59, -0.01)],
                    [(0, .052, .048, .05), (1, .047, .045, .047)], (1, 0, 0), 24, 12)
    neck = [("upperChest", 0, 0), ("neck", 1.455, .05), ("head", 1.545, .04)]
    p.add("skin", v, f, p.chain(v[:, 1], neck))
    for side, sx in SIDES:
        _arm(p, side, sx, fingers)
        _leg(p, side, sx)


def _arm(p: _Parts, side: str, sx: float, fingers: bool) -> None:
    """Skin arm, short sleeve and deltoid (shirt), palm and fingers; weights blend along x."""
    arm_chain = [(side + "Shoulder", 0, 0), (side + "UpperArm", 0.175, 0.10),
                 (side + "LowerArm", 0.455, 0.06), (side + "Hand", 0.705, 0.04)]

    def along_x(v):
        return p.chain(sx * v[:, 0], arm_chain)

    y, z = _ARM_Y, _ARM_Z
    v, f, _ = sweep([(sx * 0.12, y, z), (sx * 0.705, y, z)],
                    [(0, .050, .050, .050), (.1, .051, .051, .051), (.3, .046, .046, .045),
                     (.57, .037, .036, .036), (.68, .039, .036, .037), (1, .026, .020, .020)],
                    (0, 1, 0), 24, 40)
    p.add("skin", v, f, along_x(v))
    v, f, _ = sweep([(sx * 0.12, y, z), (sx * 0.385, y, z)],
                    [(0, .056, .056, .056), (.3, .055, .055, .054), (.7, .050, .050, .050),
                     (1, .047, .047, .047)],
                    (0, 1, 0), 24, 16, dome_rings=3)
    p.add("shirt", v, f, along_x(v))
    v, f = ellipsoid((sx * 0.17, 1.408, z), (0.062, 0.05, 0.056), 14, 24)
    p.add("shirt", v, f, along_x(v))
    wrist = JOINTS[side + "Hand"]
    v, f, _ = sweep([wrist + (sx * 0.012, -0.003, 0), wrist + (sx * 0.085, -0.003, 0)],
                    [(0, .028, .013, .014), (.4, .042, .015, .015), (1, .044, .013, .014)],
                    (0, 0, 1), 20, 10, dome_rings=4)
    p.add("skin", v, f, along_x(v))
    for finger in FINGERS:
        segs = SEGMENTS.get(finger, FINGER_SEGMENTS)
        joints = [JOINTS[side + finger + seg] for seg in segs]
        tip = TAILS[side + finger + segs[-1]]
        radius = 0.0105 if finger == "Thumb" else 0.0085
        direction = (tip - joints[0]) / np.linalg.norm(tip - joints[0])
        start = joints[0] - direction * 0.012
        v, f, s = sweep([start, *joints[1:], tip - direction * radius * 0.9],
                        [(0, radius, radius * .8, radius * .8),
                         (1, radius * .8, radius * .65, radius * .65)],
                        (0, 1, 0), 10, 10, dome_rings=3)
        bones = [(side + "Hand", 0, 0)] + [
            (side + finger + seg, np.linalg.norm(j - start), 0.012) for seg, j in zip(segs, joints)
        ]
        p.add("skin", v, f, p.chain(s, bones if fingers else bones[:1]))


def _leg(p: _Parts, side: str, sx: float) -> None:
    """Trouser leg from inside the pelvis to the ankle, and a shoe whose sole is y=0."""
    x = sx * 0.09
    v, f, _ = sweep([(x, 1.0, -0.002), (x, 0.915, 0.0), (x, 0.50, 0.012), (x, 0.095, -0.01)],
                    [(k, r, r, r) for k, r in ((0, .074), (.09, .080), (.3, .070), (.55, .052),
                                               (.6, .050), (.75, .053), (.95, .043), (1, .042))],
                    (1, 0, 0), 28, 44)
    down = [("hips", 0, 0), (side + "UpperLeg", -0.93, 0.10), (side + "LowerLeg", -0.50, 0.07),
            (side + "Foot", -0.09, 0.04)]
    p.add("trousers", v, f, p.chain(-v[:, 1], down))
    zs = np.array([-0.055, -0.02, 0.05, 0.12, 0.17, 0.195])
    half_height = np.array([0.040, 0.046, 0.036, 0.027, 0.022, 0.019])
    profile = np.column_stack([(zs - zs[0]) / (zs[-1] - zs[0]), [.036, .043, .047, .048, .042, .036],
                               half_height, half_height])
    zz = np.linspace(zs[0], zs[-1], 12)
    path = np.column_stack([np.full(12, x), np.interp(zz, zs, half_height), zz])
    v, f, _ = sweep(path, profile, (1, 0, 0), 24, 30, dome_rings=4)
    # the dome ends would dip below the sole; flatten them onto y=0 (the soles are the floor)
    v[:, 1] = np.maximum(v[:, 1], 0.0)
    w = p.chain(v[:, 2], [(side + "Foot", 0, 0), (side + "Toes", 0.115, 0.04)])
    m = _smooth(v[:, 1], 0.065, 0.10) * _smooth(-v[:, 2], -0.04, 0.02)
    p.add("trousers", v, f, w * (1 - m[:, None]) + p.solid(side + "LowerLeg", len(v)) * m[:, None])


# ---- the head and its morph targets --------------------------------------------------------------

HEAD_CENTRE = np.array([0.0, 1.625, 0.0])
HEAD_RY = 0.12
EYE_Y, MOUTH_Y, BROW_Y, NOSE_Y, EYE_X = 1.635, 1.568, 1.668, 1.60, 0.031


def _head_radii(y):
    """(half width, front depth, back depth) of the head at height y: an egg with a narrower jaw."""
    t = np.clip((np.asarray(y, float) - HEAD_CENTRE[1]) / HEAD_RY, -1, 1)
    r = np.sqrt(1 - t * t)
    jaw = 1 - 0.22 * _smooth(-t, 0.1, 0.9)
    return 0.080 * r * jaw, 0.098 * r * (1 - 0.08 * _smooth(-t, 0.3, 0.9)), 0.104 * r


def _nose(x, y):
    return 0.016 * np.exp(-((x / 0.011) ** 2 + ((y - NOSE_Y) / 0.02) ** 2))


def _face_z(x, y):
    a, front, _ = _head_radii(y)
    return HEAD_CENTRE[2] + front * np.sqrt(max(1 - (x / a) ** 2, 0.0)) + _nose(x, y)


def _head():
    """Head, eyes, brows and mouth as one primitive: verts, faces, colours, morph deltas."""
    phi = np.linspace(0, np.pi, 46)[1:-1]
    theta = 2 * np.pi * np.arange(60) / 60
    y = HEAD_CENTRE[1] - HEAD_RY * np.cos(phi)
    a, front, back = _head_radii(y)
    depth = np.where(np.sin(theta)[None] > 0, front[:, None], back[:, None])
    rings = np.stack([a[:, None] * np.cos(theta), np.repeat(y[:, None], len(theta), 1),
                      HEAD_CENTRE[2] + depth * np.sin(theta)], axis=-1)
    rings[..., 2] += _nose(rings[..., 0], rings[..., 1]) * (rings[..., 2] > 0)
    pieces = [("head", *tube(rings))]
    for sx in (1, -1):
        x = sx * EYE_X
        eye = (x, EYE_Y, _face_z(x, EYE_Y) - 0.0015)
        pieces.append(("eye", *ellipsoid(eye, (0.011, 0.0075, 0.005), 8, 16)))
        x = sx * 0.030
        brow = (x, BROW_Y, _face_z(x, BROW_Y) - 0.0008)
        pieces.append(("brow", *ellipsoid(brow, (0.016, 0.0032, 0.004), 6, 16)))
    mouth = (0, MOUTH_Y, _face_z(0, MOUTH_Y) - 0.0025)
    pieces.append(("mouth", *ellipsoid(mouth, (0.022, 0.0048, 0.0065), 8, 24)))
    verts, faces, labels, base = [], [], [], 0
    for label, v, f in pieces:
        verts.append(v)
        faces.append(f + base)
        labels += [label] * len(v)
        base += len(v)
    v, f, labels = np.concatenate(verts), np.concatenate(faces), np.array(labels)
    colours = np.ones((len(v), 4))
    frontness = np.clip(v[:, 2] / 0.09, 0, 1)
    backness = np.clip(-v[:, 2] / 0.09, 0, 1)
    hairline = 1.70 - 0.06 * (1 - frontness) - 0.05 * backness
    hair = _smooth(v[:, 1], hairline - 0.008, hairline + 0.008) * (labels == "head")
    colours[:, :3] = 1 - hair[:, None] * (1 - HAIR)
    colours[labels == "brow", :3] = HAIR
    colours[labels == "eye", :3] = DARK_EYE
    colours[labels == "mouth", :3] = LIPS
    return v, f, colours, _face_deltas(v, labels)


def _gauss(v, centre, sigma):
    return np.exp(-np.sum(((v[:, :2] - centre) / sigma) ** 2, axis=1)) * (v[:, 2] > 0)


def _face_deltas(v: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """Displacements of each morph in MORPHS, in the +Z facing frame."""
    head, mouth, eye = labels == "head", labels == "mouth", labels == "eye"
    mouth_c = np.array([0.0, MOUTH_Y, _face_z(0, MOUTH_Y)])
    out = {}
    # jawOpen: the chin turns 14 degrees about a pivot behind the mouth, the mouth's lower half too
    pivot = np.array([0, 1.60, -0.015])
    turn = Rotation.from_rotvec([np.radians(14), 0, 0]).apply(v - pivot) + pivot - v
    chin = (head * _smooth(-v[:, 1], -MOUTH_Y - 0.002, -MOUTH_Y + 0.02) * _smooth(v[:, 2], -0.03, 0.04)
            + mouth * _smooth(-(v[:, 1] - MOUTH_Y), -0.002, 0.004))
    out["jawOpen"] = turn * chin[:, None]
    lips = head * _gauss(v, mouth_c[:2], (0.03, 0.018))
    rel = v - mouth_c
    d = np.zeros_like(v)
    d[mouth, 1] = -0.75 * rel[mouth, 1]
    out["mouthClose"] = d - 0.25 * out["jawOpen"] * head[:, None]
    d = np.zeros_like(v)
    d[mouth] = rel[mouth] * (-0.45, 1.6, 0) + (0, 0, 0.005)
    d[:, 2] += 0.005 * lips
    out["mouthFunnel"] = d
    d = np.zeros_like(v)
    d[mouth] = rel[mouth] * (-0.6, 0.3, 0) + (0, 0, 0.009)
    d[:, 2] += 0.010 * lips * _gauss(v, mouth_c[:2], (0.02, 0.02))
    d[:, 0] -= 0.4 * rel[:, 0] * lips
    out["mouthPucker"] = d
    for side, sx in (("Left", 1), ("Right", -1)):
        cheek = _gauss(v, (sx * 0.024, MOUTH_Y + 0.004), 0.014)
        corner = _smooth(sx * rel[:, 0], 0.0, 0.022) * mouth + head * cheek
        out["mouthSmile" + side] = corner[:, None] * (sx * 0.005, 0.007, -0.002)
        mine = eye & (sx * v[:, 0] > 0)
        d = np.zeros_like(v)
        d[mine, 1] = -0.9 * (v[mine, 1] - EYE_Y)
        d[mine, 2] = -0.002
        d[:, 1] -= 0.005 * head * _gauss(v, (sx * EYE_X, EYE_Y + 0.012), (0.016, 0.008))
        out["eyeBlink" + side] = d
    inner = (labels == "brow") * (1 - _smooth(np.abs(v[:, 0]), 0.016, 0.045))
    forehead = _gauss(v, (0, BROW_Y + 0.004), (0.03, 0.015))
    out["browInnerUp"] = (0.008 * inner + 0.004 * head * forehead)[:, None] * (0, 1, 0)
    return [out[name] for name in MORPHS]


# ---- posing --------------------------------------------------------------------------------------

class _Rig:
    """The canonical skeleton of one variant: bones, parents, T-pose joints and frames (output axes)."""

    def __init__(self, naming: str, fingers: bool, flip: Rotation):
        self.tree = bone_tree(fingers)
        self.bones = [b for b, _ in self.tree]
        self.parent = dict(self.tree)
        self.flip = flip
        self.joint = {b: flip.apply(JOINTS[b]) for b in self.bones}
        self.frame = _frames(self.bones, flip, naming)

    def delta(self, rotvec) -> Rotation:
        """A delta authored in +Z-facing world axes, turned into the output axes."""
        return self.flip * Rotation.from_rotvec(rotvec) * self.flip.inv()

    def local(self, bone: str, delta: Rotation | None = None) -> tuple[np.ndarray, Rotation]:
        """Local translation and rotation of `bone` under `delta` (see the module docstring)."""
        parent = self.parent[bone]
        pframe = self.frame[parent] if parent else Rotation.identity()
        offset = self.joint[bone] - (self.joint[parent] if parent else 0)
        return pframe.inv().apply(offset), pframe.inv() * (delta or Rotation.identity()) * self.frame[bone]

    def world(self, deltas: dict[str, Rotation]) -> np.ndarray:
        """(bones, 4, 4) world matrices of a pose."""
        out = np.empty((len(self.bones), 4, 4))
        index = {b: k for k, b in enumerate(self.bones)}
        for k, bone in enumerate(self.bones):
            t, r = self.local(bone, deltas.get(bone))
            m = np.eye(4)
            m[:3, :3], m[:3, 3] = r.as_matrix(), t
            parent = self.parent[bone]
            out[k] = out[index[parent]] @ m if parent else m
        return out


def rest_deltas(rig: _Rig, pose: str) -> dict[str, Rotation]:
    """The bind pose: nothing for T; upper arms lowered A_POSE_DEGREES about the forward axis for A."""
    if pose == "T":
        return {}
    angle = np.radians(A_POSE_DEGREES)
    return {side + "UpperArm": rig.delta((0, 0, -sx * angle)) for side, sx in SIDES}


def walk_deltas(rig: _Rig, t: float) -> tuple[dict[str, Rotation], float]:
    """The walk at time t: legs swing +-25 degrees, knees bend in the swing, feet stay level, arms
    hang and counter-swing with soft elbows; and the hips' drop (m) for the bob."""
    phase = 2 * np.pi * t / WALK_PERIOD
    out = {}
    for side, sx in SIDES:
        ahead = np.radians(25.0) * np.sin(phase) * sx  # this leg's forward swing
        knee = np.radians(8.0 + 40.0 * max(0.0, np.cos(phase) * sx))
        out[side + "UpperLeg"] = rig.delta((-ahead, 0, 0))
        out[side + "LowerLeg"] = rig.delta((knee, 0, 0))
        out[side + "Foot"] = rig.delta((ahead - knee, 0, 0))
        swing = -0.8 * ahead
        hang = Rotation.from_rotvec((0, 0, -sx * np.radians(75.0)))
        out[side + "UpperArm"] = rig.flip * Rotation.from_rotvec((-swing, 0, 0)) * hang * rig.flip.inv()
        elbow = np.radians(15.0 + 10.0 * max(0.0, np.sin(phase) * -sx))  # more as the arm swings ahead
        out[side + "LowerArm"] = rig.delta((0, -sx * elbow, 0))
    drop = 0.01 * (1 - np.cos(2 * phase))
    return out, drop


def wave_deltas(rig: _Rig, t: float) -> dict[str, Rotation]:
    """The right arm raised a little above the shoulder, forearm up, waving +-20 degrees 3 times."""
    wave = np.radians(20.0) * np.sin(2 * np.pi * 3 * t / WAVE_SECONDS)
    return {
        "rightUpperArm": rig.delta((0, 0, -np.radians(15.0))) * rig.delta((0, np.radians(15.0), 0)),
        "rightLowerArm": rig.delta((0, 0, -np.radians(90.0) + wave)),
        "rightHand": rig.delta((0, 0, -wave * 0.5)),
    }


# ---- the file ------------------------------------------------------------------------------------

def _skin_vertices(verts, weights, skin: np.ndarray):
    """Linear blend skinning on the CPU: how the A-pose mesh is made from the T mesh."""
    m = np.einsum("vj,jab->vab", weights, skin)
    return np.einsum("vab,vb->va", m[:, :3, :3], verts) + m[:, :3, 3]


def _top4(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JOINTS_0 (u8) and WEIGHTS_0 (f4, each row summing to 1 in float32) from dense weights."""
    order = np.argsort(-weights, axis=1)[:, :4]
    w = np.take_along_axis(weights, order, axis=1)
    w = np.where(w > 1e-4, w, 0.0)
    w /= w.sum(axis=1, keepdims=True)
    w = w.astype(np.float32)
    w[:, 0] += np.float32(1.0) - w.sum(axis=1, dtype=np.float32)
    joints = np.where(w > 0, order, 0).astype(np.uint8)
    return joints, w


def _accessors(verts, faces, weights):
    """A primitive's skinned attributes (normals recomputed for the posed surface) and indices."""
    joints, w = _top4(weights)
    normals = vertex_normals(verts, faces).astype(np.float32)
    dtype = np.uint16 if len(verts) < 65535 else np.uint32
    return {"POSITION": verts.astype(np.float32), "NORMAL": normals, "JOINTS_0": joints, "WEIGHTS_0": w}, \
        faces.reshape(-1).astype(dtype)


def default_name(naming: str, pose: str, fingers: bool, clips: bool, vrm: str | None) -> str:
    """A stem that differs for every option set, so variants can share a folder."""
    parts = ["humanoid", naming, pose]
    parts += [] if fingers else ["nofingers"]
    parts += ["clips"] if clips else []
    parts += [] if vrm is None else ["vrm" + vrm.replace(".", "")]
    return "_".join(parts)


def build_humanoid(folder: Path, *, naming: str = "mixamo", pose: str = "T", fingers: bool = True,
                   clips: bool = False, vrm: str | None = None, name: str | None = None) -> Path:
    """Write one humanoid variant into `folder` (.glb, or .vrm when `vrm` is given) and return its path."""
    if naming not in NAMINGS or pose not in POSES or vrm not in VRM_VERSIONS:
        raise ValueError(f"naming {naming!r} / pose {pose!r} / vrm {vrm!r}: expected one of "
                         f"{NAMINGS} / {POSES} / {VRM_VERSIONS}")
    flip = Rotation.from_rotvec((0, np.pi, 0)) if vrm == "0.x" else Rotation.identity()
    rig = _Rig(naming, fingers, flip)
    parts = _Parts(rig.bones)
    _body(parts, fingers)
    face_v, face_f, colours, deltas = _head()

    rest = rest_deltas(rig, pose)
    t_world, bind_world = rig.world({}), rig.world(rest)
    skin = bind_world @ np.linalg.inv(t_world)
    b = GltfBuilder()
    colour = {"skin": SKIN, "shirt": SHIRT, "trousers": TROUSERS}
    materials = {
        key: b.material(name=key, pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
            baseColorFactor=[*rgb, 1.0], metallicFactor=0.0, roughnessFactor=0.8))
        for key, rgb in colour.items()
    }
    body_prims = []
    for key in colour:
        v, f, w = parts.primitive(key)
        v = _skin_vertices(flip.apply(v), w, skin)
        attributes, indices = _accessors(v, f, w)
        body_prims.append({"attributes": attributes, "indices": indices, "material": materials[key]})
    face_w = parts.solid("head", len(face_v))
    v = _skin_vertices(flip.apply(face_v), face_w, skin)
    attributes, indices = _accessors(v, face_f, face_w)
    attributes["COLOR_0"] = colours.astype(np.float32)
    head_turn = skin[rig.bones.index("head"), :3, :3]
    targets = [{"POSITION": (flip.apply(d) @ head_turn.T).astype(np.float32)} for d in deltas]
    body_mesh = b.mesh(body_prims, name="Body")
    face_mesh = b.mesh([{"attributes": attributes, "indices": indices, "material": materials["skin"],
                         "targets": targets}], name="Face", target_names=MORPHS, weights=[0.0] * len(MORPHS))

    root = b.node(name="Root" if naming == "vroid" else "Armature")
    nodes = {}
    for bone in rig.bones:
        t, r = rig.local(bone, rest.get(bone))
        nodes[bone] = b.node(name=node_name(bone, naming), translation=t.tolist(),
                             rotation=r.as_quat().tolist())
    for bone, parent in rig.tree:
        holder = b.gltf.nodes[nodes[parent]] if parent else b.gltf.nodes[root]
        holder.children.append(nodes[bone])
    skin_index = b.skin([nodes[bone] for bone in rig.bones], np.linalg.inv(bind_world), skeleton=root)
    body = b.node(name="Body", mesh=body_mesh, skin=skin_index)
    face = b.node(name="Face", mesh=face_mesh, skin=skin_index)
    b.scene(root, body, face)
    if clips:
        _clips(b, rig, nodes, face)
    if vrm == "1.0":
        _vrm1(b, rig, nodes, face)
    elif vrm == "0.x":
        _vrm0(b, rig, nodes, face_mesh)
    folder = Path(folder)
    stem = name or default_name(naming, pose, fingers, clips, vrm)
    return b.save(folder / f"{stem}{'.glb' if vrm is None else '.vrm'}")


def _rotation_keys(rig: _Rig, bone: str, deltas: list[Rotation]) -> np.ndarray:
    """Local rotation keys of `bone`, kept in one hemisphere so neighbours interpolate short."""
    keys = np.array([rig.local(bone, d)[1].as_quat() for d in deltas])
    for k in range(1, len(keys)):
        if keys[k] @ keys[k - 1] < 0:
            keys[k] = -keys[k]
    return keys


def _clips(b: GltfBuilder, rig: _Rig, nodes: dict[str, int], face: int) -> None:
    """Walk (loop, with a hips bob), Wave (right arm) and Smile (a weights channel only)."""
    times = np.linspace(0, WALK_PERIOD, 25)
    poses = [walk_deltas(rig, t) for t in times]
    channels = [(nodes[bone], "rotation", times, _rotation_keys(rig, bone, [p[0][bone] for p in poses]),
                 "LINEAR") for bone in poses[0][0]]
    hips = rig.local("hips")[0]
    bob = [hips - rig.flip.apply((0, drop, 0)) for _, drop in poses]
    channels.append((nodes["hips"], "translation", times, np.array(bob), "LINEAR"))
    b.animation(channels, name="Walk")
    times = np.linspace(0, WAVE_SECONDS, 49)
    poses = [wave_deltas(rig, t) for t in times]
    b.animation([(nodes[bone], "rotation", times, _rotation_keys(rig, bone, [p[bone] for p in poses]),
                  "LINEAR") for bone in poses[0]], name="Wave")
    smile = np.zeros((3, len(MORPHS)))
    smile[1, [MORPHS.index("mouthSmileLeft"), MORPHS.index("mouthSmileRight")]] = 1.0
    times = np.array([0, SMILE_SECONDS / 2, SMILE_SECONDS])
    b.animation([(face, "weights", times, smile, "LINEAR")], name="Smile")


EXPRESSIONS = {"aa": ("jawOpen",), "blink": ("eyeBlinkLeft", "eyeBlinkRight"),
               "happy": ("mouthSmileLeft", "mouthSmileRight")}
VRM0_GROUPS = {"aa": ("A", "a"), "blink": ("Blink", "blink"), "happy": ("Joy", "joy")}


def _vrm1(b: GltfBuilder, rig: _Rig, nodes: dict[str, int], face: int) -> None:
    meta = {"name": "humanoid fixture", "version": "1", "authors": ["face engine tests"],
            "licenseUrl": "https://vrm.dev/licenses/1.0/", "avatarPermission": "everyone",
            "commercialUsage": "corporation", "allowRedistribution": True}
    preset = {key: {"morphTargetBinds": [{"node": face, "index": MORPHS.index(m), "weight": 1.0}
                                         for m in morphs]}
              for key, morphs in EXPRESSIONS.items()}
    b.gltf.extensions = {"VRMC_vrm": {
        "specVersion": "1.0", "meta": meta,
        "humanoid": {"humanBones": {bone: {"node": nodes[bone]} for bone in rig.bones}},
        "expressions": {"preset": preset},
    }}
    b.gltf.extensionsUsed = ["VRMC_vrm"]


def _vrm0(b: GltfBuilder, rig: _Rig, nodes: dict[str, int], face_mesh: int) -> None:
    groups = [{"name": name, "presetName": preset,
               "binds": [{"mesh": face_mesh, "index": MORPHS.index(m), "weight": 100}
                         for m in EXPRESSIONS[key]]}
              for key, (name, preset) in VRM0_GROUPS.items()]
    b.gltf.extensions = {"VRM": {
        "specVersion": "0.0", "exporterVersion": "face-engine-tests",
        "meta": {"title": "humanoid fixture", "version": "1", "author": "face engine tests",
                 "allowedUserName": "Everyone", "licenseName": "CC0"},
        "humanoid": {"humanBones": [{"bone": vrm0_bone(bone), "node": nodes[bone], "useDefaultValues": True}
                                    for bone in rig.bones]},
        "blendShapeMaster": {"blendShapeGroups": groups},
    }}
    b.gltf.extensionsUsed = ["VRM"]


def posed_world(avatar, clip: str | None = None, t: float = 0.0) -> np.ndarray:
    """World matrices of every node at rest, or at time t of a clip."""
    local = rest_local_matrices(avatar)
    if clip is not None:
        pose = sample(next(a for a in avatar.animations if a.name == clip), t)
        for i in pose.trs:
            local[i] = trs_matrix(*pose.local_trs(i, avatar.nodes[i]))
    return world_matrices(avatar, evaluation_order(avatar), local, np.empty_like(local))

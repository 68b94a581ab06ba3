"""Avatars built directly in numpy, for renderer tests and benchmarks (no file, no loader).

- `face_avatar()`: a stylised head on a bust with a skeleton (Root, Neck, Head, LeftEye,
  RightEye), eyes that blink by morph, a mouth that opens by morph, in glTF axes (+Y up,
  facing +Z, its left on +X).
- `dense_avatar()`: one big skinned mesh with many local morph targets, for timing.
- `random_skinned_avatar()`: two JOINTS/WEIGHTS sets (8 influences) with random weights and
  morphs, to compare GPU skinning against the CPU reference.
"""

from __future__ import annotations

import numpy as np

from engine import arkit
from engine.rig.asset import Avatar, Material, Mesh, MorphTarget, Node, Primitive, Skin


def ellipsoid(center, radii, rings: int, segments: int):
    """(positions, normals, triangles) of a UV ellipsoid, counter-clockwise seen from outside."""
    theta = np.linspace(0.0, np.pi, rings + 1)  # from +Y down to -Y
    phi = np.linspace(0.0, 2.0 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], axis=-1).reshape(-1, 3)
    radii = np.asarray(radii, float)
    positions = unit * radii + np.asarray(center, float)
    normals = unit / radii
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    cols = segments + 1
    r, s = np.meshgrid(np.arange(rings), np.arange(segments), indexing="ij")
    a = (r * cols + s).ravel()
    b, c, d = a + cols, a + 1, a + cols + 1
    triangles = np.concatenate([np.stack([a, b, c], 1), np.stack([c, b, d], 1)])
    return positions.astype(np.float32), normals.astype(np.float32), triangles.astype(np.uint32)


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _node(name, parent=None, translation=(0, 0, 0), mesh=None, skin=None):
    return Node(name, parent=parent, translation=np.array(translation, float), mesh=mesh, skin=skin)


def _link(nodes):
    for i, n in enumerate(nodes):
        if n.parent is not None:
            nodes[n.parent].children.append(i)


HEAD_CENTER = np.array([0.0, 1.62, 0.0])
EYE_OFFSET = np.array([0.034, 0.012, 0.078])  # the left eye; the right one mirrors x
EYE_RADIUS = 0.017
MOUTH_OFFSET = np.array([0.0, -0.05, 0.085])


def face_avatar(rings: int = 48, segments: int = 64) -> Avatar:
    """A head on a bust: skin ellipsoids skinned to Root/Neck/Head, eyes and a mouth."""
    parts = [
        ellipsoid(HEAD_CENTER, (0.085, 0.11, 0.095), rings, segments),
        ellipsoid((0.0, 1.5, -0.01), (0.045, 0.08, 0.045), rings // 2, segments // 2),
        ellipsoid((0.0, 1.31, -0.01), (0.21, 0.14, 0.11), rings, segments),
    ]
    offsets = np.cumsum([0] + [len(p[0]) for p in parts])
    positions = np.concatenate([p[0] for p in parts])
    normals = np.concatenate([p[1] for p in parts])
    indices = np.concatenate([p[2] + o for p, o in zip(parts, offsets[:-1])])
    # Joints 0 Root, 1 Neck, 2 Head: blended smoothly by height.
    y = positions[:, 1]
    head_w = _smoothstep((y - 1.50) / 0.06)
    neck_w = (1.0 - head_w) * _smoothstep((y - 1.38) / 0.08)
    root_w = 1.0 - head_w - neck_w
    joints = np.tile(np.array([0, 1, 2, 0], np.uint16), (len(positions), 1))
    weights = np.stack([root_w, neck_w, head_w, np.zeros_like(y)], 1).astype(np.float32)
    body = Primitive(positions, indices, normals=normals, joints=joints, weights=weights, material=0)

    mouth_pos, mouth_nrm, mouth_idx = ellipsoid((0, 0, 0), (0.028, 0.006, 0.012), 12, 24)
    open_delta = np.zeros_like(mouth_pos)
    open_delta[:, 1] = np.where(mouth_pos[:, 1] < 0, -0.035, 0.004) * (1.0 - 0.5 * np.abs(mouth_pos[:, 0]) / 0.028)
    smile = np.zeros_like(mouth_pos)
    smile[:, 1] = 0.012 * np.clip(mouth_pos[:, 0] / 0.028, 0, 1) ** 2  # the left corner (+X) up
    mouth = Primitive(
        mouth_pos, mouth_idx, normals=mouth_nrm, material=1,
        targets=[MorphTarget(open_delta), MorphTarget(smile)],
    )

    def eye_mesh(side: str) -> Mesh:
        pos, nrm, idx = ellipsoid((0, 0, 0), (EYE_RADIUS,) * 3, 16, 24)
        colors = np.ones((len(pos), 4), np.float32)
        colors[pos[:, 2] > 0.7 * EYE_RADIUS, :3] = 0.02  # dark iris facing forward
        closed = np.zeros_like(pos)
        closed[:, 1] = -pos[:, 1] * 0.95
        closed[:, 2] = -np.maximum(pos[:, 2], 0) * 0.9
        prim = Primitive(pos, idx, normals=nrm, colors=colors, material=2,
                         targets=[MorphTarget(closed)])
        return Mesh(f"Eye{side}", [prim], [f"eyeBlink{side}"], np.zeros(1, np.float32))

    meshes = [
        Mesh("Body", [body]),
        Mesh("Mouth", [mouth], ["jawOpen", "mouthSmileLeft"], np.zeros(2, np.float32)),
        eye_mesh("Left"),
        eye_mesh("Right"),
    ]
    nodes = [
        _node("Root"),  # 0
        _node("Neck", 0, (0.0, 1.45, 0.0)),  # 1
        _node("Head", 1, HEAD_CENTER - (0.0, 1.45, 0.0)),  # 2
        _node("LeftEye", 2, EYE_OFFSET),  # 3
        _node("RightEye", 2, EYE_OFFSET * (-1, 1, 1)),  # 4
        _node("BodyMesh", None, mesh=0, skin=0),  # 5
        _node("MouthMesh", 2, MOUTH_OFFSET, mesh=1),  # 6
        _node("EyeLeftMesh", 3, mesh=2),  # 7
        _node("EyeRightMesh", 4, mesh=3),  # 8
    ]
    _link(nodes)
    joint_world = [np.zeros(3), np.array([0.0, 1.45, 0.0]), HEAD_CENTER]
    inverse_bind = np.tile(np.eye(4), (3, 1, 1))
    for k, t in enumerate(joint_world):
        inverse_bind[k, :3, 3] = -t
    materials = [
        Material("skin", base_color=np.array([0.80, 0.52, 0.40, 1.0]), metallic=0.0, roughness=0.6),
        Material("mouth", base_color=np.array([0.25, 0.03, 0.04, 1.0]), metallic=0.0, roughness=0.4),
        Material("eye", base_color=np.ones(4), metallic=0.0, roughness=0.2),
    ]
    return Avatar(
        path="<face_avatar>", nodes=nodes, meshes=meshes,
        skins=[Skin("body", [0, 1, 2], inverse_bind)], materials=materials, scene_roots=[0, 5],
    )


def dense_avatar(vertices: int = 60_000, targets: int = 100, seed: int = 0) -> Avatar:
    """One skinned ellipsoid of about `vertices` vertices with `targets` local morphs (a bump
    of compact support each, over the front half, named after ARKit channels first).
    """
    rng = np.random.default_rng(seed)
    rings = int(np.sqrt(vertices / 2.0))
    segments = max(vertices // (rings + 1) - 1, 3)
    pos, nrm, idx = ellipsoid(HEAD_CENTER, (0.085, 0.11, 0.095), rings, segments)
    centers = pos[rng.choice(np.flatnonzero(pos[:, 2] > HEAD_CENTER[2]), targets)]
    morphs = []
    for c in centers:
        d = np.linalg.norm(pos - c, axis=1)
        falloff = _smoothstep(1.0 - d / 0.04)[:, None]
        morphs.append(MorphTarget((nrm * 0.01 * falloff).astype(np.float32),
                                  ((pos - c) * 5.0 * falloff).astype(np.float32)))
    names = list(arkit.NAMES[: min(targets, arkit.COUNT)]) + [f"extra{i}" for i in range(targets - arkit.COUNT)]
    joints = np.zeros((len(pos), 4), np.uint16)
    weights = np.zeros((len(pos), 4), np.float32)
    weights[:, 0] = 1.0
    prim = Primitive(pos, idx, normals=nrm, joints=joints, weights=weights, material=0, targets=morphs)
    nodes = [_node("Head", None, HEAD_CENTER), _node("Mesh", None, mesh=0, skin=0)]
    inverse_bind = np.eye(4)[None].copy()
    inverse_bind[0, :3, 3] = -HEAD_CENTER
    return Avatar(
        path="<dense_avatar>", nodes=nodes,
        meshes=[Mesh("Dense", [prim], names[:targets], np.zeros(targets, np.float32))],
        skins=[Skin("s", [0], inverse_bind)],
        materials=[Material("skin", base_color=np.array([0.8, 0.55, 0.45, 1.0]), metallic=0.0, roughness=0.5)],
        scene_roots=[0, 1],
    )


def random_skinned_avatar(seed: int = 0, joints: int = 12) -> Avatar:
    """A chain of joints skinning a mesh with 8 random influences per vertex and 3 morphs."""
    rng = np.random.default_rng(seed)
    pos, nrm, idx = ellipsoid((0.0, 0.5, 0.0), (0.2, 0.5, 0.15), 24, 32)
    influences = np.stack([rng.choice(joints, 8, replace=False) for _ in range(len(pos))]).astype(np.uint16)
    w = rng.random((len(pos), 8)).astype(np.float32) ** 2
    w /= w.sum(1, keepdims=True)
    targets = [
        MorphTarget((rng.normal(0, 0.01, pos.shape)).astype(np.float32),
                    (rng.normal(0, 0.05, pos.shape)).astype(np.float32))
        for _ in range(3)
    ]
    prim = Primitive(pos, idx, normals=nrm, joints=influences, weights=w, material=None, targets=targets)
    nodes = [_node(f"J{k}", k - 1 if k else None, (0.0, 0.1 if k else 0.0, 0.0)) for k in range(joints)]
    nodes.append(_node("Mesh", None, (5.0, 0.0, 0.0), mesh=0, skin=0))  # node transform must be ignored
    _link(nodes)
    inverse_bind = np.tile(np.eye(4), (joints, 1, 1))
    inverse_bind[:, 1, 3] = -0.1 * np.arange(joints)
    return Avatar(
        path="<random_skinned>", nodes=nodes,
        meshes=[Mesh("M", [prim], ["a", "b", "c"], np.zeros(3, np.float32))],
        skins=[Skin("s", list(range(joints)), inverse_bind)], scene_roots=[0, joints],
    )

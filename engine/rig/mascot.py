"""Our city mascots, generated from code and written as skinned GLBs with the 52 ARKit shapes
and a VRM 1.0 humanoid skeleton: Mia (`mascot`, the default avatar) and `mascot-m`.

    python -m engine.rig.mascot            # both variants, at engine.rig.MASCOT and MASCOT_M
    python -m engine.rig.mascot --look mascot-m -o OUT.glb

One generator makes both: they share the face and its shapes and differ by a `Look` (hair,
colours, lashes, build; mascot_layout). The parts come from mascot_parts, the body's skeleton
and weights from mascot_body, the shapes from mascot_shapes; this module adds what a renderer
needs (normals and their morph deltas, skin weights, materials, the skeleton) and packs it with
gltf_writer. The output is deterministic: the same code writes the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.arkit import NAMES
from engine.rig import MASCOT, MASCOT_M
from engine.rig import mascot_parts as parts
from engine.rig.gltf_writer import GlbWriter, PrimitiveArrays
from engine.rig.mascot_body import body_weights, hand_weights, skeleton
from engine.rig.mascot_layout import COLLAR, EYES, HEAD_CENTER, JOINTS, LOOKS, MIA, Look
from engine.rig.mascot_shapes import jaw_targets, lid_targets, skin_targets
from engine.rig.masks import smoothstep
from engine.rig.meshing import diffuse, vertex_normals

OUTPUTS = {"mascot": MASCOT, "mascot-m": MASCOT_M}
FACE_JOINTS = ("root", "jaw", "leftEye", "rightEye")  # the rest are VRM humanoid bones

# name: (roughness, metallic); colours come from the vertices, so base colours stay white.
MATERIALS = {
    "skin": (0.6, 0.0),
    "hair": (0.7, 0.0),
    "eye": (0.12, 0.0),
    "teeth": (0.3, 0.0),
    "mouth": (0.45, 0.0),
    "outfit": (0.75, 0.0),
    "badge": (0.35, 0.3),
}

MIN_DELTA = 1e-5  # metres; smaller morph displacements are stored as zero (keeps targets sparse)
MIN_NORMAL_DELTA = 2e-3


@dataclass
class MascotMesh:
    part: parts.Part
    normals: np.ndarray
    joints: np.ndarray  # (V, 4) indices into the skeleton's joints, in build()'s order
    weights: np.ndarray  # (V, 4)
    targets: dict[str, np.ndarray] = field(default_factory=dict)  # ARKit name -> (V, 3)
    normal_targets: dict[str, np.ndarray] = field(default_factory=dict)


def _rigid(part: parts.Part, joint: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every vertex wholly on one joint."""
    joints = np.zeros((len(part.verts), 4), dtype=np.uint16)
    joints[:, 0] = names.index(joint)
    weights = np.zeros((len(part.verts), 4), dtype=np.float32)
    weights[:, 0] = 1.0
    return joints, weights


def _face_weights(v: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Head above the jaw line, spine under the collar, the neck blending between them; the
    chin counts as higher than it is so it stays wholly on the head."""
    height = v[:, 1] + 0.6 * np.maximum(v[:, 2] - HEAD_CENTER[2] - 0.01, 0.0)
    head = smoothstep(COLLAR[1] + 0.016, JOINTS["head"][1] - 0.002, height)
    spine = smoothstep(COLLAR[1] - 0.006, COLLAR[1] - 0.030, height)
    neck = 1.0 - head - spine
    joints = np.zeros((len(v), 4), dtype=np.uint16)
    joints[:, :3] = [names.index(j) for j in ("head", "neck", "upperChest")]
    weights = np.zeros((len(v), 4), dtype=np.float32)
    weights[:, :3] = np.stack([head, neck, spine], axis=1)
    return _normalized(joints, weights)


def _top4(dense: np.ndarray, faces: np.ndarray, passes: int) -> tuple[np.ndarray, np.ndarray]:
    """The four strongest joints of dense (V, J) weights, after diffusing them over the mesh
    `passes` times (no weight jumps across a triangle)."""
    dense = diffuse(dense, faces, passes)
    joints = np.argsort(-dense, axis=1, kind="stable")[:, :4]
    return _normalized(joints.astype(np.uint16), np.take_along_axis(dense, joints, 1))


def _normalized(joints: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted by weight, unused slots pointing at joint 0 with weight 0, sums exactly 1."""
    order = np.argsort(-weights, axis=1, kind="stable")
    weights = np.take_along_axis(weights, order, 1)
    joints = np.take_along_axis(joints, order, 1)
    weights[weights < 1e-3] = 0.0
    joints[weights == 0.0] = 0
    weights = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
    weights[:, 0] = 1.0 - weights[:, 1:].sum(axis=1, dtype=np.float32)
    return joints, weights


def _clean(deltas: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Zeroes negligible displacements; drops targets that move nothing."""
    out = {}
    for name, d in deltas.items():
        d = d.astype(np.float32)
        d[np.linalg.norm(d, axis=1) < MIN_DELTA] = 0.0
        if np.any(d):
            out[name] = d
    return out


# Shapes made to be used on top of another (ARKit's mouthClose corrects jawOpen): their normal
# deltas are measured in that pose, so the two summed give the sealed mouth's normals.
NORMAL_CONTEXT = {"mouthClose": "jawOpen"}


def _normal_deltas(part: parts.Part, normals: np.ndarray, targets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each target's normals recomputed on the displaced mesh, minus the normals of the pose it
    is made for (the rest pose, or NORMAL_CONTEXT's)."""
    out = {}
    for name, d in targets.items():
        base, before = part.verts, normals
        if NORMAL_CONTEXT.get(name) in targets:
            base = part.verts + targets[NORMAL_CONTEXT[name]]
            before = vertex_normals(base, part.faces, part.weld)
        dn = (vertex_normals(base + d, part.faces, part.weld) - before).astype(np.float32)
        dn[np.linalg.norm(dn, axis=1) < MIN_NORMAL_DELTA] = 0.0
        out[name] = dn
    return out


def _mesh(part: parts.Part, skinning: tuple[np.ndarray, np.ndarray], deltas: dict[str, np.ndarray]) -> MascotMesh:
    normals = vertex_normals(part.verts, part.faces, part.weld)
    kept = _clean(deltas)
    targets = {name: kept[name] for name in NAMES if name in kept}  # in ARKit order
    return MascotMesh(part, normals, *skinning, targets, _normal_deltas(part, normals, targets))


def build(look: Look = MIA) -> tuple[list[MascotMesh], dict[str, np.ndarray], dict[str, str | None]]:
    """Every mesh of one variant, with normals, skin weights and morph targets, and its
    skeleton (joint positions and parents, parents first)."""
    joints, parents = skeleton(look.build, JOINTS)
    names = list(joints)
    face = parts.head(look)
    meshes = [_mesh(face, _face_weights(face.verts, names), skin_targets(face.verts))]
    for eye in EYES:
        ball, lid = parts.eyeball(eye, look), parts.lid(eye, look)
        meshes.append(_mesh(ball, _rigid(ball, "leftEye" if eye.side > 0 else "rightEye", names), {}))
        meshes.append(_mesh(lid, _rigid(lid, "head", names), lid_targets(eye)))
    for brow in (parts.brow(+1, look), parts.brow(-1, look)):
        meshes.append(_mesh(brow, _rigid(brow, "head", names), skin_targets(brow.verts)))
    upper, lower, tongue = parts.teeth(upper=True), parts.teeth(upper=False), parts.tongue()
    meshes.append(_mesh(upper, _rigid(upper, "head", names), {}))
    meshes.append(_mesh(lower, _rigid(lower, "jaw", names), jaw_targets(lower.verts, tongue=False)))
    meshes.append(_mesh(tongue, _rigid(tongue, "jaw", names), jaw_targets(tongue.verts, tongue=True)))
    body = parts.body(look, joints)
    meshes.append(_mesh(body, _top4(body_weights(body.verts, look.build, joints, names), body.faces, 8), {}))
    collar = parts.collar(look)
    meshes.append(_mesh(collar, _rigid(collar, "upperChest", names), {}))
    badge = parts.badge(look, joints)
    pinned = body_weights(badge.verts.mean(axis=0, keepdims=True), look.build, joints, names)  # moves with the chest
    meshes.append(_mesh(badge, _top4(np.repeat(pinned, len(badge.verts), 0), badge.faces, 0), {}))
    for side, s in (("left", 1), ("right", -1)):
        hand, local = parts.hand(s, joints[f"{side}Hand"], look)
        meshes.append(_mesh(hand, _top4(hand_weights(local, side, names), hand.faces, 4), {}))
    return meshes, joints, parents


def to_glb(
    meshes: list[MascotMesh], joints: dict[str, np.ndarray], parents: dict[str, str | None], name: str = "mascot"
) -> bytes:
    """The skeleton (joints unrotated at rest, so inverse binds are translations) with a VRM
    1.0 humanoid map, one skinned node per mesh at the scene root, and a material per part."""
    w = GlbWriter(generator="engine.rig.mascot")
    names = list(joints)
    materials = {name: w.material(name, roughness=r, metallic=m) for name, (r, m) in MATERIALS.items()}
    nodes = {}
    for joint in names:
        parent = parents[joint]
        offset = joints[joint] - (joints[parent] if parent else 0.0)
        nodes[joint] = w.node(joint, translation=offset)
        if parent:
            w.add_child(nodes[parent], nodes[joint])
    inverse_binds = np.stack([np.eye(4) for _ in names])
    inverse_binds[:, :3, 3] = -np.stack([joints[n] for n in names])
    skin = w.skin(name, [nodes[n] for n in names], inverse_binds, skeleton=nodes["root"])
    roots = [nodes["root"]]
    for m in meshes:
        colors = np.ones((len(m.part.verts), 4))
        colors[:, :3] = np.clip(m.part.colors, 0.0, 1.0)
        targets = list(m.targets)
        prim = PrimitiveArrays(
            attributes={
                "POSITION": m.part.verts.astype(np.float32),
                "NORMAL": m.normals.astype(np.float32),
                "COLOR_0": np.round(colors * 65535).astype(np.uint16),
                "JOINTS_0": m.joints.astype(np.uint16),
                "WEIGHTS_0": m.weights.astype(np.float32),
            },
            indices=m.part.faces,
            material=materials[m.part.material],
            targets=[{"POSITION": m.targets[n], "NORMAL": m.normal_targets[n]} for n in targets],
        )
        mesh = w.mesh(m.part.name, [prim], targets if targets else None)
        roots.append(w.node(m.part.name, mesh=mesh, skin=skin))
    w.scene(roots, name=name)
    w.gltf.extensionsUsed = ["VRMC_vrm"]
    w.gltf.extensions = {
        "VRMC_vrm": {
            "specVersion": "1.0",
            "meta": {
                "name": name,
                "version": "1",
                "authors": ["engine.rig.mascot"],
                "licenseUrl": "https://vrm.dev/licenses/1.0/",
                "avatarPermission": "everyone",
                "commercialUsage": "corporation",
                "allowRedistribution": True,
            },
            "humanoid": {"humanBones": {b: {"node": nodes[b]} for b in names if b not in FACE_JOINTS}},
        }
    }
    return w.to_bytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine.rig.mascot", description=__doc__.splitlines()[0])
    ap.add_argument("--look", choices=sorted(LOOKS), help="build one variant (default: all of them)")
    ap.add_argument("-o", "--output", type=Path, help="GLB to write (with --look; default: its shipped path)")
    args = ap.parse_args(argv)
    if args.output and not args.look:
        ap.error("-o needs --look")
    for name in [args.look] if args.look else list(LOOKS):
        out = args.output or OUTPUTS[name]
        meshes, joints, parents = build(LOOKS[name])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(to_glb(meshes, joints, parents, name))
        verts = sum(len(m.part.verts) for m in meshes)
        tris = sum(len(m.part.faces) for m in meshes)
        print(f"{out}: {len(meshes)} meshes, {verts} vertices, {tris} triangles")
    return 0


if __name__ == "__main__":
    sys.exit(main())

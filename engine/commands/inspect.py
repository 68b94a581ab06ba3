"""`run.py inspect AVATAR [--json]`: what an avatar holds and how each ARKit channel reaches it."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from .. import arkit, bones
from ..rig.asset import AvatarError
from ..rig.gltf import load_avatar
from ..rig.rig import BindingKind, Rig, sidecar_mapping


def add_arguments(p) -> None:
    p.add_argument("avatar", help=".gltf, .glb or .vrm file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--mapping", help="a JSON mapping file (default: AVATAR.mapping.json if present)")


def report(path: str, mapping: str | Path | None = None) -> dict:
    """Everything `inspect` prints, as one JSON-ready dict."""
    avatar = load_avatar(path)
    mapping = mapping or sidecar_mapping(path)
    try:
        rig = Rig(avatar, mapping)
    except ValueError as exc:
        raise AvatarError(path, f"mapping {mapping}" if mapping else "rig", str(exc)) from None
    skinned = {j for s in avatar.skins for j in s.joints}
    meshes = []
    for m in avatar.meshes:
        meshes.append(
            {
                "name": m.name,
                "primitives": [
                    {
                        "vertices": p.vertex_count,
                        "triangles": len(p.indices),
                        "material": p.material,
                        "skinned": p.joints is not None,
                        "influences": 0 if p.joints is None else p.joints.shape[1],
                    }
                    for p in m.primitives
                ],
                "morph_targets": len(m.target_names),
            }
        )
    return {
        "file": str(path),
        "vrm": avatar.vrm_version,
        "meshes": meshes,
        "vertices": sum(p.vertex_count for m in avatar.meshes for p in m.primitives),
        "triangles": sum(len(p.indices) for m in avatar.meshes for p in m.primitives),
        "morph_targets": [f"{m.name}/{t}" for m in avatar.meshes for t in m.target_names],
        "joints": [avatar.nodes[j].name for j in sorted(skinned)],
        "face_joints": {role: avatar.nodes[i].name for role, i in rig.roles.items()},
        "materials": [
            {
                "name": mat.name,
                "alpha_mode": mat.alpha_mode,
                "double_sided": mat.double_sided,
                "unlit": mat.unlit,
                "textured": mat.base_color_texture is not None,
            }
            for mat in avatar.materials
        ],
        "expressions": [e.name for e in avatar.expressions],
        "animations": [_clip(rig, a) for a in avatar.animations],
        "humanoid": {
            "bones": {
                b: avatar.nodes[n].name
                for b, n in sorted(rig.humanoid_bones.items(), key=lambda item: bones.INDEX[item[0]])
            },
            "missing": [b for b in bones.NAMES if b not in rig.humanoid_bones],
            "is_humanoid": rig.humanoid is not None,
            "missing_required": rig.humanoid_missing,
        },
        "unsupported": avatar.unsupported,
        "arkit": {n: {"how": b.how.value, "targets": b.targets} for n, b in rig.bindings.items()},
        "arkit_resolved": sum(b.how != BindingKind.MISSING for b in rig.bindings.values()),
        "warnings": avatar.warnings + rig.warnings,
    }


def _clip(rig: Rig, animation) -> dict:
    """A clip as `clip:NAME` would play it: the humanoid bones it turns and its morph channels."""
    on = {n: b for b, n in rig.humanoid_bones.items()} if rig.humanoid else {}
    turned = [on[c.node] for c in animation.channels if c.path == "rotation" and c.node in on]
    return {
        "name": animation.name,
        "duration": animation.duration,
        "channels": len(animation.channels),
        "bones": turned,
        "morph_channels": sum(c.path == "weights" for c in animation.channels),
    }


def _print_text(r: dict) -> None:
    print(f"{r['file']}" + (f"  (VRM {r['vrm']})" if r["vrm"] else ""))
    print(
        f"  {len(r['meshes'])} meshes, {r['vertices']} vertices, {r['triangles']} triangles, "
        f"{len(r['morph_targets'])} morph targets, {len(r['joints'])} joints"
    )
    for m in r["meshes"]:
        prims = ", ".join(f"{p['vertices']}v/{p['triangles']}t" for p in m["primitives"])
        print(f"  mesh {m['name']!r}: {len(m['primitives'])} primitives ({prims}), {m['morph_targets']} morphs")
    if r["face_joints"]:
        print("  face joints: " + ", ".join(f"{k}={v}" for k, v in r["face_joints"].items()))
    for mat in r["materials"]:
        print(
            f"  material {mat['name']!r}: {mat['alpha_mode']}"
            + (", double-sided" if mat["double_sided"] else "")
            + (", unlit" if mat["unlit"] else "")
        )
    if r["expressions"]:
        print("  expressions: " + ", ".join(r["expressions"]))
    for a in r["animations"]:
        print(
            f"  animation {a['name']!r}: {a['duration']:.2f} s, {a['channels']} channels "
            f"({len(a['bones'])} on humanoid bones, {a['morph_channels']} morph weights)"
        )
    h = r["humanoid"]
    if h["is_humanoid"]:
        print(
            f"  humanoid: {len(h['bones'])}/{bones.COUNT} bones found"
            + (f"; missing {', '.join(h['missing'])}" if h["missing"] else "")
        )
    else:
        print(
            f"  not a humanoid: missing {', '.join(h['missing_required'])}"
            + (f"; found {', '.join(h['bones'])}" if h["bones"] else "")
        )
    counts = Counter(c["how"] for c in r["arkit"].values())
    print(
        f"  ARKit coverage: {r['arkit_resolved']}/{arkit.COUNT} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})"
    )
    for name in arkit.NAMES:
        c = r["arkit"][name]
        print(f"    {name:20s} {c['how']:8s} {', '.join(c['targets'])}")
    for u in r["unsupported"]:
        print(f"  unsupported: {u}")
    for w in r["warnings"]:
        print(f"  warning: {w}", file=sys.stderr)


def run(args) -> int:
    r = report(args.avatar, args.mapping)
    if args.json:
        print(json.dumps(r, indent=1))
    else:
        _print_text(r)
    return 0

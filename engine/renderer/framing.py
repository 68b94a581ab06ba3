"""Where to point the camera: `head`, `bust` or `full` boxes from the posed rest pose.

The head box holds the vertices the head joint (or a joint under it: jaw, eyes) moves most,
so it fits any rigged avatar whatever its units. Without a head joint it falls back to the
mesh bounds: the top eighth of a standing figure, or everything for a head-only model.
A humanoid's bust is a presenter's medium shot: from the head down to its waist, arms and
hands included, so the hands' gestures stay in view.
"""

from __future__ import annotations

import numpy as np

from ..errors import OptionError
from ..rig.asset import Avatar
from ..rig.rig import Pose
from ..rig.skinning import deform

FRAMINGS = ("head", "bust", "full")

#: A standing figure is this many heads tall (used only without a head joint).
HEADS_PER_FIGURE = 8.0
#: Below the head, a bust shows this many head heights of shoulders and chest ...
BUST_DEPTH = 1.0
#: ... and at most this many head widths across.
BUST_WIDTH = 3.0


def _descendants(avatar: Avatar, node: int) -> set[int]:
    found, stack = set(), [node]
    while stack:
        n = stack.pop()
        found.add(n)
        stack.extend(avatar.nodes[n].children)
    return found


def _vertices(avatar: Avatar, pose: Pose, head_node: int | None):
    """World positions of every drawn vertex, and whether the head moves each one."""
    head_nodes = _descendants(avatar, head_node) if head_node is not None else set()
    points, in_head = [], []
    for node_index, node in enumerate(avatar.nodes):
        if node.mesh is None:
            continue
        for pi, prim in enumerate(avatar.meshes[node.mesh].primitives):
            positions, _ = deform(avatar, pose, node.mesh, pi, node_index)
            points.append(positions)
            if node.skin is not None and prim.joints is not None and prim.weights is not None:
                joints = avatar.skins[node.skin].joints
                strongest = prim.joints[np.arange(len(prim.joints)), np.argmax(prim.weights, axis=1)]
                in_head.append(np.isin(np.asarray(joints)[strongest], list(head_nodes)))
            else:
                in_head.append(np.full(len(positions), node_index in head_nodes))
    if not points:
        return np.zeros((1, 3)), np.zeros(1, bool)
    return np.concatenate(points), np.concatenate(in_head)


def framing_box(avatar: Avatar, pose: Pose, head_node: int | None, framing: str, waist: float | None = None):
    """(min corner, max corner) of what `framing` shows, and (min, max) of everything.
    `waist`: a humanoid's waist height in the pose, where its bust ends."""
    if framing not in FRAMINGS:
        raise OptionError(f"framing: expected one of {', '.join(FRAMINGS)}, got {framing!r}")
    points, in_head = _vertices(avatar, pose, head_node)
    lo, hi = points.min(0), points.max(0)
    if framing == "full":
        return (lo, hi), (lo, hi)
    if in_head.any():
        head = points[in_head]
        head_lo, head_hi = head.min(0), head.max(0)
    else:
        height = hi[1] - lo[1]
        tall = height > 1.5 * max(hi[0] - lo[0], hi[2] - lo[2])
        head_height = height / HEADS_PER_FIGURE if tall else height
        head = points[points[:, 1] >= hi[1] - head_height]
        head_lo, head_hi = head.min(0), head.max(0)
    if framing == "head":
        return (head_lo, head_hi), (lo, hi)
    if waist is not None:
        above = points[points[:, 1] >= waist]
        return (np.minimum(above.min(0), head_lo), np.maximum(above.max(0), head_hi)), (lo, hi)
    size = head_hi - head_lo
    center_x = (head_lo[0] + head_hi[0]) / 2.0
    bottom = head_lo[1] - BUST_DEPTH * size[1]
    half_width = BUST_WIDTH * size[0] / 2.0
    near = points[(points[:, 1] >= bottom) & (np.abs(points[:, 0] - center_x) <= half_width)]
    return (np.minimum(near.min(0), head_lo), np.maximum(near.max(0), head_hi)), (lo, hi)

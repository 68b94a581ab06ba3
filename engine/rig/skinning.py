"""CPU reference for posing a primitive: morph targets, then linear blend skinning.

The renderer does the same on the GPU; tests compare the two. Kept plain and exact rather
than fast.
"""

from __future__ import annotations

import numpy as np

from .asset import Avatar
from .rig import Pose


def morphed(prim, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Positions and normals of a primitive with its morph targets blended in."""
    pos = prim.positions.astype(np.float64).copy()
    nrm = None if prim.normals is None else prim.normals.astype(np.float64).copy()
    for w, target in zip(weights, prim.targets):
        if w == 0.0:
            continue
        pos += w * target.positions
        if nrm is not None and target.normals is not None:
            nrm += w * target.normals
    return pos, nrm


def deform(avatar: Avatar, pose: Pose, mesh_index: int, prim_index: int, node: int | None = None):
    """World-space (positions, normals) of one primitive in `pose`.

    A skinned mesh ignores its node's transform (glTF rule); an unskinned one takes the world
    matrix of `node`, by default the first node that instances the mesh.
    """
    prim = avatar.meshes[mesh_index].primitives[prim_index]
    pos, nrm = morphed(prim, pose.morph_weights[mesh_index])
    if node is None:
        node = next(i for i, n in enumerate(avatar.nodes) if n.mesh == mesh_index)
    skin_index = avatar.nodes[node].skin
    if skin_index is None or prim.joints is None or prim.weights is None:
        m = np.broadcast_to(pose.world[node], (len(pos), 4, 4))
    else:
        joints = pose.skin_matrices[skin_index][prim.joints]  # (V, K, 4, 4)
        m = np.einsum("vk,vkij->vij", prim.weights.astype(np.float64), joints)
    out_pos = np.einsum("vij,vj->vi", m[:, :3, :3], pos) + m[:, :3, 3]
    out_nrm = None
    if nrm is not None:
        normal_matrix = np.linalg.inv(m[:, :3, :3]).transpose(0, 2, 1)
        out_nrm = np.einsum("vij,vj->vi", normal_matrix, nrm)
        out_nrm /= np.maximum(np.linalg.norm(out_nrm, axis=1, keepdims=True), 1e-12)
    return out_pos, out_nrm

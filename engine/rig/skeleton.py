"""The node hierarchy as arrays: evaluation order, rest matrices, and the face joints by role."""

from __future__ import annotations

import numpy as np

from ..arkit import trailing_keys
from .asset import Avatar, AvatarError
from .transforms import trs_matrix

#: Roles the rig drives, with the spellings (lower-case, separators removed) that name them.
ROLE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "head": ("head",),
    "neck": ("neck", "neck1", "neck01"),
    "jaw": ("jaw", "jawbone", "lowerjaw", "mandible"),
    "leftEye": ("lefteye", "eyeleft", "eyel", "lefteyeball", "eyeballleft", "eyeballl", "lfaceeye"),
    "rightEye": ("righteye", "eyeright", "eyer", "righteyeball", "eyeballright", "eyeballr", "rfaceeye"),
}
ROLES = tuple(ROLE_SPELLINGS)


def _role_of(name: str) -> str | None:
    """The role a node name spells, ignoring exporter prefixes (`mixamorig:Head`, `J_Bip_C_Head`)."""
    for key in trailing_keys(name):
        for role, spellings in ROLE_SPELLINGS.items():
            if key in spellings:
                return role
    return None


def evaluation_order(avatar: Avatar) -> list[int]:
    """Node indices with every parent before its children; refuses cycles."""
    order: list[int] = []
    state = [0] * len(avatar.nodes)  # 0 unseen, 1 on the stack, 2 done
    roots = [i for i, n in enumerate(avatar.nodes) if n.parent is None]
    stack = [(r, False) for r in reversed(roots)]
    while stack:
        i, leaving = stack.pop()
        if leaving:
            state[i] = 2
            continue
        if state[i]:
            raise AvatarError(avatar.path, f"nodes[{i}].children", "the node hierarchy has a cycle")
        state[i] = 1
        order.append(i)
        stack.append((i, True))
        stack.extend((c, False) for c in reversed(avatar.nodes[i].children))
    if len(order) != len(avatar.nodes):
        missing = next(i for i, s in enumerate(state) if not s)
        raise AvatarError(avatar.path, f"nodes[{missing}]", "the node hierarchy has a cycle")
    return order


def rest_local_matrices(avatar: Avatar) -> np.ndarray:
    """(N, 4, 4) local matrices of the bind pose."""
    local = np.empty((len(avatar.nodes), 4, 4))
    for i, n in enumerate(avatar.nodes):
        local[i] = n.matrix if n.matrix is not None else trs_matrix(n.translation, n.rotation, n.scale)
    return local


def world_matrices(avatar: Avatar, order: list[int], local: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Fill `out` (N, 4, 4) with world matrices, parents first."""
    nodes = avatar.nodes
    for i in order:
        p = nodes[i].parent
        if p is None:
            out[i] = local[i]
        else:
            np.matmul(out[p], local[i], out=out[i])
    return out


def find_roles(avatar: Avatar, overrides: dict[str, str] | None = None) -> dict[str, int]:
    """Which node plays head, neck, jaw, leftEye and rightEye.

    Order of trust: the mapping file's `joints`, then the VRM humanoid, then node names.
    """
    found: dict[str, int] = {}
    for role in ROLES:
        if role in avatar.humanoid:
            found[role] = avatar.humanoid[role]
    for i, node in enumerate(avatar.nodes):
        named = _role_of(node.name)
        if named and named not in found and node.mesh is None:
            found[named] = i
    for role, node_name in (overrides or {}).items():
        if role not in ROLE_SPELLINGS:
            raise ValueError(f"mapping joints: unknown role {role!r}; expected one of {ROLES}")
        idx = avatar.node_index(node_name)
        if idx is None:
            raise ValueError(f"mapping joints.{role}: no node named {node_name!r}")
        found[role] = idx
    return found

"""Triangle meshes from code: surfaces of distance fields, parametric grids, smoothing, normals.

Meshes are plain arrays: vertices (V, 3) float64 and faces (F, 3) int64, counter-clockwise
seen from outside (glTF's front face).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from skimage.measure import marching_cubes


def sdf_surface(
    field: Callable[[np.ndarray], np.ndarray], lo, hi, step: float, min_component: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """The zero level set of `field` sampled every `step` metres inside the box [lo, hi].

    Specks smaller than `min_component` vertices (sampling noise in thin places) are dropped.
    """
    lo = np.asarray(lo, dtype=np.float64)
    counts = np.ceil((np.asarray(hi, dtype=np.float64) - lo) / step).astype(int) + 1
    axes = [lo[i] + step * np.arange(counts[i]) for i in range(3)]
    volume = np.empty(tuple(counts), dtype=np.float32)
    gy, gz = np.meshgrid(axes[1], axes[2], indexing="ij")
    for i, x in enumerate(axes[0]):  # one slab at a time keeps memory flat
        pts = np.stack([np.full_like(gy, x), gy, gz], axis=-1)
        volume[i] = field(pts)
    if volume.min() >= 0 or volume.max() <= 0:
        raise ValueError("the field has no surface inside the sampling box")
    if (
        min(
            volume[0].min(),
            volume[-1].min(),
            volume[:, 0].min(),
            volume[:, -1].min(),
            volume[:, :, 0].min(),
            volume[:, :, -1].min(),
        )
        <= 0
    ):
        raise ValueError("the surface touches the sampling box; widen it")
    verts, faces, _, _ = marching_cubes(volume, 0.0, spacing=(step,) * 3, allow_degenerate=False)
    verts = verts.astype(np.float64) + lo
    faces = faces.astype(np.int64)
    return keep_components(verts, faces, min_component)


def keep_components(verts: np.ndarray, faces: np.ndarray, min_vertices: int) -> tuple[np.ndarray, np.ndarray]:
    """Drops connected pieces with fewer than `min_vertices` vertices and unused vertices."""
    n = len(verts)
    adj = _adjacency(faces, n)
    _, labels = connected_components(adj, directed=False)
    sizes = np.bincount(labels)
    keep_vertex = sizes[labels] >= min_vertices
    faces = faces[keep_vertex[faces].all(axis=1)]
    used = np.zeros(n, dtype=bool)
    used[faces.ravel()] = True
    remap = np.cumsum(used) - 1
    return verts[used], remap[faces]


def _adjacency(faces: np.ndarray, n: int) -> sp.csr_matrix:
    i = faces[:, [0, 1, 2, 1, 2, 0]].ravel()
    j = faces[:, [1, 2, 0, 0, 1, 2]].ravel()
    adj = sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    adj.data[:] = 1.0  # an edge shared by two faces counts once
    return adj


def _neighbour_mean(faces: np.ndarray, n: int) -> sp.csr_matrix:
    """The operator that replaces each vertex's value by the mean of its neighbours'."""
    adj = _adjacency(faces, n)
    deg = np.asarray(adj.sum(axis=1)).ravel()
    return sp.diags(1.0 / np.maximum(deg, 1.0)) @ adj


def taubin_smooth(
    verts: np.ndarray,
    faces: np.ndarray,
    passes: int,
    lam: float = 0.5,
    mu: float = -0.53,
    freedom: np.ndarray | None = None,
) -> np.ndarray:
    """Laplacian smoothing without shrinkage (Taubin's lambda/mu): evens out marching-cubes
    facets and triangle sizes. `freedom` (V,) in [0, 1] damps the motion per vertex."""
    avg = _neighbour_mean(faces, len(verts))
    scale = np.ones(len(verts)) if freedom is None else np.asarray(freedom, dtype=np.float64)
    v = verts.copy()
    for _ in range(passes):
        for factor in (lam, mu):
            v += (factor * scale)[:, None] * (avg @ v - v)
    return v


def diffuse(values: np.ndarray, faces: np.ndarray, passes: int) -> np.ndarray:
    """Per-vertex values (colours) blended with their neighbours: softens paint edges that
    would otherwise follow the triangles' staircase."""
    avg = _neighbour_mean(faces, len(values))
    out = values.astype(np.float64)
    for _ in range(passes):
        out = 0.5 * out + 0.5 * (avg @ out)
    return out


def split_along(verts: np.ndarray, faces: np.ndarray, values: np.ndarray, clamp: float = 0.1):
    """Cuts a mesh along the zero level of per-vertex `values` so paint can change crisply
    there (a hairline), instead of across a triangle's width in a staircase.

    Each crossed edge gets a point on the level (kept `clamp` of the edge away from its ends,
    so no sliver triangles), added twice: one copy per side. Returns (verts, faces, side,
    weld): `side` is True where values >= 0; `weld` maps every vertex to the one it shares a
    position with, for computing normals as if the mesh were whole.
    """
    n = len(verts)
    side = values >= 0
    e = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    crossing = side[e[:, 0]] != side[e[:, 1]]
    keys = np.unique(np.sort(e[crossing], axis=1), axis=0)
    a, b = keys[:, 0], keys[:, 1]
    t = np.clip(values[a] / (values[a] - values[b]), clamp, 1.0 - clamp)
    points = verts[a] + t[:, None] * (verts[b] - verts[a])
    k = len(keys)
    new_verts = np.concatenate([verts, points, points])  # copies on the >= 0 side, then the < 0 side
    lookup = {(int(i), int(j)): m for m, (i, j) in enumerate(keys)}

    def cut(i: int, j: int, positive: bool) -> int:
        m = lookup[(i, j) if i < j else (j, i)]
        return n + m + (0 if positive else k)

    out = []
    for f in faces[side[faces].any(axis=1) & ~side[faces].all(axis=1)]:
        pos = side[f]
        lone = int(np.flatnonzero(pos != (pos.sum() >= 2))[0])
        alone, p, q = f[lone], f[(lone + 1) % 3], f[(lone + 2) % 3]
        ls = bool(side[alone])
        m1l, m2l, m1o, m2o = cut(alone, p, ls), cut(alone, q, ls), cut(alone, p, not ls), cut(alone, q, not ls)
        out += [(alone, m1l, m2l), (m1o, p, q), (m1o, q, m2o)]
    kept = faces[~(side[faces].any(axis=1) & ~side[faces].all(axis=1))]
    new_faces = np.concatenate([kept, np.array(out, dtype=np.int64).reshape(-1, 3)])
    new_side = np.concatenate([side, np.ones(k, bool), np.zeros(k, bool)])
    weld = np.concatenate([np.arange(n), n + np.arange(k), n + np.arange(k)])
    return new_verts, new_faces, new_side, weld


def vertex_normals(verts: np.ndarray, faces: np.ndarray, weld: np.ndarray | None = None) -> np.ndarray:
    """Area-weighted unit normals; vertices that `weld` maps together share theirs."""
    if weld is not None:
        return vertex_normals(verts, weld[faces])[weld]
    a, b, c = (verts[faces[:, k]] for k in range(3))
    fn = np.cross(b - a, c - a)
    n = np.zeros_like(verts)
    for k in range(3):
        for axis in range(3):
            n[:, axis] += np.bincount(faces[:, k], weights=fn[:, axis], minlength=len(verts))
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return n / np.where(length > 0, length, 1.0)


def grid_faces(rows: int, cols: int, wrap_cols: bool = False, wrap_rows: bool = False) -> np.ndarray:
    """Triangles of a rows x cols vertex grid laid out row-major; `wrap_*` joins the last
    column (row) back to the first, closing a tube (torus)."""
    r, c = np.meshgrid(
        np.arange(rows if wrap_rows else rows - 1), np.arange(cols if wrap_cols else cols - 1), indexing="ij"
    )
    r1, c1 = (r + 1) % rows, (c + 1) % cols
    a, b, d, e = r * cols + c, r * cols + c1, r1 * cols + c, r1 * cols + c1
    tris = np.concatenate([np.stack([a, d, b], -1).reshape(-1, 3), np.stack([b, d, e], -1).reshape(-1, 3)])
    return tris.astype(np.int64)


def tube(rings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A closed tube through rings of points (N, M, 3), each end capped by a fan around the
    end ring's centre, wound outward part by part (ring order and direction don't matter)."""
    n, m = rings.shape[:2]
    centres = rings.mean(axis=1)
    verts = np.concatenate([rings.reshape(-1, 3), centres[[0, -1]]])
    body = grid_faces(n, m, wrap_cols=True)
    k = np.arange(m)
    first = np.stack([np.full(m, n * m), k, (k + 1) % m], -1)
    last = np.stack([np.full(m, n * m + 1), (n - 1) * m + k, (n - 1) * m + (k + 1) % m], -1)
    row = body.min(axis=1) // m
    parts = [
        (body, verts[body].mean(axis=1) - centres[row]),
        (first, np.broadcast_to(centres[0] - centres[1], (m, 3))),
        (last, np.broadcast_to(centres[-1] - centres[-2], (m, 3))),
    ]
    faces = []
    for tris, outward in parts:
        a, b, c = (verts[tris[:, i]] for i in range(3))
        facing = np.einsum("ij,ij->", np.cross(b - a, c - a), outward)
        faces.append(tris if facing > 0 else tris[:, ::-1])
    return verts, np.concatenate(faces)


def lathe(profile: np.ndarray, segments: int) -> tuple[np.ndarray, np.ndarray]:
    """Surface of revolution about +Z from a (radius, z) profile running from the +Z pole to the
    -Z pole; each pole (radius 0) becomes a single vertex. Used for eyeballs."""
    angles = 2 * np.pi * np.arange(segments) / segments
    rows = profile[1:-1]
    ring = np.stack(
        [rows[:, :1] * np.cos(angles), rows[:, :1] * np.sin(angles), np.repeat(rows[:, 1:2], segments, axis=1)], axis=-1
    ).reshape(-1, 3)
    top = np.array([[0.0, 0.0, profile[0, 1]]])
    bottom = np.array([[0.0, 0.0, profile[-1, 1]]])
    verts = np.concatenate([top, ring, bottom])
    n_rows = len(rows)
    body = grid_faces(n_rows, segments, wrap_cols=True) + 1
    s = np.arange(segments)
    cap_top = np.stack([np.zeros(segments, dtype=np.int64), 1 + s, 1 + (s + 1) % segments], -1)
    last = 1 + (n_rows - 1) * segments
    cap_bottom = np.stack([np.full(segments, len(verts) - 1), last + (s + 1) % segments, last + s], -1)
    faces = np.concatenate([cap_top, body, cap_bottom])
    return verts, orient_outward(verts, faces)


def orient_outward(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Flips a closed mesh's winding if it encloses negative volume."""
    a, b, c = (verts[faces[:, k]] for k in range(3))
    volume = np.einsum("ij,ij->i", a, np.cross(b, c)).sum()
    return faces if volume > 0 else faces[:, ::-1].copy()


def dihedral_angles(verts: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(angles in degrees between the normals of the two faces on each interior edge, the
    edges' midpoints)."""
    a, b, c = (verts[faces[:, k]] for k in range(3))
    n = np.cross(b - a, c - a)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-30)
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    face_of = np.tile(np.arange(len(faces)), 3)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    edges, face_of = edges[order], face_of[order]
    pair = np.flatnonzero(np.all(edges[1:] == edges[:-1], axis=1))
    cos = np.einsum("ij,ij->i", n[face_of[pair]], n[face_of[pair + 1]])
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), (verts[edges[pair, 0]] + verts[edges[pair, 1]]) / 2


def surface_noise(verts: np.ndarray, faces: np.ndarray, where: Callable[[np.ndarray], np.ndarray]) -> float:
    """The spread (standard deviation, degrees) of the dihedral angles on the edges whose
    midpoints `where` accepts: near zero on an evenly meshed smooth surface, large where it is
    lumpy, creased or unevenly faceted."""
    angles, mid = dihedral_angles(verts, faces)
    return float(angles[where(mid)].std())


def _edge_keys(faces: np.ndarray, n: int) -> np.ndarray:
    """(F, 3) integer keys of each face's edges (v0-v1, v1-v2, v2-v0), the same from either face."""
    e = np.sort(np.stack([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]], axis=1), axis=2)
    return e[..., 0] * n + e[..., 1]


def subdivide(verts: np.ndarray, faces: np.ndarray, marked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Splits the `marked` faces (bool per face) into four at their edges' midpoints; their
    neighbours are split in two (or, with two split edges, in four too) so no vertex hangs
    on an edge. New vertices are appended after the old ones."""
    n = len(verts)
    keys = _edge_keys(faces, n)
    split = np.unique(keys[marked])
    while True:  # a face with two split edges is split on all three
        count = np.isin(keys, split).sum(axis=1)
        if not (count == 2).any():
            break
        split = np.union1d(split, keys[count == 2].ravel())
    mid = {int(k): n + i for i, k in enumerate(split)}
    new_verts = np.concatenate([verts, (verts[split // n] + verts[split % n]) / 2])
    out = [faces[count == 0]]
    for fi in np.flatnonzero(count == 3):
        a, b, c = faces[fi]
        ab, bc, ca = (mid[int(k)] for k in keys[fi])
        out.append([[a, ab, ca], [ab, b, bc], [ca, bc, c], [ab, bc, ca]])
    for fi in np.flatnonzero(count == 1):
        j = int(np.flatnonzero(np.isin(keys[fi], split))[0])
        p, q, r = faces[fi, j], faces[fi, (j + 1) % 3], faces[fi, (j + 2) % 3]
        m = mid[int(keys[fi, j])]
        out.append([[p, m, r], [m, q, r]])
    return new_verts, np.concatenate([np.asarray(o, dtype=np.int64).reshape(-1, 3) for o in out])


def project(
    field: Callable[[np.ndarray], np.ndarray], verts: np.ndarray, steps: int = 3, h: float = 1e-5
) -> np.ndarray:
    """Points moved onto the field's zero level along its gradient (Newton steps)."""
    v = verts.copy()
    for _ in range(steps):
        d = field(v)
        g = np.stack([(field(v + e) - field(v - e)) / (2 * h) for e in np.eye(3) * h], axis=1)
        v -= (d / np.maximum(np.einsum("ij,ij->i", g, g), 1e-12))[:, None] * g
    return v


def coarsen(verts: np.ndarray, faces: np.ndarray, where: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Vertex clustering where `where` (bool per vertex) holds: those vertices are merged per
    `cell`-sized grid cell into their mean, and the triangles that collapse are dropped. For
    smooth, unseen stretches (the back of a head) that need fewer triangles than the face."""
    n = len(verts)
    cells = np.floor(verts[where] / cell).astype(np.int64)
    _, cluster = np.unique(cells, axis=0, return_inverse=True)
    rep = np.arange(n)
    members = np.flatnonzero(where)
    first = np.full(cluster.max() + 1, -1)
    first[cluster[::-1]] = members[::-1]  # each cluster's lowest vertex stands for it
    rep[members] = first[cluster]
    merged = verts.copy()
    sums = np.zeros((len(first), 3))
    np.add.at(sums, cluster, verts[members])
    merged[first] = sums / np.bincount(cluster)[:, None]
    f = rep[faces]
    f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])]
    _, keep = np.unique(np.sort(f, axis=1), axis=0, return_index=True)
    f = f[np.sort(keep)]
    used = np.zeros(n, bool)
    used[f.ravel()] = True
    remap = np.cumsum(used) - 1
    return merged[used], remap[f]

"""Morph targets with every weight active at once, blended where it is cheapest.

Two ways, chosen per context by `morph_mode` (figures: see `bench/render.py`):
- "cpu": one sparse matrix product `deltas.T @ weights` over the vertices that any target
  moves, then the position/normal buffers are re-uploaded. On Mesa llvmpipe the vertex shader
  runs on the same CPU cores, and a per-vertex loop over texture fetches there costs far more
  (720p MSAA 4x, 2 cores, all targets active: mascot 28 fps on this path against 14 fps on
  the texture path; synthetic 60k vertices and 100 targets 18.6 against 1.6 fps).
  Sparse, not dense BLAS: face targets are local (each moves a few percent of the vertices),
  and OpenBLAS's worker threads spin after each product, taking the cores llvmpipe rasterizes
  on: a dense `weights @ deltas` added 50-80 ms of CPU time per frame there, the CSR product
  2-3 ms.
- "texture": all deltas in a float texture array read by `gl_VertexID` in the vertex shader,
  as three.js and Filament do; only the list of active (target, weight) pairs is uploaded.
  On an H100 (720p MSAA 4x, all targets active, median of 5 alternating rounds, two
  machines) the mascot takes 2.8-3.9 ms a frame against 3.4-5.1 ms on the CPU path, and the
  CPU is left free (blend + upload 0.5 ms against 1.9 ms), which a live pipeline needs for
  its sources. The synthetic 60k/100 avatar splits (7.9-8.6 against 7.0-10.8 ms, with the
  host CPU): its vertex loop costs the GPU 6.9 ms.
Tangent deltas are not applied on either path: the fragment shader re-orthogonalises the
tangent against the morphed normal, which is what a normal map needs.
"""

from __future__ import annotations

from enum import Enum

import moderngl
import numpy as np
from scipy import sparse

from ..rig.asset import Primitive
from .programs import UNITS
from .shaders import set_uniforms

#: Renderer strings of software rasterizers, where the CPU path wins.
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "lavapipe")

#: Width of a morph delta texture; rows wrap at this many vertices.
TEXTURE_WIDTH = 2048


class MorphMode(str, Enum):
    """Where morph targets are blended: on the CPU (software rasterizers) or in the vertex shader."""

    CPU = "cpu"
    TEXTURE = "texture"


def morph_mode(ctx: moderngl.Context) -> MorphMode:
    """CPU on software rasterizers, TEXTURE on GPUs."""
    name = ctx.info.get("GL_RENDERER", "").lower()
    return MorphMode.CPU if any(s in name for s in SOFTWARE_RENDERERS) else MorphMode.TEXTURE


def _stacked(prim: Primitive) -> tuple[np.ndarray, np.ndarray | None]:
    positions = np.stack([t.positions for t in prim.targets]).astype(np.float32)
    with_normals = prim.normals is not None and all(t.normals is not None for t in prim.targets)
    normals = (
        np.stack([t.normals for t in prim.targets if t.normals is not None]).astype(np.float32)
        if with_normals
        else None
    )
    return positions, normals


class CpuMorphs:
    """Blends a primitive's targets on the CPU into arrays ready to upload.

    Only the vertices that some target moves take part (a face's targets leave the body
    alone), and only their non-zero deltas are stored, so the work scales with what moves.
    """

    def __init__(self, prim: Primitive):
        positions, normals = _stacked(prim)
        moved = np.any(positions != 0, axis=(0, 2))
        if normals is not None:
            moved |= np.any(normals != 0, axis=(0, 2))
        self.support = np.flatnonzero(moved)
        parts = [positions[:, self.support]]
        if normals is not None:
            parts.append(normals[:, self.support])
        # One column per target, position deltas then normal deltas down the rows.
        stacked = np.concatenate(parts, axis=1).reshape(len(positions), -1)
        self.deltas = sparse.csr_matrix(stacked.T)
        self.base_positions = np.ascontiguousarray(prim.positions, np.float32)
        self.base_normals = np.ascontiguousarray(prim.normals, np.float32) if normals is not None else None
        self.positions = self.base_positions.copy()
        self.normals = None if self.base_normals is None else self.base_normals.copy()

    def blend(self, weights: np.ndarray) -> None:
        """Sets `positions` (and `normals`) to base + sum of weight x delta."""
        weights = np.asarray(weights, np.float32)
        self.positions[:] = self.base_positions
        if self.normals is not None:
            self.normals[:] = self.base_normals
        if not weights.any() or self.support.size == 0:
            return
        blended = (self.deltas @ weights).reshape(-1, len(self.support), 3)
        self.positions[self.support] += blended[0]
        if self.normals is not None:
            self.normals[self.support] += blended[1]


class TextureMorphs:
    """A primitive's deltas in a float texture array, blended by the vertex shader."""

    def __init__(self, ctx: moderngl.Context, prim: Primitive):
        positions, normals = _stacked(prim)
        count, vertices = positions.shape[:2]
        width = min(vertices, TEXTURE_WIDTH)
        height = -(-vertices // width)
        layers = [positions] if normals is None else [positions, normals]
        data = np.zeros((count * len(layers), height * width, 3), np.float32)
        data[:, :vertices] = np.concatenate(layers)
        self.targets = count
        self.with_normals = normals is not None
        self.deltas = ctx.texture_array((width, height, len(data)), 3, data, dtype="f4")
        self.deltas.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.active = ctx.texture((max(count, 1), 1), 2, dtype="f4")
        self.active.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.count = 0

    def blend(self, weights: np.ndarray) -> None:
        """Uploads the (target, weight) pairs of the active targets."""
        active = np.flatnonzero(weights)
        self.count = int(active.size)
        if self.count:
            pairs = np.zeros((self.targets, 2), np.float32)
            pairs[: self.count, 0] = active
            pairs[: self.count, 1] = np.asarray(weights, np.float32)[active]
            self.active.write(pairs.tobytes())

    def bind(self, program: moderngl.Program) -> None:
        self.deltas.use(UNITS["u_morph_deltas"])
        self.active.use(UNITS["u_morph_active"])
        set_uniforms(
            program,
            u_morph_count=self.count,
            u_morph_targets=self.targets,
            u_morph_normals=self.with_normals,
        )

    def release(self) -> None:
        self.deltas.release()
        self.active.release()

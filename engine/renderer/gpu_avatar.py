"""An avatar's GPU resources: vertex buffers per primitive and joint matrices per skin,
synced from a CPU-side `Pose` once per frame (morphs per mesh, skins per skin, not per draw).
"""

from __future__ import annotations

from dataclasses import dataclass

import moderngl
import numpy as np

from ..rig.asset import Avatar, Primitive
from ..rig.rig import Pose
from .materials import material_of
from .morphs import CpuMorphs, MorphMode, TextureMorphs
from .programs import UNITS, variant
from .shaders import set_uniforms


def _f4(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, np.float32).tobytes()


class GpuPrimitive:
    """Buffers for one primitive; the morph blending mode decides which ones change per frame."""

    def __init__(self, ctx: moderngl.Context, prim: Primitive, morph_mode: MorphMode):
        self.ctx = ctx
        self.prim = prim
        self.index_count = prim.indices.size
        self.skin_sets = 0 if prim.joints is None else prim.joints.shape[1] // 4
        self.cpu_morphs = self.texture_morphs = None
        if prim.targets:
            if morph_mode == MorphMode.CPU:
                self.cpu_morphs = CpuMorphs(prim)
            else:
                self.texture_morphs = TextureMorphs(ctx, prim)
        dynamic = self.cpu_morphs is not None
        self.positions = ctx.buffer(_f4(prim.positions), dynamic=dynamic)
        self.normals = ctx.buffer(_f4(prim.normals), dynamic=dynamic) if prim.normals is not None else None
        self.indices = ctx.buffer(np.ascontiguousarray(prim.indices, np.uint32).tobytes())
        self._static: list[tuple[moderngl.Buffer, str, str]] = []
        if prim.tangents is not None:
            self._static.append((ctx.buffer(_f4(prim.tangents)), "4f", "a_tangent"))
        for i, uv in enumerate(prim.texcoords[:2]):
            self._static.append((ctx.buffer(_f4(uv)), "2f", f"a_uv{i}"))
        if prim.colors is not None:
            self._static.append((ctx.buffer(_f4(prim.colors)), "4f", "a_color"))
        if prim.joints is not None and prim.weights is not None:  # the loader reads them as pairs
            for s in range(self.skin_sets):
                cols = slice(4 * s, 4 * s + 4)
                self._static.append((ctx.buffer(_f4(prim.joints[:, cols])), "4f", f"a_joints{s}"))
                self._static.append((ctx.buffer(_f4(prim.weights[:, cols])), "4f", f"a_weights{s}"))
        self._vaos: dict[int, moderngl.VertexArray] = {}

    def vertex_array(self, program: moderngl.Program) -> moderngl.VertexArray:
        """This primitive's VAO for `program` (the shading one, or a capture one in tests)."""
        vao = self._vaos.get(program.glo)
        if vao is None:
            content = [(self.positions, "3f", "a_position")]
            if self.normals is not None:
                content.append((self.normals, "3f", "a_normal"))
            content += self._static
            vao = self.ctx.vertex_array(
                program, content, index_buffer=self.indices, index_element_size=4, skip_errors=True
            )
            self._vaos[program.glo] = vao
        return vao

    def sync_morphs(self, weights: np.ndarray) -> None:
        if self.cpu_morphs is not None:
            self.cpu_morphs.blend(weights)
            self.positions.write(self.cpu_morphs.positions)
            if self.normals is not None and self.cpu_morphs.normals is not None:
                self.normals.write(self.cpu_morphs.normals)
        elif self.texture_morphs is not None:
            self.texture_morphs.blend(weights)

    def release(self) -> None:
        for vao in self._vaos.values():
            vao.release()
        buffers = [self.positions, self.indices, *(b for b, _, _ in self._static)]
        if self.normals is not None:
            buffers.append(self.normals)
        for b in buffers:
            b.release()
        if self.texture_morphs is not None:
            self.texture_morphs.release()


@dataclass
class Draw:
    """One primitive as a node instances it."""

    node: int
    mesh: int
    prim_index: int
    gpu: GpuPrimitive
    skin: int | None
    defines: tuple[str, ...]  # the shader variant it needs
    centroid: np.ndarray  # model-space centre, for sorting transparent draws ...
    anchor: int  # ... carried by this joint of its skin (the one with most weight)


class GpuAvatar:
    """All of an avatar's draws (with the shader variant each needs), plus one joint-matrix
    texture per skin."""

    def __init__(self, ctx: moderngl.Context, avatar: Avatar, morph_mode: MorphMode):
        self.ctx = ctx
        self.avatar = avatar
        self.morph_mode = morph_mode
        self.primitives = [[GpuPrimitive(ctx, p, morph_mode) for p in mesh.primitives] for mesh in avatar.meshes]
        self.joint_textures = []
        for avatar_skin in avatar.skins:
            tex = ctx.texture((4, max(len(avatar_skin.joints), 1)), 4, dtype="f4")
            tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self.joint_textures.append(tex)
        self.draws = []
        for i, node in enumerate(avatar.nodes):
            if node.mesh is None:
                continue
            for pi, gpu in enumerate(self.primitives[node.mesh]):
                # JOINTS on a primitive whose node has no skin are plain data (glTF rule).
                skin = node.skin if gpu.skin_sets else None
                material = material_of(avatar, gpu.prim.material)
                defines = variant(gpu.prim, material, skin is not None, morph_mode == "texture")
                prim = gpu.prim
                anchor = 0
                if skin is not None:
                    assert prim.joints is not None and prim.weights is not None  # it has skin_sets
                    anchor = int(np.argmax(np.bincount(prim.joints.ravel(), weights=prim.weights.ravel())))
                self.draws.append(Draw(i, node.mesh, pi, gpu, skin, defines, prim.positions.mean(0), anchor))

    def sync(self, pose: Pose) -> None:
        """Uploads what this pose changes: blended morphs and skin matrices."""
        for mesh_prims, weights in zip(self.primitives, pose.morph_weights):
            for gpu in mesh_prims:
                gpu.sync_morphs(weights)
        for tex, matrices in zip(self.joint_textures, pose.skin_matrices):
            if len(matrices):
                # Row j of the texture holds matrix j's columns, so GLSL's mat4() takes them as is.
                tex.write(_f4(np.transpose(matrices, (0, 2, 1))))

    def bind_draw(self, program: moderngl.Program, draw: Draw, pose: Pose) -> moderngl.VertexArray:
        """Sets the vertex-stage state of one draw and returns its VAO."""
        if draw.gpu.texture_morphs is not None:
            draw.gpu.texture_morphs.bind(program)
        if draw.skin is not None:
            self.joint_textures[draw.skin].use(UNITS["u_joint_matrices"])
            set_uniforms(program, u_skin_sets=draw.gpu.skin_sets)
        else:
            set_uniforms(program, u_model=pose.world[draw.node])
        return draw.gpu.vertex_array(program)

    def release(self) -> None:
        for mesh_prims in self.primitives:
            for gpu in mesh_prims:
                gpu.release()
        for tex in self.joint_textures:
            tex.release()

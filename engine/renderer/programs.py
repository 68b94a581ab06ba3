"""The avatar shader, compiled once per feature set a draw needs.

On a software rasterizer every runtime branch costs on every pixel, and a `discard` anywhere
in a shader turns off early depth testing for everything it draws; compiled variants pay
only for what a primitive and its material use. An avatar needs a handful of them.
"""

from __future__ import annotations

import moderngl

from ..rig.asset import Material, Primitive
from .shaders import program, set_uniforms

#: Material texture slots and the define that turns each on.
TEXTURE_DEFINES = {
    "base_color_texture": "BASE_TEXTURE",
    "metallic_roughness_texture": "MR_TEXTURE",
    "normal_texture": "NORMAL_TEXTURE",
    "occlusion_texture": "OCCLUSION_TEXTURE",
    "emissive_texture": "EMISSIVE_TEXTURE",
}


#: A texture unit per sampler, fixed for every variant: two samplers of different types left
#: on one unit (all default to 0) make GL refuse the draw.
UNITS = {
    "u_base_tex": 0,
    "u_mr_tex": 1,
    "u_normal_tex": 2,
    "u_occlusion_tex": 3,
    "u_emissive_tex": 4,
    "u_joint_matrices": 5,
    "u_morph_deltas": 6,
    "u_morph_active": 7,
}


def variant(prim: Primitive, material: Material, skinned: bool, morph_texture: bool) -> tuple[str, ...]:
    """The defines of the shader variant that draws `prim` with `material`."""
    defines = []
    if morph_texture and prim.targets:
        defines.append("MORPH_TEXTURE")
    if skinned:
        defines.append("SKINNED")
    if prim.normals is not None:
        defines.append("HAS_NORMALS")
    if prim.tangents is not None:
        defines.append("HAS_TANGENTS")
    if prim.colors is not None:
        defines.append("HAS_COLORS")
    textures = [
        define
        for field, define in TEXTURE_DEFINES.items()
        if getattr(material, field) is not None and getattr(material, field).image is not None
    ]
    if material.unlit:  # an unlit material reads its base colour only
        textures = [t for t in textures if t == "BASE_TEXTURE"]
    defines += textures
    if textures:
        defines.append("TEXCOORDS")
    if material.unlit:
        defines.append("UNLIT")
    if material.alpha_mode == "MASK":
        defines.append("ALPHA_MASK")
    elif material.alpha_mode == "BLEND":
        defines.append("ALPHA_BLEND")
    return tuple(defines)


class Programs:
    """Compiled variants, made on first use and kept for the renderer's life."""

    def __init__(self, ctx: moderngl.Context):
        self.ctx = ctx
        self._shading: dict[tuple[str, ...], moderngl.Program] = {}
        self._capture: dict[tuple[str, ...], moderngl.Program] = {}

    def shading(self, defines: tuple[str, ...]) -> moderngl.Program:
        prog = self._shading.get(defines)
        if prog is None:
            prog = self._shading[defines] = program(self.ctx, "avatar.vert", "avatar.frag", defines)
            set_uniforms(prog, **UNITS)
        return prog

    def capture(self, defines: tuple[str, ...]) -> moderngl.Program:
        """The vertex stage alone, writing world positions (and normals) to a buffer."""
        prog = self._capture.get(defines)
        if prog is None:
            varyings = ("v_world", "v_normal") if "HAS_NORMALS" in defines else ("v_world",)
            prog = self._capture[defines] = program(self.ctx, "avatar.vert", None, defines, varyings)
            set_uniforms(prog, **UNITS)
        return prog

    def release(self) -> None:
        for prog in [*self._shading.values(), *self._capture.values()]:
            prog.release()
        self._shading.clear()
        self._capture.clear()

"""glTF materials as shader uniforms and GL textures (created once, on first use)."""

from __future__ import annotations

import moderngl
import numpy as np

from ..rig.asset import Avatar, Material, TextureRef
from .programs import UNITS
from .shaders import set_uniforms

GL_SRGB8_ALPHA8 = 0x8C43
GL_REPEAT = 10497
GL_MIRRORED_REPEAT = 33648
_MIPMAP_FILTERS = {0x2700, 0x2701, 0x2702, 0x2703}  # the four *_MIPMAP_* minification filters

#: glTF's material for primitives that name none.
DEFAULT_MATERIAL = Material("default")


def material_of(avatar: Avatar, index: int | None) -> Material:
    return DEFAULT_MATERIAL if index is None else avatar.materials[index]


class Materials:
    """Binds an avatar's materials. Base colour and emissive images become sRGB textures, so
    the GPU linearises them before filtering; the others hold data and stay linear.
    """

    def __init__(self, ctx: moderngl.Context, avatar: Avatar):
        self.ctx = ctx
        self.avatar = avatar
        self._textures: dict[tuple, moderngl.Texture] = {}
        # (program, material) -> its uniform values and (texture, unit) pairs, built on first use
        self._bound: dict[tuple[int, int | None], tuple[dict, list[tuple[moderngl.Texture, int]]]] = {}

    def material(self, index: int | None) -> Material:
        return material_of(self.avatar, index)

    def _texture(self, image: int, ref: TextureRef, srgb: bool) -> moderngl.Texture:
        """`image` is `ref.image`, passed apart because there it may be None."""
        key = (image, srgb, ref.min_filter, ref.mag_filter, ref.wrap_s, ref.wrap_t)
        texture = self._textures.get(key)
        if texture is None:
            pixels = np.ascontiguousarray(self.avatar.images[image].decode())
            height, width = pixels.shape[:2]
            texture = self.ctx.texture(
                (width, height),
                4,
                pixels.tobytes(),
                internal_format=GL_SRGB8_ALPHA8 if srgb else None,
            )
            min_filter = ref.min_filter or moderngl.LINEAR_MIPMAP_LINEAR
            if min_filter in _MIPMAP_FILTERS:
                texture.build_mipmaps()
                texture.anisotropy = min(8.0, self.ctx.max_anisotropy)
            texture.filter = (min_filter, ref.mag_filter or moderngl.LINEAR)
            # MIRRORED_REPEAT: the shader folds the uv, GL clamps (moderngl has no mirror switch).
            texture.repeat_x = ref.wrap_s == GL_REPEAT
            texture.repeat_y = ref.wrap_t == GL_REPEAT
            self._textures[key] = texture
        return texture

    def bind(self, program: moderngl.Program, index: int | None) -> Material:
        """Sets the material's uniforms and textures; returns it for the draw state."""
        key = (id(program), index)
        if key not in self._bound:
            self._bound[key] = self._prepare(program, self.material(index))
        values, textures = self._bound[key]
        for texture, unit in textures:
            texture.use(unit)
        set_uniforms(program, **values)
        return self.material(index)

    def _prepare(self, program: moderngl.Program, mat: Material) -> tuple[dict, list]:
        """The uniform values and textures of one material in one program, named once."""
        textures = []
        values = dict(
            u_base_color=np.asarray(mat.base_color, np.float64),
            u_metallic=float(mat.metallic),
            u_roughness=float(mat.roughness),
            u_emissive=np.asarray(mat.emissive, np.float64),
            u_alpha_cutoff=float(mat.alpha_cutoff),
        )
        slots = (
            ("base", mat.base_color_texture, True),
            ("mr", mat.metallic_roughness_texture, False),
            ("normal", mat.normal_texture, False),
            ("occlusion", mat.occlusion_texture, False),
            ("emissive", mat.emissive_texture, True),
        )
        for slot, ref, srgb in slots:
            if ref is None or ref.image is None or f"u_{slot}_tex" not in program:
                continue
            textures.append((self._texture(ref.image, ref, srgb), UNITS[f"u_{slot}_tex"]))
            values[f"u_{slot}_uv"] = int(ref.texcoord)
            values[f"u_{slot}_transform"] = np.asarray(ref.transform, np.float64)
            values[f"u_{slot}_mirror"] = (ref.wrap_s == GL_MIRRORED_REPEAT, ref.wrap_t == GL_MIRRORED_REPEAT)
        if mat.normal_texture is not None:
            values["u_normal_scale"] = float(mat.normal_texture.scale)
        return values, textures

    def release(self) -> None:
        for texture in self._textures.values():
            texture.release()
        self._textures.clear()
        self._bound.clear()

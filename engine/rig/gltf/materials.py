"""Materials, textures and the images they use."""

from __future__ import annotations

import numpy as np
import pygltflib

from engine.rig.asset import (
    Image,
    Material,
    TextureRef,
)

from .reader import Reader

_DECODABLE_MIMES = {"image/png", "image/jpeg"}


class Materials(Reader):
    def image(self, i: int, img: pygltflib.Image) -> Image:
        where = f"images[{i}]"
        mime = img.mimeType if isinstance(img.mimeType, str) else None
        if img.bufferView is not None:
            data = bytes(self.buffer_view(img.bufferView, f"{where}.bufferView")[0])
        elif img.uri is not None:
            data, uri_mime = self.read_uri(img.uri, f"{where}.uri")
            mime = mime or uri_mime
        else:
            raise self.error(where, "an image needs a uri or a bufferView")
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            mime = mime or "image/png"
        elif data[:3] == b"\xff\xd8\xff":
            mime = mime or "image/jpeg"
        mime = mime or "application/octet-stream"
        if mime not in _DECODABLE_MIMES:
            self.unsupported.append(f"{where}: {mime} images are not decoded; textures using it are dropped")
        name = img.name if isinstance(img.name, str) and img.name else f"image_{i}"
        return Image(name=name, data=data, mime_type=mime)

    def material(self, i: int, mat: pygltflib.Material, images: list[Image]) -> Material:
        where = f"materials[{i}]"
        extensions = mat.extensions or {}
        self.note_extensions(extensions, where)
        pbr = mat.pbrMetallicRoughness or pygltflib.PbrMetallicRoughness()
        alpha_mode = mat.alphaMode or "OPAQUE"
        if alpha_mode not in ("OPAQUE", "MASK", "BLEND"):
            raise self.error(f"{where}.alphaMode", f"expected OPAQUE, MASK or BLEND, got {alpha_mode!r}")

        def scalar(value, default, field):
            return float(self.numbers([default if value is None else value], 1, f"{where}.{field}", None)[0])

        def texture(info, field):
            return None if info is None else self.texture_ref(info, f"{where}.{field}", images)

        return Material(
            name=mat.name if isinstance(mat.name, str) and mat.name else f"material_{i}",
            base_color=self.numbers(pbr.baseColorFactor, 4, f"{where}.pbrMetallicRoughness.baseColorFactor", [1.0] * 4),
            base_color_texture=texture(pbr.baseColorTexture, "pbrMetallicRoughness.baseColorTexture"),
            metallic=scalar(pbr.metallicFactor, 1.0, "pbrMetallicRoughness.metallicFactor"),
            roughness=scalar(pbr.roughnessFactor, 1.0, "pbrMetallicRoughness.roughnessFactor"),
            metallic_roughness_texture=texture(
                pbr.metallicRoughnessTexture, "pbrMetallicRoughness.metallicRoughnessTexture"
            ),
            normal_texture=texture(mat.normalTexture, "normalTexture"),
            occlusion_texture=texture(mat.occlusionTexture, "occlusionTexture"),
            emissive=self.numbers(mat.emissiveFactor, 3, f"{where}.emissiveFactor", [0.0] * 3),
            emissive_texture=texture(mat.emissiveTexture, "emissiveTexture"),
            alpha_mode=alpha_mode,
            alpha_cutoff=scalar(mat.alphaCutoff, 0.5, "alphaCutoff"),
            double_sided=bool(mat.doubleSided),
            unlit="KHR_materials_unlit" in extensions,
        )

    def texture_ref(self, info, where: str, images: list[Image]) -> TextureRef:
        """A material's texture slot: image, texcoord set, KHR_texture_transform and sampler."""
        self.note_extensions(info.extensions, where)
        tex_index = self.index(info.index, "textures", f"{where}.index")
        tex = self.gltf.textures[tex_index]
        self.note_extensions(tex.extensions, f"textures[{tex_index}]")
        image = None
        if tex.source is None:
            self.unsupported.append(f"textures[{tex_index}]: no core image source; texture dropped")
        else:
            image = self.index(tex.source, "images", f"textures[{tex_index}].source")
            if images[image].mime_type not in _DECODABLE_MIMES:
                image = None
        ref = TextureRef(image=image, texcoord=self.integer(info.texCoord or 0, f"{where}.texCoord"))
        # normalTexture.scale and occlusionTexture.strength: both scale the texture's effect
        for field in ("scale", "strength"):
            if getattr(info, field, None) is not None:
                ref.scale = float(self.numbers([getattr(info, field)], 1, f"{where}.{field}", None)[0])
        transform = (info.extensions or {}).get("KHR_texture_transform")
        if isinstance(transform, dict):
            here = f"{where}.extensions.KHR_texture_transform"
            ox, oy = self.numbers(transform.get("offset"), 2, f"{here}.offset", [0.0, 0.0])
            sx, sy = self.numbers(transform.get("scale"), 2, f"{here}.scale", [1.0, 1.0])
            r = float(self.numbers([transform.get("rotation", 0.0)], 1, f"{here}.rotation", None)[0])
            c, s = np.cos(r), np.sin(r)
            translation = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]], np.float64)
            rotation = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]], np.float64)
            ref.transform = translation @ rotation @ np.diag([sx, sy, 1.0])
            if transform.get("texCoord") is not None:
                ref.texcoord = self.integer(transform["texCoord"], f"{here}.texCoord")
        if tex.sampler is not None:
            sampler = self.gltf.samplers[self.index(tex.sampler, "samplers", f"textures[{tex_index}].sampler")]
            ref.wrap_s = sampler.wrapS if sampler.wrapS is not None else 10497
            ref.wrap_t = sampler.wrapT if sampler.wrapT is not None else 10497
            ref.mag_filter, ref.min_filter = sampler.magFilter, sampler.minFilter
        return ref

"""An avatar as plain numpy arrays: what the glTF loader produces and the rig and renderer read.

Conventions (fixed here so nothing downstream guesses):
- Matrices are 4x4 float64, row-major, acting on column vectors (`M @ p`); glTF's
  column-major arrays are transposed on load.
- Quaternions are (x, y, z, w) as in glTF.
- Every primitive is a triangle list: non-indexed primitives get `arange` indices.
- Morph target deltas are per primitive, in the order of `Mesh.target_names`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import EngineError


class AvatarError(EngineError):
    """An avatar file we refuse to load: names the file, the field and the reason."""

    def __init__(self, path: str | Path, where: str, reason: str):
        self.path, self.where, self.reason = str(path), where, reason
        super().__init__(f"{path}: {where}: {reason}")


@dataclass
class MorphTarget:
    positions: np.ndarray  # (V, 3) float32 displacements
    normals: np.ndarray | None = None  # (V, 3) float32 displacements
    tangents: np.ndarray | None = None  # (V, 3) float32 displacements


@dataclass
class Primitive:
    positions: np.ndarray  # (V, 3) float32
    indices: np.ndarray  # (T, 3) uint32
    normals: np.ndarray | None = None  # (V, 3) float32
    tangents: np.ndarray | None = None  # (V, 4) float32
    texcoords: list[np.ndarray] = field(default_factory=list)  # TEXCOORD_n, each (V, 2) float32
    colors: np.ndarray | None = None  # COLOR_0 as (V, 4) float32, linear
    joints: np.ndarray | None = None  # (V, 4*sets) uint16, JOINTS_0.. concatenated
    weights: np.ndarray | None = None  # (V, 4*sets) float32, WEIGHTS_0.. concatenated
    material: int | None = None
    targets: list[MorphTarget] = field(default_factory=list)

    @property
    def vertex_count(self) -> int:
        return len(self.positions)


@dataclass
class Mesh:
    name: str
    primitives: list[Primitive]
    target_names: list[str] = field(default_factory=list)
    default_weights: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))


@dataclass
class Node:
    name: str
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    translation: np.ndarray = field(default_factory=lambda: np.zeros(3))
    rotation: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 0.0, 1.0]))
    scale: np.ndarray = field(default_factory=lambda: np.ones(3))
    # A node given as a `matrix` keeps it here; TRS is then its decomposition (for animation).
    matrix: np.ndarray | None = None
    mesh: int | None = None
    skin: int | None = None


@dataclass
class Skin:
    name: str
    joints: list[int]  # node indices
    inverse_bind: np.ndarray  # (J, 4, 4)
    skeleton: int | None = None


@dataclass
class Image:
    name: str
    data: bytes  # encoded PNG/JPEG as stored in the file
    mime_type: str

    def decode(self) -> np.ndarray:
        """RGBA uint8 (H, W, 4); decoded on demand so loading stays fast."""
        import io

        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(self.data)) as im:
            return np.asarray(im.convert("RGBA"))


@dataclass
class TextureRef:
    image: int | None  # index into Avatar.images
    texcoord: int = 0
    # KHR_texture_transform folded into one 3x3 matrix acting on (u, v, 1).
    transform: np.ndarray = field(default_factory=lambda: np.eye(3))
    scale: float = 1.0  # normalTexture.scale
    wrap_s: int = 10497  # GL_REPEAT
    wrap_t: int = 10497
    mag_filter: int | None = None
    min_filter: int | None = None


@dataclass
class Material:
    name: str
    base_color: np.ndarray = field(default_factory=lambda: np.ones(4))
    base_color_texture: TextureRef | None = None
    metallic: float = 1.0
    roughness: float = 1.0
    metallic_roughness_texture: TextureRef | None = None
    normal_texture: TextureRef | None = None
    occlusion_texture: TextureRef | None = None
    emissive: np.ndarray = field(default_factory=lambda: np.zeros(3))
    emissive_texture: TextureRef | None = None
    alpha_mode: str = "OPAQUE"  # OPAQUE | MASK | BLEND
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    unlit: bool = False


@dataclass
class AnimationChannel:
    node: int
    path: str  # translation | rotation | scale | weights
    times: np.ndarray  # (K,) float32, increasing
    values: np.ndarray  # (K, C) or, for CUBICSPLINE, (K, 3, C): in-tangent, value, out-tangent
    interpolation: str = "LINEAR"  # LINEAR | STEP | CUBICSPLINE


@dataclass
class Animation:
    name: str
    channels: list[AnimationChannel]

    @property
    def duration(self) -> float:
        return max((float(c.times[-1]) for c in self.channels if len(c.times)), default=0.0)


@dataclass
class MorphBind:
    mesh: int
    target: int
    weight: float


@dataclass
class Expression:
    """A VRM expression (1.0) or blend shape group (0.x): named morph combinations."""

    name: str  # VRM 1.0 preset spelling (aa, blink, happy...) or the custom name
    binds: list[MorphBind]
    preset: str | None = None
    is_binary: bool = False
    override_blink: str = "none"  # none | block | blend
    override_look_at: str = "none"
    override_mouth: str = "none"


@dataclass
class Avatar:
    path: str
    nodes: list[Node]
    meshes: list[Mesh]
    skins: list[Skin] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    animations: list[Animation] = field(default_factory=list)
    scene_roots: list[int] = field(default_factory=list)
    expressions: list[Expression] = field(default_factory=list)
    humanoid: dict[str, int] = field(default_factory=dict)  # VRM 1.0 bone name -> node
    vrm_version: str | None = None  # "0.x" | "1.0" | None
    extensions_used: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # optional features we ignore
    warnings: list[str] = field(default_factory=list)

    def node_index(self, name: str) -> int | None:
        for i, n in enumerate(self.nodes):
            if n.name == name:
                return i
        return None

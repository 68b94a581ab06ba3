"""Packs numpy arrays into a binary glTF (GLB): meshes with morph targets, skins, materials.

Generic and small on purpose: generated avatars and test fixtures describe their content as
arrays, and this module owns every glTF packing rule (alignment, buffer-view targets,
accessor min/max, sparse morph targets, column-major matrices) so the validator stays quiet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pygltflib as gl

_COMPONENT = {
    np.dtype(np.float32): gl.FLOAT,
    np.dtype(np.uint32): gl.UNSIGNED_INT,
    np.dtype(np.uint16): gl.UNSIGNED_SHORT,
    np.dtype(np.uint8): gl.UNSIGNED_BYTE,
}
_TYPE = {1: gl.SCALAR, 2: gl.VEC2, 3: gl.VEC3, 4: gl.VEC4, 16: gl.MAT4}
_NORMALIZED_PREFIXES = ("COLOR_", "WEIGHTS_", "TEXCOORD_")


@dataclass
class PrimitiveArrays:
    """One triangle list. `attributes` maps glTF names (POSITION, NORMAL, COLOR_0, JOINTS_0,
    WEIGHTS_0, ...) to per-vertex arrays stored with the dtype given: integer COLOR_n,
    WEIGHTS_n and TEXCOORD_n are written as normalized. Each target maps POSITION/NORMAL to
    (V, 3) displacements."""

    attributes: dict[str, np.ndarray]
    indices: np.ndarray
    material: int | None = None
    targets: list[dict[str, np.ndarray]] = field(default_factory=list)


class GlbWriter:
    """Collects meshes, materials, nodes and skins, then writes one self-contained GLB."""

    def __init__(self, generator: str = "engine"):
        self.gltf = gl.GLTF2(asset=gl.Asset(version="2.0", generator=generator))
        self._blob = bytearray()

    # -- binary data -------------------------------------------------------------------------

    def _view(self, data: bytes, target: int | None) -> int:
        self._blob += b"\0" * (-len(self._blob) % 4)
        self.gltf.bufferViews.append(
            gl.BufferView(buffer=0, byteOffset=len(self._blob), byteLength=len(data), target=target)
        )
        self._blob += data
        return len(self.gltf.bufferViews) - 1

    def _accessor(
        self,
        array: np.ndarray,
        target: int | None = gl.ARRAY_BUFFER,
        normalized: bool = False,
        bounds: bool = False,
        sparse: bool = False,
    ) -> int:
        array = np.ascontiguousarray(array)
        if array.dtype not in _COMPONENT:
            raise ValueError(f"accessor dtype {array.dtype} is not one of float32, uint32, uint16, uint8")
        count = array.shape[0]
        width = int(np.prod(array.shape[1:], dtype=int)) if array.ndim > 1 else 1
        if width not in _TYPE:
            raise ValueError(f"accessor element of {width} components has no glTF type")
        if target == gl.ARRAY_BUFFER and (array.itemsize * width) % 4:
            raise ValueError(f"vertex attribute elements must be multiples of 4 bytes, got {array.itemsize * width}")
        acc = gl.Accessor(
            componentType=_COMPONENT[array.dtype],
            count=count,
            type=_TYPE[width],
            normalized=normalized or None,
            byteOffset=None,
        )
        if bounds:
            flat = array.reshape(count, width)
            acc.min = [float(v) for v in flat.min(axis=0)]
            acc.max = [float(v) for v in flat.max(axis=0)]
        rows = np.flatnonzero(np.any(array.reshape(count, width) != 0, axis=1)) if sparse else None
        if rows is None or len(rows) * (4 + array.itemsize * width) >= array.nbytes:
            acc.bufferView = self._view(array.tobytes(), target)
        elif len(rows):  # no bufferView: zeros, with the non-zero rows given sparsely
            index_type = np.uint16 if count <= 0xFFFF else np.uint32
            acc.sparse = gl.Sparse(
                count=len(rows),
                indices=gl.AccessorSparseIndices(
                    bufferView=self._view(rows.astype(index_type).tobytes(), None),
                    componentType=_COMPONENT[np.dtype(index_type)],
                ),
                values=gl.AccessorSparseValues(bufferView=self._view(array[rows].tobytes(), None)),
            )
        self.gltf.accessors.append(acc)
        return len(self.gltf.accessors) - 1

    # -- document ----------------------------------------------------------------------------

    def material(
        self,
        name: str,
        base_color=(1.0, 1.0, 1.0, 1.0),
        metallic: float = 0.0,
        roughness: float = 0.6,
        double_sided: bool = False,
    ) -> int:
        self.gltf.materials.append(
            gl.Material(
                name=name,
                doubleSided=double_sided or None,
                pbrMetallicRoughness=gl.PbrMetallicRoughness(
                    baseColorFactor=[float(c) for c in base_color],
                    metallicFactor=float(metallic),
                    roughnessFactor=float(roughness),
                ),
            )
        )
        return len(self.gltf.materials) - 1

    def mesh(self, name: str, primitives: list[PrimitiveArrays], target_names: list[str] | None = None) -> int:
        """Adds a mesh; target names go to `mesh.extras.targetNames`, the common convention.
        Morph displacements are stored sparsely where most vertices stay put."""
        counts = {len(p.targets) for p in primitives}
        if len(counts) != 1:
            raise ValueError(f"mesh {name!r}: every primitive needs the same number of targets")
        n_targets = counts.pop()
        if target_names is not None and len(target_names) != n_targets:
            raise ValueError(f"mesh {name!r}: {len(target_names)} target names for {n_targets} targets")
        out = []
        for prim in primitives:
            attrs = {}
            for key, arr in prim.attributes.items():
                normalized = arr.dtype != np.float32 and key.startswith(_NORMALIZED_PREFIXES)
                attrs[key] = self._accessor(arr, normalized=normalized, bounds=key == "POSITION")
            n_vertices = len(prim.attributes["POSITION"])
            index_type = np.uint16 if n_vertices <= 0xFFFF else np.uint32
            indices = self._accessor(prim.indices.astype(index_type).ravel(), target=gl.ELEMENT_ARRAY_BUFFER)
            targets = [
                gl.Attributes(
                    **{
                        key: self._accessor(arr.astype(np.float32), bounds=key == "POSITION", sparse=True)
                        for key, arr in t.items()
                    }
                )
                for t in prim.targets
            ]
            out.append(
                gl.Primitive(
                    attributes=gl.Attributes(**attrs), indices=indices, material=prim.material, targets=targets
                )
            )
        mesh = gl.Mesh(name=name, primitives=out)
        if target_names is not None:
            mesh.extras = {"targetNames": list(target_names)}
            mesh.weights = [0.0] * n_targets
        self.gltf.meshes.append(mesh)
        return len(self.gltf.meshes) - 1

    def node(
        self,
        name: str,
        mesh: int | None = None,
        skin: int | None = None,
        translation=None,
        children: list[int] | None = None,
    ) -> int:
        self.gltf.nodes.append(
            gl.Node(
                name=name,
                mesh=mesh,
                skin=skin,
                children=list(children or []),
                translation=None if translation is None else [float(t) for t in translation],
            )
        )
        return len(self.gltf.nodes) - 1

    def add_child(self, parent: int, child: int) -> None:
        self.gltf.nodes[parent].children.append(child)

    def skin(self, name: str, joints: list[int], inverse_binds: np.ndarray, skeleton: int | None = None) -> int:
        """`inverse_binds` (J, 4, 4) row-major, acting on column vectors; stored column-major."""
        ibm = np.transpose(np.asarray(inverse_binds, dtype=np.float32), (0, 2, 1)).reshape(-1, 16)
        self.gltf.skins.append(
            gl.Skin(
                name=name, joints=list(joints), skeleton=skeleton, inverseBindMatrices=self._accessor(ibm, target=None)
            )
        )
        return len(self.gltf.skins) - 1

    def scene(self, roots: list[int], name: str = "Scene") -> None:
        self.gltf.scenes = [gl.Scene(name=name, nodes=list(roots))]
        self.gltf.scene = 0

    # -- output ------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        self._blob += b"\0" * (-len(self._blob) % 4)
        self.gltf.buffers = [gl.Buffer(byteLength=len(self._blob))]
        self.gltf.set_binary_blob(bytes(self._blob))
        return b"".join(self.gltf.save_to_bytes())

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())

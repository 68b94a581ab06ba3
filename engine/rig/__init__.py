"""Avatars: loading glTF/GLB/VRM into arrays, resolving ARKit channels, posing."""

from importlib.resources import files
from pathlib import Path

#: The avatar we ship ("Mia"), inside the package (the repo's avatars_gltf/ points here): made by
#: `python -m engine.rig.mascot`, committed, the default everywhere.
MASCOT = Path(str(files("engine") / "assets" / "avatars" / "mascot.glb"))
#: Its male variant, from the same generator (`python -m engine.rig.mascot` writes both).
MASCOT_M = MASCOT.with_name("mascot-m.glb")

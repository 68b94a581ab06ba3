"""Avatars: loading glTF/GLB/VRM into arrays, resolving ARKit channels, posing."""

from pathlib import Path

#: The avatar we ship: made by `python -m engine.rig.mascot`, committed, the default everywhere.
MASCOT = Path(__file__).resolve().parents[2] / "avatars_gltf" / "mascot.glb"

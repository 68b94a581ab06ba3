"""Avatars: loading glTF/GLB/VRM into arrays, resolving ARKit channels, posing."""

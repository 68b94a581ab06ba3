"""Blendshape names as they arrive on the wire, matched to ARKit channels."""

from __future__ import annotations

from functools import lru_cache

from .. import arkit

MAX_NAME = 64  # longer than any real spelling; arkit.canonical's cost grows with a name's parts


@lru_cache(maxsize=1024)  # streams repeat the same few names every frame
def channel(name: str) -> int | None:
    """The ARKit index a received name spells (any spelling `arkit.canonical` accepts), or None."""
    if len(name) > MAX_NAME:
        return None
    c = arkit.canonical(name)
    return None if c is None else arkit.INDEX[c]

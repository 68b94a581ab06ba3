"""The offline render job: an avatar posed by sources on the media clock, every frame to every
sink, with progress reported through a callback. Commands and the spokesperson job call it;
it knows nothing of command lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .pipeline import OfflineClock, Pipeline, RunStats
from .renderer.errors import RendererError
from .rig.gltf import load_avatar
from .rig.rig import Rig, sidecar_mapping


def open_avatar(path: str | Path, mapping: str | None = None, pose: str = "relaxed"):
    """(avatar, rig) of a file, with its `AVATAR.mapping.json` beside it unless `mapping` names one."""
    avatar = load_avatar(path)
    return avatar, Rig(avatar, mapping or sidecar_mapping(path), pose)


def render_offline(
    rig: Rig | None,
    sources: list,
    sinks: list,
    fps: float,
    duration: float,
    progress: Callable[[int], None] | None = None,
) -> RunStats:
    """Runs the pipeline on the offline clock, calling `progress(1)` after each frame; a sink
    that failed is an error."""
    stats = Pipeline(sources, sinks, rig).run(OfflineClock(fps, duration), on_tick=progress)
    if stats.failed:
        raise RendererError("; ".join(f"{name}: {error}" for name, error in stats.failed.items()))
    return stats

"""Sources and sinks by URI scheme (`idle:`, `csv:take.csv`, `livelink://127.0.0.1:11111`),
each imported only when a run names it, so a run that never touches the webcam never loads
MediaPipe and nothing here imports back into the runtime.

A scheme maps to `"module:factory"`; the factory takes the URI's rest and its options: the
query merged with a show file's, parsed here into the dataclass its `options` parameter names
(options.py), so each scheme's options are declared once, typed, and listed by `live --help`.
"""

from __future__ import annotations

import importlib
import textwrap
import typing
from urllib.parse import parse_qsl

from .errors import OptionError
from .options import LayerOptions, describe, parse_options

SOURCES: dict[str, str] = {
    "idle": "engine.drivers.synthetic:open_idle",
    "expression": "engine.drivers.synthetic:open_expression",
    "pose": "engine.drivers.synthetic:open_pose",
    "tour": "engine.drivers.synthetic:open_tour",
    "clip": "engine.drivers.clip:open_clip",
    "csv": "engine.drivers.playback:open_csv",
    "audio": "engine.drivers.audio.source:open_audio",
    "tts": "engine.drivers.audio.source:open_tts",
    "mic": "engine.drivers.audio.source:open_mic",
    "webcam": "engine.drivers.webcam:open_webcam",
    "video": "engine.drivers.webcam:open_video",
    "images": "engine.drivers.webcam:open_images",
    "livelink": "engine.drivers.mocap:open_livelink",
    "vmc": "engine.drivers.mocap:open_vmc",
    "facecap": "engine.drivers.mocap:open_facecap",
    "ifacialmocap": "engine.drivers.mocap:open_ifacialmocap",
}
SINKS: dict[str, str] = {
    "window": "engine.sinks.render:open_window",
    "mp4": "engine.sinks.render:open_mp4",
    "png": "engine.sinks.render:open_png",
    "csv": "engine.sinks.recording:open_csv",
    "livelink": "engine.sinks.network:open_livelink",
    "vmc": "engine.sinks.network:open_vmc",
    "osc": "engine.sinks.network:open_osc",
}


def split_uri(uri: str) -> tuple[str, str, dict[str, str]]:
    """`livelink://127.0.0.1:11111` -> ('livelink', '127.0.0.1:11111', {});
    `idle:?seed=3` -> ('idle', '', {'seed': '3'})."""
    scheme, sep, rest = uri.partition(":")
    if not sep or not scheme or len(scheme) == 1:  # a one-letter scheme is a Windows drive
        raise OptionError(f"{uri!r}: expected SCHEME:WHAT, e.g. idle: or csv:take.csv")
    rest, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=False))
    return scheme.lower(), rest[2:] if rest.startswith("//") else rest, options


def factory(table: dict[str, str], scheme: str):
    """The scheme's factory (its module imported now) and the options dataclass it takes."""
    module, _, name = table[scheme].partition(":")
    function = getattr(importlib.import_module(module), name)
    return function, typing.get_type_hints(function)["options"]


def schemes_help(table: dict[str, str]) -> str:
    """A line a scheme: its options, typed, with their defaults (imports every factory); for
    sources, then the layer options that every source takes."""
    lines = {f"{scheme}:": describe(factory(table, scheme)[1]) for scheme in table}
    if table is SOURCES:
        lines["every source"] = describe(LayerOptions, shared=None) + " (its layer in the mix)"
    return "\n".join(
        textwrap.fill(text, 100, initial_indent=f"  {name:15s}", subsequent_indent=" " * 17)
        for name, text in lines.items()
    )


def _open(kind: str, table: dict[str, str], uri: str, options: dict | None):
    scheme, rest, query = split_uri(uri)
    if scheme not in table:
        raise OptionError(f"{kind} {uri!r}: unknown scheme {scheme!r}; known: {', '.join(sorted(table))}")
    function, cls = factory(table, scheme)
    return function(rest, parse_options(cls, uri.partition("?")[0].rstrip(":"), {**query, **(options or {})}))


def open_source(uri: str, options: dict | None = None, rig=None):
    """A source from its URI; `options` (from a show file) add to the URI's query.

    Sources know no avatar, except those that play the avatar's own data (`clip:`): such a
    source has a `bind(rig)`, called here with the rig being posed (None when there is none)."""
    source = _open("source", SOURCES, uri, options)
    if hasattr(source, "bind"):
        source.bind(rig)
    return source


def open_sink(uri: str, options: dict | None = None):
    """A sink from its URI; `options` (from a show file) add to the URI's query."""
    return _open("sink", SINKS, uri, options)

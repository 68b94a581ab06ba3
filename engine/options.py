"""Options that sources and sinks take from a URI query (`idle:?seed=3`) or a show file, and
the network address in a URI (`livelink://HOST:PORT`).

Each scheme declares its options as a dataclass (`IdleOptions(seed, body, ...)`, in the style
of MediaPipe Tasks' options); `parse_options` fills it from the query once, from the fields'
own names and types, so a factory gets typed values and every scheme refuses an unknown key or
a bad value alike, naming the scheme, the key and the value.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .bones import bone_mask
from .errors import OptionError
from .mixer import LayerRule, channel_mask

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}

#: Marks the field of an options dataclass that takes every key no other field names (`pose:`'s
#: weights by ARKit name), each value converted to the field's value type.
REST = {"rest": True}


@dataclass
class LayerOptions:
    """How a source joins the mix (mixer.LayerRule), as every source takes them; a subclass
    sets its scheme's defaults, and None leaves it to the source (or to LayerRule)."""

    priority: int | None = None
    channels: str | None = None  # mouth, eyes, brows, cheeks, all or ARKit names
    bones: str | None = None  # torso, head, arms, hands, legs, all, none or VRM bone names
    head: bool | None = None
    fade: float | None = None
    stale_after: float | None = None
    blink: str | None = None  # three-vrm override rules: none, block or blend
    look_at: str | None = None
    mouth: str | None = None

    def rule(self, name: str, **defaults) -> LayerRule:
        """The mix rule: each setting as given, else the source's `defaults`, else LayerRule's."""
        layer = {f.name: getattr(self, f.name) for f in dataclasses.fields(LayerOptions)}
        settings = defaults | {key: value for key, value in layer.items() if value is not None}
        if isinstance(settings.get("channels"), str):
            settings["channels"] = channel_mask(settings["channels"])
        if isinstance(settings.get("bones"), str):
            settings["bones"] = bone_mask(settings["bones"])
        return LayerRule(name, **settings)


T = typing.TypeVar("T")


class _Refused(Exception):
    """A value its field's type cannot take; says what the type expected."""


def parse_options(cls: type[T], what: str, given: Mapping[str, object]) -> T:
    """`cls` filled from a URI query (strings) or a show file's table (TOML values): each value
    converted to its field's type. `what` (the URI) names the scheme in every refusal."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    rest = next((f.name for f in fields.values() if f.metadata.get("rest")), None)
    values: dict[str, object] = {}
    unknown = []
    for key, value in given.items():
        if key in fields and key != rest:
            values[key] = _convert(hints[key], value, what, key)
        elif rest is not None:
            values.setdefault(rest, {})[key] = _convert(typing.get_args(hints[rest])[1], value, what, key)  # type: ignore[index]
        else:
            unknown.append(f"{key}={value!r}")
    if unknown:
        known = ", ".join(name for name in fields if name != rest)
        raise OptionError(f"{what}: unknown option(s) {', '.join(unknown)}; its options: {known}")
    return cls(**values)


def _convert(kind, value: object, what: str, key: str):
    try:
        return _as(kind, value)
    except _Refused as exc:
        raise OptionError(f"{what}: option {key}: expected {exc}, got {value!r}") from None


def _as(kind, value: object):
    """`value` as `kind`: bool, int, float, str, a fixed-length tuple, or a union of those."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        expected = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _as(option, value)
            except _Refused as exc:
                expected.append(str(exc))
        raise _Refused(" or ".join(expected))
    if typing.get_origin(kind) is tuple:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or len(items) != len(args):
            raise _Refused(f"{len(args)} values separated by commas")
        return tuple(_as(a, item) for a, item in zip(args, items))
    if kind is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        raise _Refused("true or false")
    if kind is int:
        number = _as(float, value)
        if number != int(number):
            raise _Refused("a whole number")
        return int(number)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Refused("a number")
        try:
            number = float(value)
        except ValueError:
            raise _Refused("a number") from None
        if not math.isfinite(number):
            raise _Refused("a finite number")
        return number
    if kind is str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _Refused("text")
        return str(value)
    raise TypeError(f"options of type {kind!r} are not supported")


def describe(cls: type, shared: type | None = LayerOptions) -> str:
    """`name:type=default` for each option of `cls` (`live --help`), less those it takes from
    `shared` unchanged (every source's layer options, listed once)."""
    hints = typing.get_type_hints(cls)
    defaults = {f.name: f.default for f in dataclasses.fields(shared)} if shared else {}
    shared_hints = typing.get_type_hints(shared) if shared else {}
    parts = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("rest"):
            parts.append(f"NAME:{_type_name(typing.get_args(hints[f.name])[1])}")
        elif f.name not in defaults or (hints[f.name], f.default) != (shared_hints[f.name], defaults[f.name]):
            default = (
                ""
                if f.default is None
                else "=" + (str(f.default).lower() if isinstance(f.default, bool) else str(f.default))
            )
            parts.append(f"{f.name}:{_type_name(hints[f.name])}{default}")
    return " ".join(parts)


def _type_name(kind) -> str:
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return "|".join(_type_name(a) for a in args)
    if typing.get_origin(kind) is tuple:
        return f"({','.join(_type_name(a) for a in args)})"
    return kind.__name__


def parse_host_port(rest: str, default_port: int, what: str, bind: bool = False) -> tuple[str, int]:
    """`HOST:PORT`, `HOST`, `[::1]:PORT`, `::1` or empty (127.0.0.1). Port 0 (any free port)
    only when binding a receiver."""
    if rest.count(":") > 1 and not rest.startswith("["):  # a bare IPv6 address, no port
        rest = f"[{rest}]"
    try:
        parts = urlsplit(f"//{rest}")
        host, port = parts.hostname or "127.0.0.1", parts.port
    except ValueError as exc:  # urlsplit names a bad or out-of-range port
        raise OptionError(f"{what}: {rest!r} is not HOST:PORT ({exc})") from None
    number = default_port if port is None else port
    lowest = 0 if bind else 1
    if not lowest <= number < 65536:
        raise OptionError(f"{what}: port {number} is outside {lowest}..65535")
    return host, number

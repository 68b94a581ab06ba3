"""Options that sources and sinks take from a URI query (`idle:?seed=3`) or a show file,
and the network address in a URI (`livelink://HOST:PORT`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .bones import bone_mask
from .errors import OptionError
from .mixer import LayerRule, channel_mask

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def pop_float(options: dict, key: str, default: float) -> float:
    value = options.pop(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise OptionError(f"option {key}: expected a number, got {value!r}") from None


def pop_bool(options: dict, key: str, default: bool) -> bool:
    value = options.pop(key, default)
    if isinstance(value, bool):
        return value
    if str(value).lower() in _TRUE | _FALSE:
        return str(value).lower() in _TRUE
    raise OptionError(f"option {key}: expected true or false, got {value!r}")


def layer_rule(name: str, options: dict, priority: int, channels=None, head: bool = True, **overrides) -> LayerRule:
    """The source's default mix rule, with any of priority, channels, bones, head, fade,
    stale_after, blink, look_at and mouth taken from `options`."""
    spec = options.pop("channels", None)
    body = options.pop("bones", None)
    return LayerRule(
        name,
        priority=int(pop_float(options, "priority", priority)),
        channels=channel_mask(spec)
        if spec is not None
        else (channels if channels is not None else channel_mask("all")),
        head=pop_bool(options, "head", head),
        bones=bone_mask(body) if body is not None else overrides.get("bones", bone_mask("all")),
        fade=pop_float(options, "fade", 0.25),
        stale_after=pop_float(options, "stale_after", 0.5),
        blink=options.pop("blink", overrides.get("blink", "none")),
        look_at=options.pop("look_at", overrides.get("look_at", "none")),
        mouth=options.pop("mouth", overrides.get("mouth", "none")),
    )


def reject_unknown(what: str, options: dict) -> None:
    if options:
        raise OptionError(f"{what}: unknown option(s) {', '.join(sorted(options))}")


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

"""Options that sources and sinks take from a URI query (`idle:?seed=3`) or a show file."""

from __future__ import annotations

from ..bones import bone_mask
from ..mixer import LayerRule, channel_mask

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def pop_float(options: dict, key: str, default: float) -> float:
    value = options.pop(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"option {key}: expected a number, got {value!r}") from None


def pop_bool(options: dict, key: str, default: bool) -> bool:
    value = options.pop(key, default)
    if isinstance(value, bool):
        return value
    if str(value).lower() in _TRUE | _FALSE:
        return str(value).lower() in _TRUE
    raise ValueError(f"option {key}: expected true or false, got {value!r}")


def layer_rule(name: str, options: dict, priority: int, channels=None, head: bool = True,
               **overrides) -> LayerRule:
    """The source's default mix rule, with any of priority, channels, bones, head, fade,
    stale_after, blink, look_at and mouth taken from `options`."""
    spec = options.pop("channels", None)
    body = options.pop("bones", None)
    return LayerRule(
        name,
        priority=int(pop_float(options, "priority", priority)),
        channels=channel_mask(spec) if spec is not None else (channels if channels is not None else channel_mask("all")),
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
        raise ValueError(f"{what}: unknown option(s) {', '.join(sorted(options))}")

"""Every registered scheme's options come from its dataclass, parsed in one place: an unknown key
or a bad value is refused before anything opens, with an OptionError that names the scheme, the
key and the value, for each scheme the registry lists (not a list kept here)."""

import dataclasses
import typing

import pytest

from engine.errors import OptionError
from engine.options import parse_options
from engine.registry import SINKS, SOURCES, factory, open_sink, open_source

SCHEMES = [(kind, scheme) for kind, table in (("source", SOURCES), ("sink", SINKS)) for scheme in table]


def _open(kind: str, uri: str, options: dict | None = None):
    return (open_source if kind == "source" else open_sink)(uri, options)


def _options(kind: str, scheme: str) -> type:
    return factory(SOURCES if kind == "source" else SINKS, scheme)[1]


@pytest.mark.parametrize("kind, scheme", SCHEMES, ids=[f"{k} {s}" for k, s in SCHEMES])
def test_an_unknown_key_is_refused_naming_scheme_key_and_value(kind, scheme):
    with pytest.raises(OptionError) as refused:
        _open(kind, f"{scheme}:x?nosuchoption=4711")
    assert all(word in str(refused.value) for word in (scheme, "nosuchoption", "4711")), refused.value


def _bad_values(cls: type):
    """(key, a value its type cannot take) for each option: a word where a number, a switch or
    a tuple is expected; a table (as a show file can give) where text is expected."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("rest"):
            continue
        takes_text = hints[f.name] is str or str in typing.get_args(hints[f.name])
        yield f.name, {"a": 1} if takes_text else "notanumber"


@pytest.mark.parametrize("kind, scheme", SCHEMES, ids=[f"{k} {s}" for k, s in SCHEMES])
def test_a_bad_value_for_any_option_is_refused_naming_scheme_key_and_value(kind, scheme):
    bad = list(_bad_values(_options(kind, scheme)))
    assert bad, f"{scheme}: no options to check"
    for key, value in bad:
        with pytest.raises(OptionError) as refused:
            _open(kind, f"{scheme}:x", {key: value})
        assert all(word in str(refused.value) for word in (scheme, f"option {key}", repr(value))), refused.value


@pytest.mark.parametrize("kind, scheme", SCHEMES, ids=[f"{k} {s}" for k, s in SCHEMES])
def test_a_query_and_a_show_file_give_the_same_typed_options(kind, scheme):
    cls = _options(kind, scheme)
    typed = {f.name: f.default for f in dataclasses.fields(cls) if f.default not in (None, dataclasses.MISSING)}
    as_text = {key: ",".join(map(str, v)) if isinstance(v, tuple) else str(v).lower() if isinstance(v, bool)
               else str(v) for key, v in typed.items()}
    from_query, from_show = parse_options(cls, scheme, as_text), parse_options(cls, scheme, typed)
    assert from_query == from_show == cls()


def test_values_are_converted_to_their_fields_types():
    cls = _options("source", "idle")
    options = parse_options(cls, "idle", {"seed": "3", "body": "no", "fade": 0, "channels": "eyes"})
    assert (options.seed, options.body, options.fade, options.channels) == (3, False, 0.0, "eyes")
    assert isinstance(options.fade, float)
    for value, expected in [("3.5", "a whole number"), ("nan", "a finite number"), (True, "a number")]:
        with pytest.raises(OptionError, match=f"idle: option seed: expected {expected}"):
            parse_options(cls, "idle", {"seed": value})
    pose = parse_options(_options("source", "pose"), "pose", {"head": "10,0,-5", "jawOpen": "0.5"})
    assert pose.head == (10.0, 0.0, -5.0) and pose.weights == {"jawOpen": 0.5}
    with pytest.raises(OptionError, match="pose: option jawOpen: expected a weight from 0 to 1, got 2.0"):
        open_source("pose:?jawOpen=2")

"""OSC 1.0 datagrams through python-osc, with the limits untrusted input needs.

Messages are built with python-osc's builder; a bundle is assembled here, since python-osc's
bundle builder re-parses everything it has just written (a third of a VMC frame's encode time).
Parsing also splits bundles here, because python-osc's bundle parser recurses without a depth
limit and logs a warning per empty element, which a hostile datagram can repeat thousands of
times; each message then goes to python-osc's OscMessage. Timetags are ignored: live face data
applies on arrival, as python-osc does with `strict_timing=False`.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.parsing import osc_types

from .errors import PacketError

MAX_DEPTH = 4  # nested bundles; real senders use one level
_BUNDLE = b"#bundle\x00"
_IMMEDIATELY = struct.pack(">Q", 1)  # the timetag meaning "now"
_READABLE_TAGS = set("ifdshTFN")  # types python-osc reads without logging; others are refused
# A wildcard address is matched by python-osc as a regex whose cost grows steeply with the number
# of '*'; face data never needs one, so such addresses are refused before any matching.
_PATTERN_CHARS = set("*?[]{}")


def message(address: str, *args) -> OscMessage:
    """One message; Python floats go as 'f', ints as 'i', strings as 's'."""
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build()


def bundle(messages: list[OscMessage]) -> bytes:
    """One datagram holding `messages`, to apply immediately: `#bundle`, the timetag, then each
    message's size and bytes."""
    return _BUNDLE + _IMMEDIATELY + b"".join(struct.pack(">i", m.size) + m.dgram for m in messages)


def parse(data: bytes, protocol: str) -> list[OscMessage]:
    """Every message in a datagram, bundles flattened in order; PacketError if any part is bad."""
    found: list[OscMessage] = []
    _split(bytes(data), 0, protocol, found)
    return found


def _split(data: bytes, depth: int, protocol: str, found: list) -> None:
    if data.startswith(b"/"):
        found.append(_message(data, protocol))
        return
    if not data.startswith(_BUNDLE):
        raise PacketError(f"{protocol}: datagram is neither an OSC message nor a bundle")
    if depth >= MAX_DEPTH:
        raise PacketError(f"{protocol}: OSC bundles nested deeper than {MAX_DEPTH}")
    if len(data) < 16:
        raise PacketError(f"{protocol}: OSC bundle truncated in its timetag")
    pos = 16
    while pos < len(data):
        if pos + 4 > len(data):
            raise PacketError(f"{protocol}: OSC bundle truncated in an element size")
        (size,) = struct.unpack_from(">i", data, pos)
        pos += 4
        if not 0 < size <= len(data) - pos:
            raise PacketError(
                f"{protocol}: OSC bundle element size {size} does not fit the {len(data) - pos} bytes left"
            )
        _split(data[pos : pos + size], depth + 1, protocol, found)
        pos += size


def _message(data: bytes, protocol: str) -> OscMessage:
    try:
        address, end = osc_types.get_string(data, 0)
        if not _PATTERN_CHARS.isdisjoint(address):
            raise PacketError(f"{protocol}: address {address[:40]!r} is an OSC pattern; we take plain addresses")
        tags = osc_types.get_string(data, end)[0] if end < len(data) else ","
        if not tags.startswith(",") or not set(tags[1:]) <= _READABLE_TAGS:
            raise PacketError(f"{protocol}: {address!r}: OSC type tags {tags[:40]!r} are not ones we read")
        return OscMessage(data)
    except PacketError:
        raise
    except Exception as exc:  # python-osc's ParseError, or UnicodeDecodeError it lets through
        raise PacketError(f"{protocol}: malformed OSC message: {exc}") from None


def numbers(protocol: str, address: str, args: tuple, count: int, start: int = 0) -> list[float]:
    """Arguments start..start+count as finite floats (ints accepted); extra arguments are ignored."""
    if len(args) < start + count:
        raise PacketError(f"{protocol}: {address} needs {start + count} arguments, got {len(args)}")
    out = []
    for i in range(start, start + count):
        value = args[i]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PacketError(f"{protocol}: {address} argument {i + 1} is {type(value).__name__}, not a number")
        value = float(value)
        if not math.isfinite(value):
            raise PacketError(f"{protocol}: {address} argument {i + 1} is NaN or inf")
        out.append(value)
    return out


def text(protocol: str, address: str, args: tuple) -> str:
    """The first argument, which must be a string."""
    if not args or not isinstance(args[0], str):
        raise PacketError(f"{protocol}: {address} needs a string first")
    return args[0]


class Router:
    """Routes each message of a datagram to a handler by address (python-osc's Dispatcher,
    `strict_timing=False`). A message its handler refuses with PacketError is dropped and counted
    in `rejected`; the rest of the datagram still applies. Unknown addresses are ignored.

    Addresses are plain (patterns are refused in parsing), so the dispatcher's answer for one is
    fixed and is remembered, for up to `MAX_CACHED` addresses."""

    MAX_CACHED = 64

    def __init__(self, protocol: str, handlers: dict[str, Callable]):
        self.protocol = protocol
        self.applied = 0  # messages a handler took
        self.rejected = 0
        self.last_rejection = ""
        self._dispatcher = Dispatcher(strict_timing=False)
        for address, handler in handlers.items():
            self._dispatcher.map(address, handler)
        self._routes: dict[str, list] = {}

    def _handlers(self, address: str) -> list:
        found = self._routes.get(address)
        if found is None:
            found = list(self._dispatcher.handlers_for_address(address))
            if len(self._routes) < self.MAX_CACHED:
                self._routes[address] = found
        return found

    def feed(self, data: bytes) -> None:
        """Apply one datagram; PacketError if it cannot be parsed at all."""
        for m in parse(data, self.protocol):
            for handler in self._handlers(m.address):
                try:
                    handler.invoke(None, m)
                    self.applied += 1
                except PacketError as exc:
                    self.rejected += 1
                    self.last_rejection = str(exc)

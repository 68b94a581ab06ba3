"""The one error every decoder raises, so a receiver can drop any bad datagram with one except."""

from ..errors import EngineError


class PacketError(EngineError, ValueError):
    """A datagram that cannot be decoded; the message names the protocol and the field that broke."""

"""The renderer's one error type, so commands can turn it into a clear message and exit 2."""

from ..errors import EngineError


class RendererError(EngineError, RuntimeError):
    """Rendering cannot go on: no OpenGL 3.3 here, no display, a bad background or output."""

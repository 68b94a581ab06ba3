"""OpenGL rendering of a posed avatar, headless (EGL) or in a window, to PNG and MP4."""

from .errors import RendererError
from .renderer import Renderer

__all__ = ["Renderer", "RendererError"]

"""Broadcast-style branding burned into rendered frames: subtitles, lower third, logo, title card."""

from .compositor import Branding, Overlay, gradient
from .subtitles import Cue, paginate, wrap, write_srt

__all__ = ["Branding", "Overlay", "Cue", "gradient", "paginate", "wrap", "write_srt"]

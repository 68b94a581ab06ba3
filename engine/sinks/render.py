"""Sinks that draw the avatar: `mp4:OUT.mp4|OUT.webm|OUT.mov`, `png:OUT.png` or `png:DIR/`, and
`window:`.

Options (URI query or show file): size=WxH, msaa=N, framing=head|bust|full,
background=#RRGGBB|IMAGE|transparent, beside=true (the tracked camera picture to the right of the
avatar, in a panel of the camera's own aspect as tall as the render); for mp4 also audio=WAV
(offline runs only, muxed in sync). A transparent background keeps the frame's alpha: PNGs
are RGBA, and the video must be WebM or MOV (renderer/video.py).
Each sink makes its Renderer when it opens, on the thread that will draw with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import moderngl
import numpy as np

from ..errors import OptionError
from ..frame import FaceFrame
from ..renderer.alpha import unpremultiply
from ..renderer.background import TRANSPARENT
from ..renderer.framing import FRAMINGS
from ..renderer.options import parse_background, parse_size
from ..renderer.renderer import Renderer
from ..renderer.video import VideoWriter, video_format
from ..rig.rig import Pose

if TYPE_CHECKING:
    from ..renderer.platform import WindowPlatform

Picture = Callable[[], np.ndarray | None]


class RenderSettings:
    """Size, MSAA, framing and background, validated before anything opens."""

    def __init__(self, size=(1280, 720), msaa: int = 4, framing: str = "bust", background=None):
        if framing not in FRAMINGS:
            raise OptionError(f"framing: expected one of {', '.join(FRAMINGS)}, got {framing!r}")
        if msaa < 1:
            raise OptionError(f"msaa: expected 1 or more samples, got {msaa}")
        self.size, self.msaa, self.framing, self.background = tuple(size), int(msaa), framing, background

    @property
    def transparent(self) -> bool:
        return isinstance(self.background, tuple) and self.background == TRANSPARENT

    def renderer(self, run, ctx=None, size=None) -> Renderer:
        if run.avatar is None:
            raise OptionError("a sink that draws needs an avatar (--avatar)")
        return Renderer(run.avatar, size or self.size, self.msaa, self.framing, self.background, ctx=ctx, rig=run.rig)


@dataclass
class DrawOptions:
    """What every sink that draws takes (`png:`'s options)."""

    size: str | tuple[int, int] = "1280x720"  # WxH, or [W, H] in a show file
    msaa: int = 4
    framing: str = "bust"  # head, bust or full
    background: str | None = None  # #RRGGBB, an image or transparent; default: the renderer's

    def settings(self) -> RenderSettings:
        size = parse_size(self.size) if isinstance(self.size, str) else self.size
        background = None if self.background is None else parse_background(self.background)
        return RenderSettings(size, self.msaa, self.framing, background)


@dataclass
class Mp4Options(DrawOptions):
    audio: str | None = None  # a sound file muxed in sync (offline runs only)
    beside: bool = False  # the tracked camera's picture in a panel to the right


@dataclass
class WindowOptions(DrawOptions):
    title: str = "engine"
    beside: bool = False


def _tick(frame: FaceFrame, fps: float) -> int:
    return int(round(frame.t * fps))


def camera_picture(run) -> Picture:
    """The newest-picture function of the run's first source that has one (video:, webcam:)."""
    for source in run.sources:
        if callable(getattr(source, "picture", None)):
            return source.picture
    raise OptionError("beside=true needs a source with a picture (video:FILE, webcam:N, images:DIR)")


#: The panel's aspect until the camera's first picture says what it is.
CAMERA_ASPECT = 4 / 3


def panel_width(height: int, picture: np.ndarray | None = None) -> int:
    """An even width that gives a panel `height` tall the picture's aspect."""
    aspect = picture.shape[1] / picture.shape[0] if picture is not None and picture.size else CAMERA_ASPECT
    return max(2, 2 * round(height * aspect / 2))


def picture_panel(bgr, size: tuple[int, int]) -> np.ndarray:
    """A camera picture (BGR, any size) fitted inside `size` on dark grey, as RGB."""
    from PIL import Image

    width, height = size
    panel = np.full((height, width, 3), 24, np.uint8)
    if bgr is None:
        return panel
    h, w = bgr.shape[:2]
    scale = min(width / w, height / h)
    fit = (max(1, round(w * scale)), max(1, round(h * scale)))
    picture = np.asarray(Image.fromarray(np.ascontiguousarray(bgr[:, :, ::-1])).resize(fit, Image.Resampling.BILINEAR))
    x, y = (width - fit[0]) // 2, (height - fit[1]) // 2
    panel[y : y + fit[1], x : x + fit[0]] = picture
    return panel


class VideoSink:
    """A video file (MP4, WebM or MOV, by its suffix). Offline every tick is a frame; live, a
    frame that came late is repeated so the video keeps wall-clock time. The file opens with
    the first frame, when the camera's picture beside the avatar has a size."""

    needs_pose = True

    def __init__(
        self,
        path: str,
        settings: RenderSettings,
        audio: str | None = None,
        beside: bool = False,
        overlay=None,
        keyframes: list[int] | None = None,
    ):
        """`overlay(image, t)`: 2D graphics composited over each rendered frame (engine.overlay),
        premultiplied RGBA ones when the background is transparent. `keyframes`: see VideoWriter."""
        video_format(path, settings.transparent)  # a file that cannot hold the video fails here
        self.path, self.settings, self.audio = Path(path), settings, audio
        self.beside, self.overlay, self.keyframes = beside, overlay, keyframes
        self.name = f"mp4:{path}"
        self._renderer: Renderer | None = None
        self._writer: VideoWriter | None = None
        self._picture: Picture | None = None
        self._panel: tuple[int, int] | None = None
        self._frames: int | None = None
        self._fps, self._next = 0.0, 0

    def open(self, run) -> None:
        fps = run.clock.fps
        self._frames = None if run.clock.live or run.clock.duration is None else round(run.clock.duration * fps)
        if self.audio and self._frames is None:
            raise ValueError(f"{self.name}: audio can only be muxed into an offline render")
        self._picture = camera_picture(run) if self.beside else None
        self._renderer = self.settings.renderer(run)
        self._fps, self._next = fps, 0

    def write(self, frame: FaceFrame, pose: Pose) -> None:
        assert self._renderer is not None, "write() before open()"
        image = self._renderer.render(pose)
        width, height = self._renderer.size
        if self._picture is not None:
            picture = self._picture()
            if self._panel is None:
                self._panel = (panel_width(height, picture), height)
            panel = picture_panel(picture, self._panel)
            if image.shape[2] == 4:
                panel = np.dstack([panel, np.full((height, self._panel[0]), 255, np.uint8)])
            image = np.hstack([image, panel])
        if self.overlay is not None:
            image = self.overlay(image, frame.t)
        alpha = image.shape[2] == 4
        if alpha:
            image = unpremultiply(image)
        if self._writer is None:
            size = (image.shape[1], image.shape[0])
            self._writer = VideoWriter(
                self.path, size, self._fps, self._frames, self.audio, alpha, keyframes=self.keyframes
            )
        while self._next <= _tick(frame, self._fps):
            self._writer.write(image)
            self._next += 1

    def close(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            if self._renderer is not None:
                self._renderer.close()


class PngSink:
    """`png:OUT.png` writes one still (the last frame); `png:DIR/` numbers every frame."""

    needs_pose = True

    def __init__(self, path: str, settings: RenderSettings):
        self.still = path.lower().endswith(".png")
        self.path, self.settings = Path(path), settings
        self.name = f"png:{path}"
        self._renderer: Renderer | None = None
        self._fps = 0.0

    def open(self, run) -> None:
        (self.path.parent if self.still else self.path).mkdir(parents=True, exist_ok=True)
        self._renderer = self.settings.renderer(run)
        self._fps = run.clock.fps

    def write(self, frame: FaceFrame, pose: Pose) -> None:
        from PIL import Image

        assert self._renderer is not None, "write() before open()"
        target = self.path if self.still else self.path / f"frame_{_tick(frame, self._fps):06d}.png"
        image = self._renderer.render(pose)
        Image.fromarray(unpremultiply(image) if image.shape[2] == 4 else image).save(target)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()


class WindowSink:
    """An interactive window; it owns the main thread, where its events arrive. Closing the
    window ends the run. With `beside`, the camera's picture is shown right of the avatar, and
    the window widens or narrows to the camera's aspect once its first picture shows."""

    needs_pose = True
    main_thread = True

    def __init__(self, settings: RenderSettings, title: str = "engine", beside: bool = False):
        self.settings, self.title, self.beside = settings, title, beside
        self.name = "window:"
        self._platform: WindowPlatform | None = None
        self._renderer: Renderer | None = None
        self._picture: Picture | None = None
        self._camera_aspect_known = False
        self._panel: moderngl.Texture | None = None
        self._panel_program: moderngl.Program | None = None
        self._panel_vao: moderngl.VertexArray | None = None

    def open(self, run) -> None:
        from ..renderer.platform import WindowPlatform
        from ..renderer.shaders import program

        self._picture = camera_picture(run) if self.beside else None
        self._platform = WindowPlatform(self._window_size(None), self.title)
        self._renderer = self.settings.renderer(run, ctx=self._platform.ctx, size=self._avatar_size(None))
        if self.beside:
            ctx = self._platform.ctx
            self._panel_program = program(ctx, "background.vert", "background.frag")
            self._panel_vao = ctx.vertex_array(self._panel_program, [])

    def _window_size(self, picture: np.ndarray | None) -> tuple[int, int]:
        """The size asked for, and the camera's panel beside it (the platform fits it to the screen)."""
        width, height = self.settings.size
        return (width + panel_width(height, picture) if self.beside else width), height

    def _avatar_size(self, picture: np.ndarray | None) -> tuple[int, int]:
        assert self._platform is not None, "used before open()"
        width, height = self._platform.framebuffer_size()
        return (max(1, width - panel_width(height, picture)) if self.beside else width), height

    @property
    def closed_by_user(self) -> bool:
        return self._platform is not None and self._platform.should_close()

    def write(self, frame: FaceFrame, pose: Pose) -> None:
        assert self._platform is not None and self._renderer is not None, "write() before open()"
        picture = self._picture() if self._picture is not None else None
        if picture is not None and not self._camera_aspect_known:
            self._camera_aspect_known = True
            self._platform.resize(self._window_size(picture))
        self._renderer.resize(self._avatar_size(picture))
        screen = self._platform.ctx.screen
        self._renderer.present(screen, pose)
        if self.beside:
            self._draw_panel(screen, picture)
        self._platform.swap()
        self._platform.poll()

    def _draw_panel(self, screen: moderngl.Framebuffer, picture: np.ndarray | None) -> None:
        assert self._platform is not None and self._renderer is not None, "drawn before open()"
        assert self._panel_program is not None and self._panel_vao is not None
        ctx = self._platform.ctx
        width, height = self._renderer.size
        size = (panel_width(height, picture), height)
        if self._panel is None or self._panel.size != size:
            if self._panel is not None:
                self._panel.release()
            self._panel = ctx.texture(size, 3)
        self._panel.write(np.ascontiguousarray(picture_panel(picture, size)[::-1]).tobytes())
        screen.use()
        ctx.viewport = (width, 0, *size)
        ctx.disable(moderngl.DEPTH_TEST | moderngl.BLEND)
        self._panel.use(0)
        self._panel_program["u_image"] = 0
        self._panel_program["u_offset"] = (-width, 0)  # texels by screen pixel; the panel starts at x = width
        self._panel_vao.render(moderngl.TRIANGLES, vertices=3)
        ctx.viewport = (0, 0, width + size[0], height)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
        if self._platform is not None:
            self._platform.close()


def open_mp4(rest: str, options: Mp4Options) -> VideoSink:
    return VideoSink(rest, options.settings(), options.audio, beside=options.beside)


def open_png(rest: str, options: DrawOptions) -> PngSink:
    if not rest:
        raise OptionError("png: name a file (png:out.png) or a folder (png:frames/)")
    return PngSink(rest, options.settings())


def open_window(rest: str, options: WindowOptions) -> WindowSink:
    return WindowSink(options.settings(), options.title, options.beside)

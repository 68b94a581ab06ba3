"""`run.py view AVATAR`: the avatar in a window.

Mouse: drag to orbit, scroll to zoom. Keys: Right/Left step through the 52 ARKit shapes (the
current one pulses 0 -> 1 -> 0), Up/Down through a few expressions, Space holds or resumes the
pulse, 0 back to neutral, R resets the camera, Esc or Q quits.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from .. import arkit
from ..errors import EngineError
from ..expressions import EXPRESSIONS
from ..frame import FaceFrame
from ..offline import open_avatar
from ..renderer.platform import WindowPlatform
from ..renderer.renderer import Renderer
from .render import add_view_options, save_png

ORBIT_PER_PIXEL = 0.01  # radians
ZOOM_PER_NOTCH = 0.9
PULSE_SECONDS = 2.0
EXPRESSION_NAMES = tuple(EXPRESSIONS)


def add_arguments(p) -> None:
    p.epilog = __doc__.split("\n\n", 1)[1].strip()  # the mouse and the keys
    p.add_argument("avatar", help=".gltf, .glb or .vrm file")
    p.add_argument("--mapping", help="a JSON mapping file (default: AVATAR.mapping.json if present)")
    p.add_argument("--screenshot", help="save the first frame shown to this PNG and quit")
    add_view_options(p, (960, 720))


class Viewer:
    """Input state and the face it asks for: a pulsing shape or a held expression."""

    def __init__(self, renderer: Renderer):
        self.renderer = renderer
        self.shape: int | None = None
        self.expression = 0
        self.paused = False
        self.pulse_start = time.perf_counter()
        self._drag: tuple[float, float] | None = None

    def title(self) -> str:
        what = arkit.NAMES[self.shape] if self.shape is not None else EXPRESSION_NAMES[self.expression]
        return f"{Path(self.renderer.avatar.path).name}: {what}"

    def frame(self, now: float) -> FaceFrame:
        weights = np.zeros(arkit.COUNT, np.float32)
        if self.shape is not None:
            phase = 0.5 if self.paused else ((now - self.pulse_start) / PULSE_SECONDS) % 1.0
            weights[self.shape] = 0.5 - 0.5 * math.cos(2.0 * math.pi * phase)
        else:
            for name, value in EXPRESSIONS[EXPRESSION_NAMES[self.expression]].items():
                weights[arkit.INDEX[name]] = value
        return FaceFrame(now, weights)

    def act(self, action: str) -> None:
        """One keyboard command: next/prev shape, next/prev expression, pause, neutral, home."""
        if action in ("next_shape", "prev_shape"):
            step = 1 if action == "next_shape" else -1
            if self.shape is None:
                self.shape = 0 if step == 1 else arkit.COUNT - 1
            else:
                self.shape = (self.shape + step) % arkit.COUNT
            self.pulse_start = time.perf_counter()
        elif action in ("next_expression", "prev_expression"):
            step = 1 if action == "next_expression" else -1
            self.shape = None
            self.expression = (self.expression + step) % len(EXPRESSION_NAMES)
        elif action == "pause":
            self.paused = not self.paused
        elif action == "neutral":
            self.shape, self.expression = None, 0
        elif action == "home":
            self.renderer.reset_camera()

    # glfw callbacks

    def on_key(self, window, key, scancode, action, mods):
        import glfw

        if action not in (glfw.PRESS, glfw.REPEAT):
            return
        if key in (glfw.KEY_ESCAPE, glfw.KEY_Q):
            glfw.set_window_should_close(window, True)
            return
        command = {
            glfw.KEY_RIGHT: "next_shape",
            glfw.KEY_LEFT: "prev_shape",
            glfw.KEY_UP: "next_expression",
            glfw.KEY_DOWN: "prev_expression",
            glfw.KEY_SPACE: "pause",
            glfw.KEY_0: "neutral",
            glfw.KEY_R: "home",
        }.get(key)
        if command:
            self.act(command)
            glfw.set_window_title(window, self.title())

    def on_button(self, window, button, action, mods):
        import glfw

        if button == glfw.MOUSE_BUTTON_LEFT:
            self._drag = glfw.get_cursor_pos(window) if action == glfw.PRESS else None

    def on_cursor(self, window, x, y):
        if self._drag is not None:
            dx, dy = x - self._drag[0], y - self._drag[1]
            self.renderer.camera.orbit(-dx * ORBIT_PER_PIXEL, dy * ORBIT_PER_PIXEL)
            self._drag = (x, y)

    def on_scroll(self, window, dx, dy):
        self.renderer.camera.zoom(ZOOM_PER_NOTCH**dy)


def run(args) -> int:
    try:
        avatar, rig = open_avatar(args.avatar, args.mapping, args.pose)
        platform = WindowPlatform(args.size, f"{Path(args.avatar).name}")
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import glfw

    try:
        renderer = Renderer(
            avatar, platform.framebuffer_size(), args.msaa, args.framing, args.background, ctx=platform.ctx, rig=rig
        )
        viewer = Viewer(renderer)
        glfw.set_key_callback(platform.window, viewer.on_key)
        glfw.set_mouse_button_callback(platform.window, viewer.on_button)
        glfw.set_cursor_pos_callback(platform.window, viewer.on_cursor)
        glfw.set_scroll_callback(platform.window, viewer.on_scroll)
        glfw.set_window_title(platform.window, viewer.title())
        while not platform.should_close():
            renderer.resize(platform.framebuffer_size())
            renderer.present(platform.ctx.screen, rig.apply(viewer.frame(time.perf_counter())))
            if args.screenshot:
                save_png(platform.screenshot(renderer.size), Path(args.screenshot))
                print(args.screenshot)
                break
            platform.swap()
            platform.poll()
        renderer.close()
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        platform.close()
    return 0

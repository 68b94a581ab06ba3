"""The renderer facade: a posed avatar in, an RGB image out (RGBA, premultiplied, over a
transparent background).

Frames for files (`render`) are drawn only where the avatar can be and pasted over a picture
of the background (patch.py). A window's frames (`draw`, `present`) are drawn whole into the
renderer's own multisampled framebuffer and resolved, whether the context is headless or a
window's; a window then just shows the resolved image. Both give the same pixels, so headless
and windowed output agree.
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from ..rig.asset import Avatar
from ..rig.rig import Pose, Rig
from .background import Background
from .camera import Camera
from .framing import framing_box
from .gpu_avatar import Draw, GpuAvatar
from .lighting import LightRig
from .materials import Materials
from .morphs import MorphMode
from .morphs import morph_mode as default_morph_mode
from .patch import Patch
from .platform import HeadlessPlatform
from .programs import Programs
from .screen_bounds import ScreenBounds
from .shaders import set_uniforms
from .targets import Targets


class Renderer:
    """Draws one avatar. `background` is sRGB (r, g, b) in [0, 1], an image path or
    `background.TRANSPARENT`; `msaa` is samples per pixel (1: none), capped at what the context
    offers (`samples` says how many are used).

    Without `ctx` it opens its own headless EGL context. `morph_mode` ("cpu" | "texture")
    defaults to the faster one for this context (see morphs.py).
    """

    def __init__(
        self,
        avatar: Avatar,
        size: tuple[int, int] = (1280, 720),
        msaa: int = 4,
        framing: str = "bust",
        background=None,
        ctx: moderngl.Context | None = None,
        rig: Rig | None = None,
        morph_mode: str | None = None,
        lights: LightRig | None = None,
    ):
        width, height = (int(v) for v in size)
        if width < 1 or height < 1:
            raise ValueError(f"size: expected positive width and height, got {size!r}")
        if int(msaa) < 1:
            raise ValueError(f"msaa: expected 1 or more samples per pixel, got {msaa!r}")
        if morph_mode is not None and morph_mode not in [m.value for m in MorphMode]:
            raise ValueError(f"morph_mode: expected 'cpu' or 'texture', got {morph_mode!r}")
        self._platform: HeadlessPlatform | None = None
        if ctx is None:
            self._platform = HeadlessPlatform()
            ctx = self._platform.ctx
        self.ctx = ctx
        self.avatar = avatar
        self.msaa = msaa
        self.morph_mode = MorphMode(morph_mode) if morph_mode else default_morph_mode(self.ctx)
        self.programs = Programs(self.ctx)
        self.gpu = GpuAvatar(self.ctx, avatar, self.morph_mode)
        self._bounds = ScreenBounds(self.gpu.draws)
        self.materials = Materials(self.ctx, avatar)
        self.lights = lights or LightRig()
        self._background_spec = background

        rig = rig or Rig(avatar)
        rest = rig.rest_pose()
        box, everything = framing_box(avatar, rest, rig.head_node, framing, rig.waist_height(rest))
        self.camera = Camera(aspect=width / height)
        self.camera.fit(*box)
        # VRM 0.x avatars face -Z, against glTF's +Z: go round to their face.
        self.camera.yaw = math.pi if avatar.vrm_version == "0.x" else 0.0
        corners = np.array(everything)
        self.camera.reach = float(np.linalg.norm(corners - self.camera.target, axis=1).max()) * 1.5
        self._home = (self.camera.target.copy(), self.camera.distance, self.camera.yaw)
        self.size = (0, 0)
        self.resize((width, height))

    # -- targets ---------------------------------------------------------------------------

    def resize(self, size: tuple[int, int]) -> None:
        """(Re)creates the framebuffers for a new output size."""
        if tuple(size) == self.size:
            return
        if self.size != (0, 0):
            self._release_targets()
        self.size = (int(size[0]), int(size[1]))
        self.camera.aspect = self.size[0] / self.size[1]
        self.samples = min(int(self.msaa), self.ctx.max_samples)
        self._frame = Targets(self.ctx, self.size, self.samples)
        self.background = Background(self.ctx, self._background_spec, self.size)
        self.channels = 4 if self.background.transparent else 3
        self.background.draw(self._frame.resolved)
        self._patch = Patch(self.ctx, self.samples, _pixels(self._frame.resolved, self.channels).copy())

    def _release_targets(self) -> None:
        self._frame.release()
        self._patch.release()
        self.background.release()

    # -- drawing ---------------------------------------------------------------------------

    def _depth(self, draw: Draw, pose: Pose, view: np.ndarray) -> float:
        """View-space depth of a draw's centre (more negative is farther)."""
        m = pose.world[draw.node] if draw.skin is None else pose.skin_matrices[draw.skin][draw.anchor]
        return float((view @ m @ np.append(draw.centroid, 1.0))[2])

    def screen_rect(self, pose: Pose) -> tuple[int, int, int, int]:
        """Where on screen the avatar can be in `pose`: (x, y, width, height) in GL pixels
        (origin bottom left), conservative; the whole frame when that cannot be bounded."""
        rect = self._bounds.rect(self.gpu.draws, pose, self.camera.view_projection(), np.array(self.size))
        return (0, 0, *self.size) if rect is None else rect

    def _draw_scene(self, fbo: moderngl.Framebuffer, pose: Pose, offset: tuple[int, int] = (0, 0)) -> None:
        """Background and avatar into `fbo`, whose origin lies at `offset` in the frame."""
        ctx, cam = self.ctx, self.camera
        self.gpu.sync(pose)
        self.background.draw(fbo, offset)
        view = cam.view()
        view_proj = cam.projection() @ view
        frame_uniforms = dict(u_view_proj=view_proj, u_camera_position=cam.position)
        ready: set[int] = set()

        draws = list(enumerate(self.gpu.draws))
        blend = {i for i, d in draws if "ALPHA_BLEND" in d.defines}
        # Transparent draws after opaque ones, farthest first (view-space z grows towards us).
        order = [(i, d) for i, d in draws if i not in blend]
        order += sorted(((i, d) for i, d in draws if i in blend), key=lambda item: self._depth(item[1], pose, view))
        ctx.enable(moderngl.DEPTH_TEST)
        # Colour "over" as ever; alpha adds up coverage (a + dst * (1 - a)), so a blended draw
        # over nothing leaves premultiplied colour and the alpha of what it covers.
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        for i, d in order:
            prog = self.programs.shading(d.defines)
            if prog.glo not in ready:  # camera and lights, once per variant per frame
                set_uniforms(prog, **frame_uniforms)
                self.lights.apply(prog, cam.camera_to_world())
                ready.add(prog.glo)
            vao = self.gpu.bind_draw(prog, d, pose)
            mat = self.materials.bind(prog, d.gpu.prim.material)
            if mat.double_sided:
                ctx.disable(moderngl.CULL_FACE)
            else:
                ctx.enable(moderngl.CULL_FACE)
            # A mirroring node transform reverses the winding (skinned draws ignore the node).
            mirrored = d.skin is None and np.linalg.det(pose.world[d.node][:3, :3]) < 0
            ctx.front_face = "cw" if mirrored else "ccw"
            if i in blend:
                ctx.enable(moderngl.BLEND)
                fbo.depth_mask = False
            vao.render(moderngl.TRIANGLES)
            if i in blend:
                ctx.disable(moderngl.BLEND)
                fbo.depth_mask = True
        ctx.disable(moderngl.CULL_FACE)
        ctx.front_face = "ccw"

    def draw(self, pose: Pose) -> moderngl.Framebuffer:
        """Draws `pose` over the whole frame and returns the resolved (single-sample) framebuffer."""
        self._draw_scene(self._frame.draw, pose)
        if self._frame.multisampled:
            # Resolve only where the avatar can be; the rest of the frame is background.
            self.background.draw(self._frame.resolved)
            self._frame.resolve(self.screen_rect(pose))
        return self._frame.resolved

    def render(self, pose: Pose) -> np.ndarray:
        """The frame as (height, width, `channels`) uint8 sRGB, top row first: RGB, or RGBA
        premultiplied by alpha over a transparent background. Only the rectangle the avatar can
        cover is drawn (patch.py); the pixels are those of `render_full_frame`, but for a rare
        multisample edge sample."""
        rect = self.screen_rect(pose)
        if rect[2] == 0 or rect[3] == 0:  # nothing on screen
            return self._patch.backdrop.copy()
        self._draw_scene(self._patch.target(rect), pose, rect[:2])
        return self._patch.image()

    def render_full_frame(self, pose: Pose) -> np.ndarray:
        """`render` drawn over the whole frame, as a window shows it: the reference that the
        patch path is tested and timed against."""
        return _pixels(self.draw(pose), self.channels).copy()

    def present(self, screen: moderngl.Framebuffer, pose: Pose) -> None:
        """Draws `pose` and copies it to a window's framebuffer (same size)."""
        self.ctx.copy_framebuffer(screen, self.draw(pose))

    def deformed(self, pose: Pose, draw_index: int) -> tuple[np.ndarray, np.ndarray | None]:
        """World-space (positions, normals) of one draw's vertices as the vertex shader makes
        them, captured with transform feedback: the GPU side of the skinning tests."""
        draw = self.gpu.draws[draw_index]
        prog = self.programs.capture(draw.defines)
        width = 6 if "HAS_NORMALS" in draw.defines else 3
        self.gpu.sync(pose)
        self._frame.draw.use()  # a headless context has no default framebuffer; GL wants one bound
        vao = self.gpu.bind_draw(prog, draw, pose)
        captured = self.ctx.buffer(reserve=draw.gpu.index_count * width * 4)
        vao.transform(captured, moderngl.POINTS)
        # Indexed capture emits vertices in index order; scatter them back to vertex order.
        data = np.frombuffer(captured.read(), np.float32).reshape(-1, width)
        captured.release()
        out = np.zeros((draw.gpu.prim.vertex_count, width), np.float32)
        out[draw.gpu.prim.indices.ravel()] = data
        return out[:, :3], (out[:, 3:] if width == 6 else None)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates (x right, y down, in pixels) of world-space points, (N, 2)."""
        points = np.atleast_2d(np.asarray(points, np.float64))
        clip = np.c_[points, np.ones(len(points))] @ self.camera.view_projection().T
        ndc = clip[:, :2] / clip[:, 3:4]
        return np.c_[(ndc[:, 0] + 1.0) / 2.0 * self.size[0], (1.0 - ndc[:, 1]) / 2.0 * self.size[1]]

    def reset_camera(self) -> None:
        self.camera.target, self.camera.distance, self.camera.yaw = self._home[0].copy(), *self._home[1:]
        self.camera.pitch = 0.0

    def close(self) -> None:
        self._release_targets()
        self.gpu.release()
        self.materials.release()
        self.programs.release()
        if self._platform is not None:
            self._platform.close()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _pixels(fbo: moderngl.Framebuffer, channels: int) -> np.ndarray:
    """`fbo` as (height, width, channels) uint8, top row first (a read-only view: GL rows run
    bottom to top)."""
    width, height = fbo.size
    pixels = fbo.read(components=channels, alignment=1)
    return np.frombuffer(pixels, np.uint8).reshape(height, width, channels)[::-1]

"""Where a frame is drawn: a multisampled colour + depth framebuffer and the single-sample one
it resolves into (one and the same without multisampling).

Colour only is resolved: resolving depth too would cost a third more and nothing reads it.
"""

from __future__ import annotations

import moderngl


class Targets:
    def __init__(self, ctx: moderngl.Context, size: tuple[int, int], samples: int):
        self.ctx = ctx
        width, height = size
        self.size = (width, height)
        if samples > 1:
            self.draw = ctx.framebuffer(
                ctx.renderbuffer(self.size, 4, samples=samples),
                ctx.depth_renderbuffer(self.size, samples=samples),
            )
            self.resolved = ctx.framebuffer(ctx.renderbuffer(self.size, 4))
        else:
            self.draw = self.resolved = ctx.framebuffer(
                ctx.renderbuffer(self.size, 4), ctx.depth_renderbuffer(self.size)
            )

    @property
    def multisampled(self) -> bool:
        return self.draw is not self.resolved

    def resolve(self, rect: tuple[int, int, int, int] | None = None) -> None:
        """Resolves `rect` (x, y, width, height; None: everything) into `resolved`."""
        if not self.multisampled:
            return
        self.resolved.scissor = rect  # type: ignore[assignment]  # the stubs forget None (moderngl takes it)
        self.resolved.use()
        self.ctx.copy_framebuffer(self.resolved, self.draw)
        self.resolved.scissor = None  # type: ignore[assignment]
        self.resolved.use()

    def release(self) -> None:
        for fbo in {self.draw, self.resolved}:
            for attachment in (*fbo.color_attachments, fbo.depth_attachment):
                if attachment is not None:
                    attachment.release()
            fbo.release()

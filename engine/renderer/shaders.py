"""Loading the GLSL in `shaders/` into programs, with compile-time defines."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import cast

import moderngl
import numpy as np

from .errors import RendererError

SHADER_DIR = Path(str(files("engine.renderer") / "glsl"))  # the repo's shaders/ points here


def source(name: str, defines: tuple[str, ...] = ()) -> str:
    """A shader's text with `#define`s inserted after its `#version` line."""
    text = (SHADER_DIR / name).read_text()
    version, _, rest = text.partition("\n")
    return "\n".join([version, *(f"#define {d}" for d in defines), rest])


def program(
    ctx: moderngl.Context,
    vertex: str,
    fragment: str | None = None,
    defines: tuple[str, ...] = (),
    varyings: tuple[str, ...] = (),
) -> moderngl.Program:
    try:
        return ctx.program(
            vertex_shader=source(vertex, defines),
            fragment_shader=source(fragment, defines) if fragment else None,
            varyings=varyings,
        )
    except moderngl.Error as exc:
        raise RendererError(
            f"{vertex}/{fragment} with {', '.join(defines) or 'no defines'} does not compile on "
            f"{ctx.info.get('GL_RENDERER', 'this OpenGL')}: {exc}"
        ) from None


def set_uniforms(prog: moderngl.Program, **values) -> None:
    """Sets the uniforms this program has; the compiler drops the ones a variant never reads.

    A 2-D numpy array is a row-major matrix and is sent transposed (GLSL is column-major).
    """
    for name, value in values.items():
        if name not in prog:
            continue
        uniform = cast(moderngl.Uniform, prog[name])  # names set here are uniforms; the stubs allow any member
        if isinstance(value, np.ndarray):
            if value.ndim == 2:
                uniform.write(np.ascontiguousarray(value.T, np.float32).tobytes())
            else:
                uniform.value = tuple(float(v) for v in value)
        else:
            uniform.value = value

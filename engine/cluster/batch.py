"""A batch of spokesperson videos spread over a Ray cluster.

Each script is a job. A worker (a Ray actor, worker.py) performs it: TTS and the face, once,
into a take (engine/script/take.py) that goes to Ray's object store. The take's frames are then
cut at sentence cuts into pieces of about `piece_seconds`, drawn by whichever workers are free,
and come back as MP4 pieces (through the object store, or as files in a `shared` folder every
node sees); this process joins them without re-encoding and muxes the audio once, into the
same video as a one-machine render. A worker that dies has its job given to another, and Ray
restarts it; a script that fails is reported and the batch goes on; Ctrl-C kills the workers
and leaves no part-written output.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..progress import Progress
from ..script.parse import Script
from ..script.take import Take, join, pieces
from ..script.video import Result, estimate_seconds
from .worker import Tally, Worker

#: Times Ray restarts a worker that died, and times a piece or a take is tried before its
#: script is given up.
RESTARTS = 3
TRIES = 3
#: Seconds between looks at the cluster when nothing has finished.
POLL = 0.5


@dataclass
class Job:
    """One script: `name` as given (for messages), the video to write, and how far it got."""

    name: str
    script: Script
    avatar: str
    out: Path
    id: str = ""
    take: object = None  # the take's ObjectRef, once performed
    value: Take | None = None
    runs: list[tuple[int, int]] = field(default_factory=list)
    files: dict[int, bytes | str] = field(default_factory=dict)
    error: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    length: int = 0  # frames of video, once performed

    @property
    def frames(self) -> int:
        """Frames of video: exact once performed, estimated before."""
        return self.length or round(estimate_seconds(self.script) * self.script.settings.fps)


@dataclass
class _Task:
    job: Job
    start: int = -1  # -1: perform the script; else the first frame of a piece
    end: int = -1
    tries: int = 0
    began: float = 0.0


def connect(address: str) -> None:
    """`local`: a Ray instance of this machine's own, sized to it; `auto`, `HOST:PORT` or
    `ray://HOST:10001`: the cluster there."""
    import ray

    ray.init(
        address="local" if address == "local" else address,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )


def run(
    jobs: list[Job],
    address: str,
    workers: int | None = None,
    cpus: float = 1.0,
    gpus: float = 0.0,
    msaa: int = 4,
    piece_seconds: float = 60.0,
    shared: str | Path | None = None,
    report: Callable[[Result, int], None] = lambda result, pieces: None,
    stream=None,
) -> list[tuple[str, str]]:
    """Renders `jobs` on the cluster at `address` (see `connect`) with `workers` actors of `cpus`
    CPUs and `gpus` GPUs each (default: as many as the cluster holds); `report(result, pieces)`
    as each video lands, drawn in that many pieces. Returns (name, error) for each script that failed."""
    import ray

    if not jobs:
        return []
    stream = stream or sys.stderr
    connect(address)
    batch = uuid.uuid4().hex[:8]
    folder = Path(shared) / f"engine-{batch}" if shared is not None else None
    actors: list = []
    try:
        if folder is not None:
            folder.mkdir(parents=True)
        for k, job in enumerate(jobs):
            job.id = f"{k:03d}-{job.out.stem}"
        count = workers or _fitting(ray.cluster_resources(), cpus, gpus)
        remote = ray.remote(Worker).options(num_cpus=cpus, num_gpus=gpus, max_restarts=RESTARTS, max_task_retries=0)
        actors = [remote.remote(msaa) for _ in range(count)]
        tally = ray.remote(Tally).options(num_cpus=0).remote()
        return _Batch(jobs, actors, tally, piece_seconds, folder, report, stream).run()
    finally:
        for actor in actors:
            ray.kill(actor)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        ray.shutdown()


def _fitting(resources: dict, cpus: float, gpus: float) -> int:
    """How many workers of `cpus` CPUs and `gpus` GPUs the cluster holds at once."""
    count = int(resources.get("CPU", 0) // cpus) if cpus > 0 else 1
    if gpus > 0:
        count = min(count, int(resources.get("GPU", 0) // gpus))
    if count < 1:
        raise ValueError(
            f"the cluster has {resources.get('CPU', 0):g} CPUs and {resources.get('GPU', 0):g} GPUs: "
            f"not enough for one worker of {cpus:g} CPUs and {gpus:g} GPUs"
        )
    return count


class _Batch:
    """The scheduling loop: one task at a time on each live worker."""

    def __init__(self, jobs, actors, tally, piece_seconds, folder, report, stream):
        self.jobs, self.tally, self.piece_seconds = jobs, tally, piece_seconds
        self.folder, self.report = folder, report
        self.queue: deque[_Task] = deque(_Task(job) for job in jobs)
        self.idle: deque = deque()
        self.running: dict = {}  # ObjectRef -> (actor, task)
        self.waking: dict = {}  # a ping's ObjectRef -> the actor it asks after
        for actor in actors:
            self.waking[actor.pid.remote()] = actor
        self.bar = Progress(sum(job.frames for job in jobs), "speak on ray", stream=stream)

    def run(self) -> list[tuple[str, str]]:
        import ray

        try:
            while self.queue or self.running:
                self._dispatch()
                if not self.running and not self.waking and not self.idle:
                    for task in self.queue:
                        self._fail(task.job, "no worker left alive on the cluster")
                    self.queue.clear()
                    break
                ready, _ = ray.wait([*self.running, *self.waking], num_returns=1, timeout=POLL)
                for ref in ready:
                    if ref in self.waking:
                        self._woken(ref)
                    else:
                        self._finished(ref)
                self._show()
        finally:
            self.bar.close()
        return [(job.name, job.error) for job in self.jobs if job.error]

    def _dispatch(self) -> None:
        while self.queue and self.idle:
            task = self.queue.popleft()
            if task.job.error:
                continue
            actor = self.idle.popleft()
            task.began = time.perf_counter()
            job = task.job
            if task.start < 0:
                ref = actor.perform.remote(job.script, job.avatar)
            else:
                key = (job.id, task.start)
                ref = actor.draw.remote(job.take, key, task.start, task.end, self.tally, _str(self.folder))
            self.running[ref] = (actor, task)

    def _woken(self, ref) -> None:
        import ray

        actor = self.waking.pop(ref)
        try:
            ray.get(ref)
        except ray.exceptions.RayActorError as exc:
            if "restarting" in str(exc).lower():  # Ray is still bringing it back: ask again
                self.waking[actor.pid.remote()] = actor
            else:
                print(f"warning: a worker is gone for good: {_reason(exc)}", file=self.bar.stream)
            return
        self.idle.append(actor)

    def _finished(self, ref) -> None:
        import ray

        actor, task = self.running.pop(ref)
        job = task.job
        try:
            value = ray.get(ref)
        except ray.exceptions.RayActorError as exc:
            # The worker died mid-task (killed, out of memory, its node lost): Ray restarts it;
            # the task goes to the next free worker.
            self.waking[actor.pid.remote()] = actor
            task.tries += 1
            what = "the script's take" if task.start < 0 else f"frames {task.start}-{task.end}"
            if task.tries >= TRIES:
                self._fail(job, f"a worker died {task.tries} times drawing {what}: {_reason(exc)}")
            else:
                print(f"warning: {job.name}: a worker died drawing {what}; trying again", file=self.bar.stream)
                self.queue.appendleft(task)
            return
        except ray.exceptions.RayTaskError as exc:
            self.idle.append(actor)
            self._fail(job, _reason(exc))
            return
        self.idle.append(actor)
        elapsed = time.perf_counter() - task.began
        if task.start < 0:
            job.take, job.value, job.length = ref, value, len(value.frames)
            job.seconds["perform"] = elapsed
            job.runs = pieces(value, self.piece_seconds)
            self.bar.total = self._total()
            # Its pieces go first, so that videos land one after another rather than all at the end.
            self.queue.extendleft(reversed([_Task(job, a, b) for a, b in job.runs]))
            return
        job.files[task.start] = value
        job.seconds["draw"] = job.seconds.get("draw", 0.0) + elapsed
        if len(job.files) == len(job.runs):
            self._land(job)

    def _land(self, job: Job) -> None:
        """Joins a job's pieces into its video."""
        assert job.value is not None
        try:
            job.out.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=job.out.parent, prefix=f".{job.out.stem}.") as scratch:
                files = []
                for start, _ in job.runs:
                    data = job.files[start]
                    if isinstance(data, bytes):
                        path = Path(scratch) / f"{start:07d}.mp4"
                        path.write_bytes(data)
                        data = str(path)
                    files.append(Path(data))
                result = join(job.value, files, job.out, job.seconds)
        except (OSError, ValueError) as exc:
            self._fail(job, str(exc))
            return
        finally:
            for data in job.files.values():
                if isinstance(data, str):
                    Path(data).unlink(missing_ok=True)
            job.files.clear()
        job.value, job.take = None, None  # the take's memory goes back
        self.bar.total = self._total()
        self.report(result, len(job.runs))

    def _fail(self, job: Job, error: str) -> None:
        if job.error:
            return
        job.error = error
        print(f"error: {job.name}: {error}", file=self.bar.stream)
        self.bar.total = self._total()

    def _total(self) -> int:
        return max(1, sum(job.frames for job in self.jobs if not job.error))

    def _show(self) -> None:
        import ray

        try:
            drawn = ray.get(self.tally.by_job.remote(), timeout=5)
        except ray.exceptions.GetTimeoutError:
            return
        done = sum(frames for job_id, frames in drawn.items() if not self._job(job_id).error)
        self.bar.note = f"{len(self.idle) + len(self.running)} workers alive"
        self.bar.update(done - self.bar.done)

    def _job(self, job_id: str) -> Job:
        return next(job for job in self.jobs if job.id == job_id)


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _reason(exc: Exception) -> str:
    """What went wrong in a worker, without Ray's traceback around it."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, Exception):
        return str(cause)
    return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__

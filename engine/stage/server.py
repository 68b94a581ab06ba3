"""The `serve` job: the live pipeline on its own thread, the web application on uvicorn in
the foreground, sharing one clock. Ctrl-C (or --duration running out) stops both."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from ..pipeline import Pipeline, RealtimeClock
from .app import Limits, Stage, create_app
from .director import Director
from .say import SayQueue
from .scene import StageScene
from .sink import WebSink
from .sound import SourceSound
from .viewers import Viewers

#: A viewer's WebSocket message may be no larger (uvicorn closes the socket with 1009).
WS_MAX_BYTES = 64 * 1024


class StageServer:
    def __init__(self, fps: float, duration: float | None, limits: Limits, token: str | None):
        self.clock = RealtimeClock(fps, duration)
        self.limits, self.token = limits, token
        self.viewers = Viewers(limits.viewers, self.clock.now)
        self.say = SayQueue(self.clock.now, self.viewers.publish_audio, self.viewers.publish_cut)
        self.director = Director()
        self.sink = WebSink(self.viewers.publish_frame, SourceSound(self.viewers.publish_audio))

    @property
    def sources(self) -> list:
        """The stage's own layers, added to the show's sources."""
        return [self.say, *self.director.sources]

    def app(self, pipeline: Pipeline, avatar_path: str | Path):
        if pipeline.rig is None:
            raise ValueError("serve needs an avatar to show")
        self.sink.scene = StageScene(pipeline.rig)
        mixer = pipeline.mixer
        stage = Stage(
            scene=self.sink.scene,
            avatar_path=Path(avatar_path),
            viewers=self.viewers,
            say=self.say,
            director=self.director,
            fps=self.clock.fps,
            token=self.token,
            limits=self.limits,
            source_levels=lambda: {s.name: mixer.level(s.name) for s in pipeline.sources},
        )
        return create_app(stage)

    def run(self, app, pipeline: Pipeline, host: str, port: int) -> int:
        """Serves `app` (from `app()`) while `pipeline` runs; returns the exit status."""
        import uvicorn

        self.say.warm_up()
        server = uvicorn.Server(
            uvicorn.Config(
                app, host=host, port=port, log_level="warning", ws_max_size=WS_MAX_BYTES, ws_per_message_deflate=False
            )
        )

        def perform():
            try:
                pipeline.run(self.clock)
            finally:
                server.should_exit = True

        thread = threading.Thread(target=perform, name="stage pipeline", daemon=True)
        thread.start()
        try:
            server.run()
        finally:
            pipeline.stop_event.set()
            thread.join(10)
        print("stage stopped", file=sys.stderr)
        return 0 if server.started else 2

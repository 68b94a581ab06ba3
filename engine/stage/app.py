"""The stage's web application (FastAPI on uvicorn): the viewer page and its WebSocket, the
operator's page and the JSON endpoints behind the token, with their OpenAPI schema at
/openapi.json.

Every refusal is an HTTP error whose `detail` says what was wrong and what is allowed; none of
them reaches the pipeline, which runs on its own thread whatever the requests do.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from .director import LOOKS, Director, expression_names
from .say import Interrupted, SayQueue
from .scene import StageScene
from .viewers import TooManyViewers, Viewer, Viewers
from .voice_process import VoiceProcessDied

WEB = Path(str(files("engine.stage") / "web"))
#: The files the viewer page imports (npm's three and @pixiv/three-vrm, copied in by setup).
VENDOR = ("vendor/three/build/three.module.js", "vendor/three-vrm/three-vrm.module.min.js")


@dataclass
class Limits:
    text_chars: int = 500  # one /say
    request_bytes: int = 16 * 1024  # any request body
    viewers: int = 16
    queued: int = 8  # utterances waiting
    viewer_message_bytes: int = 1024  # what a viewer may send over its socket


@dataclass
class Stage:
    """What the routes act on; the pipeline thread owns the frames, the app only these."""

    scene: StageScene
    avatar_path: Path
    viewers: Viewers
    say: SayQueue
    director: Director
    fps: float
    token: str | None  # None: control is open (loopback without --token)
    limits: Limits
    source_levels: object = None  # () -> {layer name: mix level}, from the pipeline's mixer


class SayRequest(BaseModel):
    text: str = Field(description="what to say now")
    lang: Literal["en", "zh"] = Field("en", description="en or zh")
    voice: str | None = Field(None, description="engine[:variant], e.g. piper:joe or flite:slt; default: the best")


class SayAnswer(BaseModel):
    duration: float = Field(description="seconds of speech queued so far: all of it when complete")
    complete: bool = Field(
        description="whether the whole text is queued; if not, the rest is being synthesized while the first part plays"
    )
    starts_in: float = Field(description="seconds from now until it is heard (after what is queued)")
    voice: str
    queued: int = Field(description="utterances playing, waiting or being synthesized, this one included")


class ExpressionRequest(BaseModel):
    name: str = Field(description="an expression (GET /status lists them) or neutral")
    intensity: float = Field(1.0, ge=0.0, le=1.0)


class LookRequest(BaseModel):
    direction: Literal["camera", "left", "right", "up", "down"] = Field(description="the viewer's left and right")


class BodyLimit:
    """Refuses a request body over `limit` bytes with 413, whether it says its length or not."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_big = JSONResponse(
            {"detail": f"request body over {self.limit} bytes (the server's limit)"}, status_code=413
        )
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await too_big(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, f"request body over {self.limit} bytes (the server's limit)")
            return message

        await self.app(scope, counted, send)


def create_app(stage: Stage) -> FastAPI:
    missing = [f for f in VENDOR if not (WEB / f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"the viewer page's scripts are missing ({', '.join(missing)} under {WEB}): "
            "in a checkout, `make setup` (npm install, then the copy in scripts/setup.sh)"
        )

    @asynccontextmanager
    async def lifespan(app):
        stage.viewers.attach(asyncio.get_running_loop())
        # The first call imports anyio's thread pool, holding the GIL for 100 ms or more: at
        # start, not in the first /say, where it held the pipeline's ticks back.
        await run_in_threadpool(lambda: None)
        yield

    app = FastAPI(
        title="avatar-engine stage",
        description="Make the avatar speak, change its expression and gaze, and read the stage's status.",
        docs_url=None,  # the docs page loads its scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=stage.limits.request_bytes)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return JSONResponse({"detail": problems}, status_code=422)

    def control(request: Request, token: str | None = Query(None, description="the stage's token")) -> None:
        """Control needs the token when the stage has one (always off loopback)."""
        if stage.token is None:
            return
        given = token or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not given:
            raise HTTPException(401, "this needs the stage's token: ?token=T or the header Authorization: Bearer T")
        if not secrets.compare_digest(given, stage.token):
            raise HTTPException(403, "wrong token")

    @app.get("/", include_in_schema=False)
    async def viewer_page():
        return FileResponse(WEB / "index.html")

    @app.get("/control", include_in_schema=False, dependencies=[Depends(control)])
    async def control_page():
        return FileResponse(WEB / "control.html")

    @app.get("/avatar", include_in_schema=False)
    async def avatar():
        return FileResponse(stage.avatar_path, media_type="model/gltf-binary")

    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.post("/say", response_model=SayAnswer, dependencies=[Depends(control)])
    async def say(request: SayRequest, interrupt: bool = Query(False, description="cut in instead of queueing")):
        """Speaks `text` now, or after what is already queued. The voice takes it clause by
        clause and sentence by sentence: this returns once the first part is queued, while the
        rest is synthesized as it plays (GET /status follows it)."""
        if not request.text.strip():
            raise HTTPException(422, "text: nothing to say")
        if len(request.text) > stage.limits.text_chars:
            raise HTTPException(
                413, f"text: {len(request.text)} characters, over the limit of {stage.limits.text_chars}"
            )
        if not interrupt and len(stage.say.pending()) >= stage.limits.queued:
            raise HTTPException(429, f"{stage.limits.queued} utterances are already queued; wait or ?interrupt=1")
        try:
            u = await run_in_threadpool(stage.say.say, request.text, request.lang, request.voice, interrupt)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        except Interrupted as exc:
            raise HTTPException(409, str(exc)) from None
        except VoiceProcessDied as exc:
            raise HTTPException(503, str(exc)) from None
        return SayAnswer(
            duration=round(u.end - u.start, 3),
            complete=u.complete,
            starts_in=round(u.start - stage.say.now(), 3),
            voice=u.voice,
            queued=len(stage.say.pending()),
        )

    @app.post("/expression", dependencies=[Depends(control)])
    async def expression(request: ExpressionRequest) -> dict:
        """Holds an expression at an intensity until another is asked for (neutral: none)."""
        try:
            stage.director.set_expression(request.name, request.intensity)
        except ValueError as exc:
            raise HTTPException(400, f"{exc} (or neutral)") from None
        return stage.director.state

    @app.post("/look", dependencies=[Depends(control)])
    async def look(request: LookRequest) -> dict:
        """Turns the eyes, and the head a little, to one side; camera looks back."""
        stage.director.set_look(request.direction)
        return stage.director.state

    @app.get("/status", dependencies=[Depends(control)])
    async def status() -> dict:
        """Sources alive (their mix level), frame rate, viewers, speech queued."""
        levels = stage.source_levels() if callable(stage.source_levels) else {}
        return {
            "fps": stage.fps,
            "frames_sent": stage.viewers.frames,
            "frames_per_second": stage.viewers.frame_rate(),
            "viewers": len(stage.viewers),
            "max_viewers": stage.limits.viewers,
            "sources": {name: round(level, 3) for name, level in levels.items()},
            "speaking": [
                {
                    "text": u.text,
                    "lang": u.lang,
                    "voice": u.voice,
                    "duration": round(u.end - u.start, 3),
                    "complete": u.complete,
                }
                for u in stage.say.pending()
            ],
            "say_seconds": stage.say.last_seconds,
            "expressions": ["neutral", *expression_names()],
            "looks": list(LOOKS),
            **stage.director.state,
        }

    @app.websocket("/ws")
    async def frames(socket: WebSocket):
        await socket.accept()
        try:
            viewer = stage.viewers.join(stage.scene.hello(stage.fps))
        except TooManyViewers as exc:
            await socket.close(code=1013, reason=str(exc)[:120])
            return
        try:
            sender = asyncio.create_task(_send(socket, viewer))
            listener = asyncio.create_task(_listen(socket, stage, viewer))
            done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        finally:
            stage.viewers.leave(viewer)

    return app


async def _send(socket: WebSocket, viewer: Viewer) -> None:
    """Frames, audio and answers to one viewer until it goes; one socket writer, so messages
    never interleave. A viewer gone mid-speech ends only this."""
    try:
        while True:
            await viewer.wake.wait()
            for message in viewer.take():
                if isinstance(message, str):
                    await socket.send_text(message)
                else:
                    await socket.send_bytes(message)
                viewer.sent += 1
    except Exception:  # the socket closed under us: that viewer left
        return


async def _listen(socket: WebSocket, stage: Stage, viewer: Viewer) -> None:
    """A viewer may only ping (`{"type": "ping", "id": N}`, answered with the pipeline time);
    anything else is answered with an error message, and the viewer stays."""
    while True:
        message = await socket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            viewer.answer({"type": "error", "error": "viewers send JSON text, not binary"})
            continue
        if len(text) > stage.limits.viewer_message_bytes:
            viewer.answer({"type": "error", "error": f"message over {stage.limits.viewer_message_bytes} bytes"})
            continue
        try:
            request = json.loads(text)
            if not isinstance(request, dict) or request.get("type") != "ping":
                raise ValueError('expected {"type": "ping", "id": N}; viewers cannot control the stage')
        except ValueError as exc:
            viewer.answer({"type": "error", "error": f"bad message: {exc}"})
            continue
        viewer.answer({"type": "pong", "id": request.get("id"), "t": stage.say.now()})

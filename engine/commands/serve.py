"""`run.py serve`: the `live` pipeline plus a web sink, a viewer page and a control API."""

from __future__ import annotations

import ipaddress
import logging
import secrets
import sys

from ..errors import EngineError
from ..rig import MASCOT
from .arguments import positive
from .live import add_show_arguments, build_pipeline, show_from_args


def add_arguments(p) -> None:
    add_show_arguments(p, default_fps=60.0)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--token", help="the operator's token for /control, /say ... (generated and printed off loopback)")
    p.add_argument("--max-viewers", type=int, default=16, help="viewers at once (default 16)")
    p.add_argument("--max-text", type=positive, default=500, help="characters in one /say (default 500)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    from ..stage.app import Limits
    from ..stage.server import StageServer

    token = args.token
    if token is None and not is_loopback(args.host):
        token = secrets.token_urlsafe(16)
        print(f"token (control needs it off this machine): {token}", file=sys.stderr)
    try:
        if args.max_viewers < 1:
            raise EngineError(f"--max-viewers: expected 1 or more, got {args.max_viewers}")
        show = show_from_args(args)
        show.avatar = show.avatar or str(MASCOT)
        stage = StageServer(
            show.fps, show.duration, Limits(text_chars=int(args.max_text), viewers=args.max_viewers), token
        )
        pipeline, _ = build_pipeline(show, extra_sources=stage.sources, extra_sinks=[stage.sink])
        app = stage.app(pipeline, show.avatar)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = f"http://{args.host}:{args.port}"
    suffix = f"?token={token}" if token else ""
    print(f"viewer: {where}/   control: {where}/control{suffix}   (Ctrl-C stops)", file=sys.stderr)
    return stage.run(app, pipeline, args.host, args.port)

"""The command line (`avatar-engine`, or `python run.py`): one module per command under
engine/commands/, imported only when that command runs, so `--help` answers at once."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from .errors import EngineError

DESCRIPTION = (
    "Real-time ARKit facial animation for any rigged glTF, GLB or VRM avatar: drive it from "
    "speech, a webcam or motion capture, render it, or forward it to Unreal and VTuber apps."
)

#: Commands in the order `--help` lists them, with their one-line help.
COMMANDS = {
    "inspect": "meshes, morphs, joints, humanoid bones, clips and ARKit coverage of an avatar",
    "render": "render an avatar to a PNG or an MP4 (headless)",
    "view": "show an avatar in a window: orbit, zoom, cycle shapes and expressions",
    "speak": "render spokesperson videos from scripts (text -> speech -> face -> MP4)",
    "demo": "render the mascot presenting a city in English and Chinese to out/demo.mp4",
    "live": "run sources into sinks in real time (Ctrl-C ends cleanly)",
    "serve": "the live stage: a web page that shows the avatar live, and an API that makes it speak",
    "bench": "run a benchmark (figures printed)",
}


class Parser(argparse.ArgumentParser):
    """Says what was wrong first, then where to look, instead of the whole usage before it."""

    #: A command's text after its options that is costly to make (`live` imports every source's
    #: module to list their options): made only when the help is shown.
    epilog_later: Callable[[], str] | None = None

    def error(self, message: str):
        self.exit(2, f"error: {message}\nrun `{self.prog} --help` for the options\n")

    def format_help(self) -> str:
        if self.epilog_later is not None:
            self.epilog = self.epilog_later()
        return super().format_help()


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser; only the command named in `argv` is imported and given its options."""
    prog = "run.py" if sys.argv and sys.argv[0].endswith("run.py") else "avatar-engine"
    parser = Parser(prog=prog, description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, help in COMMANDS.items():
        p = sub.add_parser(name, help=help, description=help)
        if name == chosen:
            module = importlib.import_module(f"engine.commands.{name}")
            module.add_arguments(p)
            p.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

"""Argument parsing and dispatch for run.py; each command lives in engine/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

from .rig.asset import AvatarError

#: Command modules under engine.commands, in the order `--help` lists them.
COMMANDS = ("inspect", "render", "view", "speak", "demo", "live", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"engine.commands.{name}")
        p = module.add_parser(sub)
        p.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except AvatarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

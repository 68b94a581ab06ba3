#!/usr/bin/env python3
"""The command line: `python run.py COMMAND ...` (see `python run.py --help`)."""

import sys

from engine.cli import main

if __name__ == "__main__":
    sys.exit(main())

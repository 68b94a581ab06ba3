"""One module per `run.py` command; each defines `add_parser(subparsers)` and `run(args)`."""

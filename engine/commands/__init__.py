"""One module per command (engine/cli.py lists them); each defines `add_arguments(parser)` and `run(args)`."""

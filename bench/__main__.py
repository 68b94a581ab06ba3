"""`python -m bench` (and `make bench`): every quick benchmark in turn, figures printed.

The 30-minute soak is left out: run it with `python run.py bench soak`.
"""

import importlib

QUICK = (
    ("load", []),
    ("render", []),
    ("latency", ["--seconds", "5"]),
    ("live_frames", ["--seconds", "5"]),
    ("protocols", ["--seconds", "10"]),
    ("webcam", ["--seconds", "4"]),
    ("speech", []),
    ("overlay", []),
    ("speak", ["--utterances", "2"]),
    ("body", ["--frames", "300"]),
    ("startup", []),
    ("frame_path", ["--frames", "1000"]),
    ("audio_decode", ["--seconds", "30"]),
    ("transcript", ["--seconds", "30"]),
    ("stage", ["--trials", "3"]),
)

if __name__ == "__main__":
    for name, argv in QUICK:
        print(f"\n== bench {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").main(argv)

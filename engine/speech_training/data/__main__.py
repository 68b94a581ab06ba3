"""`python -m engine.speech_training.data [--root DIR]`: rebuild the speech corpus cache."""

import argparse

from .corpus import build, cache_dir

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--root", default=None, help=f"where to build it (default {cache_dir()})")
parser.add_argument("--scale", type=float, default=1.0, help="multiply every voice's utterance count")
parser.add_argument("--no-real", action="store_true", help="leave out the real recordings (their alignment is slow)")
args = parser.parse_args()
print(f"built {build(args.root, args.scale, real_speech=not args.no_real)}")

"""Native libraries' start-up chatter kept off the user's terminal.

MediaPipe (absl/glog) and LiteRT (TFLite's minimal logger) write INFO and WARNING lines straight
to file descriptor 2 while they build a graph or an interpreter ("Created TensorFlow Lite XNNPACK
delegate", "Feedback manager requires a model with a single signature"...). Neither wheel reads
GLOG_minloglevel, TF_CPP_MIN_LOG_LEVEL or GOOGLE_STDERRTHRESHOLD any more, so the only place to
stop them is the descriptor itself, for the few calls that print them. Their failures still
reach the user: both raise Python exceptions, which our commands report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Descriptor 2 goes to /dev/null for the block (Python's own stderr, flushed first, too)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

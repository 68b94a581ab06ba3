import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engine.expressions import EXPRESSIONS
from engine.frame import FaceFrame
from engine.pipeline import OfflineClock, Pipeline, RealtimeClock
from engine.registry import open_sink, open_source, split_uri
from engine.protocols.livelink_csv import TakeWriter, read_take

ROOT = Path(__file__).resolve().parents[1]


def _take(path, seconds=1.0, fps=30):
    with TakeWriter(path, fps=fps) as w:
        for k in range(int(seconds * fps)):
            w.write(FaceFrame.from_named(k / fps, {"jawOpen": (k % 10) / 10}, mask=np.ones(52, bool)))
    return path


def test_uris_split_into_scheme_target_and_options():
    assert split_uri("livelink://127.0.0.1:11111") == ("livelink", "127.0.0.1:11111", {})
    assert split_uri("csv:take.csv") == ("csv", "take.csv", {})
    assert split_uri("idle:?seed=3") == ("idle", "", {"seed": "3"})
    for bad in ("take.csv", "C:\\take.csv", ":x"):
        with pytest.raises(ValueError):
            split_uri(bad)


def test_unknown_schemes_and_options_are_named():
    with pytest.raises(ValueError, match="telepathy"):
        open_source("telepathy:")
    with pytest.raises(ValueError, match="colour"):
        open_source("idle:?colour=red")
    with pytest.raises(ValueError, match="gleeful"):
        open_source("expression:gleeful")


def test_offline_csv_playback_to_csv_recording_is_exact_and_deterministic(tmp_path):
    src = _take(tmp_path / "in.csv")
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}.csv"
        p = Pipeline([open_source(f"csv:{src}")], [open_sink(f"csv:{out}")])
        stats = p.run(OfflineClock(30, p.media_duration()))
        assert stats.frames == 30
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    _, original = read_take(src)
    _, copied = read_take(tmp_path / "out0.csv")
    assert [f.weight("jawOpen") for f in copied] == pytest.approx([f.weight("jawOpen") for f in original])


def test_idle_under_an_expression_offline(tmp_path):
    out = tmp_path / "o.csv"
    p = Pipeline([open_source("idle:?seed=4"), open_source("expression:happy?intensity=0.5")],
                 [open_sink(f"csv:{out}")])
    p.run(OfflineClock(30, 2.0))
    _, frames = read_take(out)
    smiles = [f.weight("mouthSmileLeft") for f in frames]
    full = EXPRESSIONS["happy"]["mouthSmileLeft"]
    assert smiles == pytest.approx([full * 0.5] * 60, abs=1e-3)  # held at half strength
    blinks = [f.weight("eyeBlinkLeft") for f in frames]
    assert 0.25 < max(blinks) <= 0.5 + 1e-6  # idle blinks beneath, halved by happy's blend rule


class _BrokenSink:
    needs_pose = False
    name = "broken"

    def open(self, run):
        pass

    def write(self, frame, pose):
        raise OSError("No space left on device")

    def close(self):
        pass


class _SlowSink(_BrokenSink):
    name = "slow"

    def write(self, frame, pose):
        time.sleep(0.2)


def test_failing_and_slow_sinks_do_not_stop_a_live_run(tmp_path):
    out = tmp_path / "live.csv"
    p = Pipeline([open_source("idle:")], [_BrokenSink(), _SlowSink(), open_sink(f"csv:{out}")])
    stats = p.run(RealtimeClock(60, 1.0))
    assert stats.frames >= 50
    assert stats.sinks["broken"].errors >= 1 and stats.sinks["broken"].written == 0
    assert stats.sinks["slow"].written <= 8 and stats.sinks["slow"].dropped > 30
    assert stats.sinks["csv:" + str(out)].written >= 50
    assert len(read_take(out)[1]) >= 50


class _CollectorWatch(_BrokenSink):
    """Notes how many objects the garbage collector leaves alone while frames are written."""
    name = "watch"

    def __init__(self):
        self.frozen = []

    def write(self, frame, pose):
        self.frozen.append(gc.get_freeze_count())


def test_a_live_run_keeps_the_collector_off_what_was_loaded_before_it():
    """Full collections over everything loaded stall every thread for tens of milliseconds:
    during a live run they walk only what came after its start, and afterwards all again."""
    loaded = [object() for _ in range(1000)]  # something loaded before the run
    live, offline = _CollectorWatch(), _CollectorWatch()
    Pipeline([open_source("idle:")], [live]).run(RealtimeClock(60, 0.3))
    assert live.frozen and min(live.frozen) > len(loaded)
    assert gc.get_freeze_count() == 0
    Pipeline([open_source("idle:")], [offline]).run(OfflineClock(30, 0.3))
    assert offline.frozen and max(offline.frozen) == 0  # a render is not real-time: nothing frozen


def test_failing_sink_offline_is_dropped_and_the_rest_finish(tmp_path):
    out = tmp_path / "o.csv"
    p = Pipeline([open_source("idle:")], [_BrokenSink(), open_sink(f"csv:{out}")])
    stats = p.run(OfflineClock(30, 1.0))
    assert stats.frames == 30 and len(read_take(out)[1]) == 30


def test_sigint_during_a_live_recording_leaves_a_complete_take(tmp_path):
    out = tmp_path / "take.csv"
    script = textwrap.dedent(f"""
        import signal
        import sys
        # a Ctrl-C, even where this test runs in a background job, which starts with SIGINT ignored
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from engine.pipeline import Pipeline, RealtimeClock
        from engine.registry import open_sink, open_source
        p = Pipeline([open_source("idle:")], [open_sink({str('csv:' + str(out))!r})])
        print("running", flush=True)
        try:
            p.run(RealtimeClock(60, None))
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "running"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    assert proc.stdout.readline().strip() == "interrupted"
    assert proc.wait(10) == 0
    fps, frames = read_take(out)  # every row parses
    assert len(frames) >= 30
    assert out.read_text().endswith("\n")


def test_duration_histogram_percentiles_match_exact_ones_within_a_bin():
    from engine.pipeline import DurationHistogram

    rng = np.random.default_rng(1)
    samples = rng.lognormal(np.log(0.002), 0.5, 20000)
    h = DurationHistogram()
    for s in samples:
        h.add(s)
    for q in (50, 99):
        assert h.percentile(q) == pytest.approx(np.percentile(samples, q), rel=0.011)
    assert DurationHistogram().percentile(50) == 0.0

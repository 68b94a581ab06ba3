"""Our CSV takes: the app's file names, and what Unreal's importer makes of them."""

import numpy as np
import pytest

from engine import arkit
from engine.expressions import EXPRESSIONS
from engine.pipeline import OfflineClock, Pipeline
from engine.registry import open_sink, open_source
from engine.protocols.livelink_csv import take_filename


def unreal_import(path):
    """A reader that follows the Unreal importer's rules and nothing of ours: column 0 must be
    Timecode and column 1 BlendShapeCount, curves are found by header name, the timecode's last
    field is a frame number, and the rate is 60 if any frame number exceeds 30, else 30."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    assert header[:2] == ["Timecode", "BlendShapeCount"]
    rows = [line.split(",") for line in lines[1:]]
    stamps = []
    for row in rows:
        h, m, s, frame = row[0].split(":")
        stamps.append(((int(h) * 60 + int(m)) * 60 + int(s), float(frame)))
    fps = 60 if any(f > 30 for _, f in stamps) else 30
    times = [sec + f / fps for sec, f in stamps]
    curves = {name: [float(r[i]) for r in rows] for i, name in enumerate(header) if i >= 2}
    return times, curves


@pytest.mark.parametrize("fps", [25, 30, 50, 60, 120])
def test_takes_we_record_import_with_the_right_times_at_any_rate(tmp_path, fps):
    out = tmp_path / "take.csv"
    p = Pipeline([open_source("expression:surprised")], [open_sink(f"csv:{out}")])
    p.run(OfflineClock(fps, 1.5))
    times, curves = unreal_import(out)
    assert np.allclose(times, np.arange(len(times)) / fps, atol=1e-4)
    assert len(times) == round(1.5 * fps)
    assert curves["BrowInnerUp"][-1] == pytest.approx(EXPRESSIONS["surprised"]["browInnerUp"])
    assert curves["JawLeft"][-1] == 0.0 and len(curves) == 61
    assert set(curves) >= {arkit.pascal(n) for n in arkit.NAMES}


def test_file_names_follow_the_app():
    assert take_filename("Slate", 3, "iPhone") == "Slate_3_iPhone.csv"
    assert take_filename("Scene1", 12, "Phone2", "neutral") == "Scene1_12_Phone2_neutral.csv"
    for bad in (("a/b", 1, "x"), ("a", 1, ""), ("a", -1, "x")):
        with pytest.raises(ValueError):
            take_filename(*bad)
    with pytest.raises(ValueError, match="suffix"):
        take_filename("a", 1, "x", "calibrated")


def test_a_directory_sink_names_each_take_the_apps_way(tmp_path):
    folder = tmp_path / "takes"
    for _ in range(2):
        Pipeline([open_source("idle:")], [open_sink(f"csv:{folder}/?slate=Scene&subject=Mascot")]).run(OfflineClock(30, 0.2))
    assert sorted(p.name for p in folder.iterdir()) == ["Scene_1_Mascot.csv", "Scene_2_Mascot.csv"]
    sink = open_sink(f"csv:{folder}?take=7")  # an existing directory needs no slash
    Pipeline([open_source("idle:")], [sink]).run(OfflineClock(30, 0.2))
    assert sink.file.name == "Slate_7_iPhoneXFaceAR.csv"
    with pytest.raises(ValueError, match="subject"):
        open_sink(f"csv:{folder}/?subject=a/b")

import numpy as np
import pytest

from engine import arkit
from engine.frame import FaceFrame
from engine.protocols.livelink_csv import COLUMNS, TakeError, TakeWriter, parse_timecode, read_take
from engine.rig.transforms import quat_from_euler


def test_header_has_the_apps_two_swapped_pairs():
    assert len(COLUMNS) == 61
    i = COLUMNS.index("JawForward")
    assert COLUMNS[i : i + 4] == ["JawForward", "JawRight", "JawLeft", "JawOpen"]
    i = COLUMNS.index("MouthPucker")
    assert COLUMNS[i : i + 4] == ["MouthPucker", "MouthRight", "MouthLeft", "MouthSmileLeft"]
    assert COLUMNS[52:55] == ["HeadYaw", "HeadPitch", "HeadRoll"]


def test_timecode_last_field_is_a_fractional_frame():
    assert parse_timecode("12:27:47:47.169") == (12 * 3600 + 27 * 60 + 47, 47.169)
    with pytest.raises(ValueError):
        parse_timecode("12:27:47.169")


def test_write_then_read_round_trips_by_name(tmp_path):
    path = tmp_path / "Slate_1_iPhone.csv"
    rng = np.random.default_rng(3)
    written = []
    with TakeWriter(path, fps=60) as w:
        for k in range(90):
            f = FaceFrame(k / 60, rng.random(52, dtype=np.float32),
                          head_rotation=quat_from_euler(0.2, -0.1, 0.05), eyes=[[0.1, 0.0], [0.1, 0.0]])
            w.write(f)
            written.append(f)
    fps, frames = read_take(path)
    assert fps == 60.0  # frame numbers run past 30
    assert len(frames) == 90
    assert frames[45].t == pytest.approx(45 / 60, abs=1e-4)
    for a, b in zip(written, frames):
        assert np.allclose(a.weights, b.weights, atol=1e-6)
        assert np.allclose(a.head_rotation, b.head_rotation, atol=1e-6)
    # The swapped columns really hold their own channel.
    jl = arkit.INDEX["jawLeft"]
    header = path.read_text().splitlines()[0].split(",")
    row = path.read_text().splitlines()[1].split(",")
    assert float(row[header.index("JawLeft")]) == pytest.approx(written[0].weights[jl], abs=1e-6)


def test_thirty_fps_take_and_partial_columns(tmp_path):
    path = tmp_path / "take.csv"
    path.write_text("Timecode,BlendShapeCount,JawOpen,EyeBlinkLeft\n"
                    "00:00:01:00.000,2,0.5,0.0\n00:00:01:15.000,2,1.0,0.25\n")
    fps, frames = read_take(path)
    assert fps == 30.0
    assert frames[1].t == pytest.approx(0.5)
    assert frames[1].weight("jawOpen") == 1.0 and frames[1].weight("eyeBlinkLeft") == 0.25
    assert frames[1].mask.sum() == 2  # only the recorded channels are driven


@pytest.mark.parametrize(
    "text, where",
    [
        ("", "line 1"),
        ("Frame,JawOpen\n1,0.5\n", "line 1"),
        ("Timecode,BlendShapeCount,JawOpen\n00:00:00:01.0,1\n", "line 2"),
        ("Timecode,BlendShapeCount,JawOpen\nbad,1,0.5\n", "line 2"),
        ("Timecode,BlendShapeCount,JawOpen\n00:00:00:01.0,1,nan\n", "line 2"),
        ("Timecode,BlendShapeCount,JawOpen\n", "no frames"),
    ],
)
def test_bad_takes_name_the_line(tmp_path, text, where):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(TakeError, match=where):
        read_take(path)

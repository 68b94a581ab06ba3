"""`run.py inspect` as a user meets it: real files, a real subprocess, exit codes and JSON."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import arkit
from gltf_fixtures import FIXTURES, build_external_gltf, build_morphs, build_vrm0, edit_json

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "avatars_gltf").glob("*.glb")) + sorted((ROOT / "avatars_gltf").glob("*.vrm"))


def inspect(*args):
    return subprocess.run([sys.executable, "run.py", "inspect", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def _json(path):
    r = inspect(path, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("name, build", FIXTURES, ids=[n for n, _ in FIXTURES])
def test_json_report_has_the_documented_keys(tmp_path, name, build):
    report = _json(build(tmp_path))
    for key in ("arkit", "arkit_resolved", "morph_targets", "joints", "meshes", "warnings"):
        assert key in report
    assert set(report["arkit"]) == set(arkit.NAMES)
    assert report["arkit_resolved"] == sum(c["how"] != "missing" for c in report["arkit"].values())
    assert all(c["how"] in ("direct", "retarget", "joint", "missing") for c in report["arkit"].values())


def test_vrm0_coverage_goes_through_expressions_and_joints(tmp_path):
    report = _json(build_vrm0(tmp_path))
    assert report["vrm"] == "0.x"
    assert report["arkit"]["jawOpen"] == {"how": "retarget", "targets": ["expression:aa"]}
    assert report["arkit"]["eyeLookInLeft"]["how"] == "joint"
    assert report["face_joints"]["jaw"] == "Jaw"


def test_text_report_lists_every_channel(tmp_path):
    r = inspect(build_morphs(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "ARKit coverage" in r.stdout
    assert all(name in r.stdout for name in arkit.NAMES)


def test_sidecar_mapping_file_is_used(tmp_path):
    path = build_vrm0(tmp_path)
    (tmp_path / "avatar0.mapping.json").write_text(json.dumps({"channels": {"tongueOut": ["Fcl_MTH_A"]}}))
    assert _json(path)["arkit"]["tongueOut"] == {"how": "direct", "targets": ["Face/Fcl_MTH_A"]}


def test_refused_files_exit_2_with_the_reason_and_no_traceback(tmp_path):
    path = edit_json(build_external_gltf(tmp_path),
                     lambda d: d.update(extensionsRequired=["KHR_draco_mesh_compression"]))
    r = inspect(path)
    assert r.returncode == 2
    assert "KHR_draco_mesh_compression" in r.stderr and "Traceback" not in r.stderr
    missing = inspect(tmp_path / "nope.glb")
    assert missing.returncode == 2 and "nope.glb" in missing.stderr and "Traceback" not in missing.stderr
    bad_mapping = tmp_path / "bad.json"
    bad_mapping.write_text("{")
    r = inspect(build_vrm0(tmp_path), "--mapping", bad_mapping)
    assert r.returncode == 2 and "bad.json" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_avatar_inspects_with_full_arkit_coverage(path):
    report = _json(path)
    assert report["arkit_resolved"] == 52
    assert not report["warnings"]


def test_we_ship_an_avatar():
    assert SHIPPED, "avatars_gltf/ holds no avatar"

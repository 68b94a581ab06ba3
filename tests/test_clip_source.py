"""`clip:NAME`: the avatar's own glTF clips as a body layer (issue 18, item 4), and `inspect`
listing clips and humanoid bones. Fixtures are the code-built humanoids with a Walk, a Wave and
a Smile (morph weights) clip."""

import json
import subprocess
import sys

import numpy as np
import pytest
from humanoid_fixtures import SMILE_SECONDS, WALK_PERIOD, WAVE_SECONDS, build_humanoid, posed_world
from test_inspect import ROOT, inspect

from engine import arkit, bones
from engine.pipeline import OfflineClock, Pipeline
from engine.registry import open_source
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from gltf_fixtures import build_skinned

VARIANTS = {"mixamo_A": dict(naming="mixamo", pose="A"),
            "vroid_vrm0_T": dict(naming="vroid", pose="T", fingers=False, vrm="0.x")}  # faces -Z


@pytest.fixture(scope="module")
def rigs(tmp_path_factory) -> dict[str, Rig]:
    folder = tmp_path_factory.mktemp("clips")
    return {key: Rig(load_avatar(build_humanoid(folder, clips=True, **options))) for key, options in VARIANTS.items()}


def _at(rig: Rig, frame, bone: str) -> np.ndarray:
    """A bone's world position in the avatar's axes (+X its left, +Z its front)."""
    return rig.apply(frame).world[rig.humanoid_bones[bone], :3, 3] @ rig.facing


@pytest.mark.parametrize("key", VARIANTS)
def test_wave_raises_the_right_hand_above_the_shoulder_as_the_file_does(rigs, key):
    rig = rigs[key]
    clip = open_source("clip:Wave", rig=rig)
    mix = Pipeline([open_source("idle:"), clip], [], rig)  # over the rest pose and idle's breathing
    for t in np.linspace(0, WAVE_SECONDS * 0.95, 5):
        frame = mix.step(t)
        hand, shoulder = _at(rig, frame, "rightHand"), _at(rig, frame, "rightUpperArm")
        assert hand[1] > shoulder[1] + 0.15, (t, hand, shoulder)
        assert _at(rig, frame, "leftHand")[1] < _at(rig, frame, "leftUpperArm")[1] - 0.3  # the rest pose's
        # The clip alone poses the arm exactly as the file's own animation does.
        own = posed_world(rig.avatar, "Wave", t)[rig.humanoid_bones["rightHand"], :3, 3]
        alone = rig.apply(clip.frame_at(t)).world[rig.humanoid_bones["rightHand"], :3, 3]
        assert np.abs(alone - own).max() < 1e-4
    assert set(np.flatnonzero(clip.frame_at(0.0).bone_mask)) == {bones.INDEX[b] for b in
                                                                 ("rightUpperArm", "rightLowerArm", "rightHand")}


@pytest.mark.parametrize("key", VARIANTS)
def test_walk_swings_the_legs_forward_in_turn(rigs, key):
    rig = rigs[key]
    walk = open_source("clip:Walk?loop=true", rig=rig)
    ahead = [_at(rig, walk.frame_at(t), "leftFoot")[2] - _at(rig, walk.frame_at(t), "rightFoot")[2]
             for t in (WALK_PERIOD / 4, 3 * WALK_PERIOD / 4)]
    assert ahead[0] > 0.2 and ahead[1] < -0.2  # the left foot leads, then the right, by a stride
    assert any("translation" in w for w in walk.warnings)  # the hips' bob has no place in a frame


def test_without_loop_the_clip_lasts_its_length_and_a_run_over_it_ends(rigs):
    rig = rigs["mixamo_A"]
    once = open_source("clip:Walk", rig=rig)
    assert once.duration == pytest.approx(WALK_PERIOD)
    assert once.frame_at(WALK_PERIOD * 0.99) is not None and once.frame_at(WALK_PERIOD + 0.01) is None
    pipeline = Pipeline([open_source("idle:"), once], [], rig)
    assert pipeline.media_duration() == pytest.approx(WALK_PERIOD)
    assert pipeline.run(OfflineClock(30, pipeline.media_duration())).frames == round(WALK_PERIOD * 30)
    looped = open_source("clip:Walk?loop=true", rig=rig)
    assert looped.duration is None
    assert np.allclose(looped.frame_at(0.3 + 2 * WALK_PERIOD).bones, looped.frame_at(0.3).bones, atol=1e-6)
    assert not np.allclose(looped.frame_at(0.6).bones, looped.frame_at(0.3).bones, atol=1e-3)


def test_speed_plays_the_clip_faster_and_shortens_it(rigs):
    rig = rigs["mixamo_A"]
    normal, fast = open_source("clip:Wave", rig=rig), open_source("clip:Wave?speed=2", rig=rig)
    assert fast.duration == pytest.approx(WAVE_SECONDS / 2)
    for t in (0.1, 0.35, 0.8):
        assert np.allclose(fast.frame_at(t).bones, normal.frame_at(2 * t).bones, atol=1e-9)


def test_smile_weights_reach_the_arkit_channel_unless_a_face_layer_above_owns_it(rigs):
    rig = rigs["mixamo_A"]
    peak = SMILE_SECONDS / 2
    smile = open_source("clip:Smile", rig=rig)
    frame = smile.frame_at(peak)
    assert frame.bones is None  # a face-only clip leaves the body to the layers beneath
    assert {arkit.NAMES[i] for i in np.flatnonzero(frame.mask)} == {"mouthSmileLeft", "mouthSmileRight"}
    mixed = Pipeline([open_source("idle:"), smile], [], rig).step(peak)
    assert mixed.weight("mouthSmileLeft") == pytest.approx(1.0)
    assert mixed.mask[arkit.INDEX["eyeBlinkLeft"]]  # idle still blinks: the clip holds its blinks at 0
    over = Pipeline([open_source("idle:"), open_source("clip:Smile", rig=rig),
                     open_source("pose:?mouthSmileLeft=0.2")], [], rig).step(peak)
    assert over.weight("mouthSmileLeft") == pytest.approx(0.2) and over.weight("mouthSmileRight") == pytest.approx(1.0)
    assert rig.apply(mixed).morph_weights[1][list(rig.avatar.meshes[1].target_names).index("mouthSmileLeft")] == 1.0


def test_layer_options_apply_and_bad_uris_are_named(rigs):
    rig = rigs["mixamo_A"]
    clip = open_source("clip:Walk?priority=30&bones=legs&fade=0", rig=rig)
    assert clip.rule.priority == 30 and not clip.rule.head and clip.rule.bones.sum() == len(bones.GROUPS["legs"])
    assert open_source("clip:Wave", rig=rig).rule.priority == 1
    for uri, words in [("clip:Run", "no clip 'Run'; its clips: 'Walk', 'Wave', 'Smile'"),
                       ("clip:", "name the clip"), ("clip:Wave?speed=0", "speed must be a positive"),
                       ("clip:Wave?speed=fast", "speed: expected a number"),
                       ("clip:Wave?loop=often", "loop: expected true or false"),
                       ("clip:Wave?tempo=2", "unknown option(s) tempo")]:
        with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
            open_source(uri, rig=rig)
    with pytest.raises(ValueError, match="give an avatar"):
        open_source("clip:Wave")


def test_a_clip_on_no_humanoid_bone_is_refused_and_says_why(tmp_path):
    rig = Rig(load_avatar(build_skinned(tmp_path)))
    with pytest.raises(ValueError, match=r"clip:wave: animates no humanoid bone \(the avatar is not a humanoid: "
                                         r"missing hips.*no ARKit morph target.*rotation of 'joint1'"):
        open_source("clip:wave", rig=rig)


def test_inspect_lists_clips_and_humanoid_bones_in_text_and_json(rigs, tmp_path):
    path = rigs["vroid_vrm0_T"].avatar.path
    report = json.loads(inspect(path, "--json").stdout)
    clips = {c["name"]: c for c in report["animations"]}
    assert list(clips) == ["Walk", "Wave", "Smile"]
    assert clips["Wave"]["duration"] == pytest.approx(WAVE_SECONDS) and clips["Wave"]["channels"] == 3
    assert sorted(clips["Wave"]["bones"]) == ["rightHand", "rightLowerArm", "rightUpperArm"]
    assert clips["Smile"]["morph_channels"] == 1 and clips["Smile"]["bones"] == []
    humanoid = report["humanoid"]
    assert humanoid["is_humanoid"] and humanoid["missing_required"] == []
    assert humanoid["bones"]["leftUpperArm"] == "J_Bip_L_UpperArm"
    assert "leftIndexProximal" in humanoid["missing"] and "leftHand" not in humanoid["missing"]  # no fingers
    text = inspect(path).stdout
    assert "animation 'Wave': 2.00 s, 3 channels (3 on humanoid bones, 0 morph weights)" in text
    assert f"humanoid: {len(humanoid['bones'])}/{bones.COUNT} bones found; missing leftThumbMetacarpal" in text
    skinned = inspect(build_skinned(tmp_path)).stdout
    assert "not a humanoid: missing hips, head" in skinned


def test_render_names_the_clips_when_one_is_unknown(rigs, tmp_path):
    r = subprocess.run([sys.executable, "run.py", "render", rigs["mixamo_A"].avatar.path, "--source", "clip:Jump",
                        "-o", str(tmp_path / "x.png")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no clip 'Jump'; its clips: 'Walk', 'Wave', 'Smile'" in r.stderr
    assert not (tmp_path / "x.png").exists()

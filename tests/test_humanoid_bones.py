"""Finding humanoid bones by the names each exporter gives them, and the body in the frame contract."""

import numpy as np
import pytest

from engine import bones
from engine.frame import FaceFrame
from engine.mixer import LayerRule, Mixer
from engine.rig.asset import Avatar, Node
from engine.rig.gltf import load_avatar
from engine.rig.humanoid import find_humanoid, missing_required
from engine.rig.rig import Rig
from gltf_fixtures import build_skinned


def _skeleton(chain: list[tuple[str, str | None]]) -> Avatar:
    """An avatar of bare nodes from (name, parent name) pairs, parents first."""
    nodes: list[Node] = []
    index: dict[str, int] = {}
    for name, parent in chain:
        node = Node(name, parent=index[parent] if parent else None)
        index[name] = len(nodes)
        nodes.append(node)
        if parent:
            nodes[index[parent]].children.append(index[name])
    return Avatar("skeleton.glb", nodes, [])


def _arms(names: dict[str, str], parent: str) -> list[tuple[str, str | None]]:
    """Shoulder > upper arm > lower arm > hand > index finger, from a bone -> name table."""
    chain = []
    for side in ("left", "right"):
        up = parent
        for part in ("Shoulder", "UpperArm", "LowerArm", "Hand", "IndexProximal"):
            name = names[f"{side}{part}"]
            chain.append((name, up))
            up = name
    return chain


CONVENTIONS = {
    "mixamo": (["mixamorig:Hips", "mixamorig:Spine", "mixamorig:Spine1", "mixamorig:Spine2", "mixamorig:Neck",
                "mixamorig:Head"],
               {f"{s}{p}": f"mixamorig:{s.title()}{n}" for s in ("left", "right") for p, n in
                (("Shoulder", "Shoulder"), ("UpperArm", "Arm"), ("LowerArm", "ForeArm"), ("Hand", "Hand"),
                 ("IndexProximal", "HandIndex1"))}),
    "vroid": (["J_Bip_C_Hips", "J_Bip_C_Spine", "J_Bip_C_Chest", "J_Bip_C_UpperChest", "J_Bip_C_Neck",
               "J_Bip_C_Head"],
              {f"{s}{p}": f"J_Bip_{s[0].upper()}_{n}" for s in ("left", "right") for p, n in
               (("Shoulder", "Shoulder"), ("UpperArm", "UpperArm"), ("LowerArm", "LowerArm"), ("Hand", "Hand"),
                ("IndexProximal", "Index1"))}),
    "unreal": (["pelvis", "spine_01", "spine_02", "spine_03", "neck_01", "head"],
               {f"{s}{p}": f"{n}_{s[0]}" for s in ("left", "right") for p, n in
                (("Shoulder", "clavicle"), ("UpperArm", "upperarm"), ("LowerArm", "lowerarm"), ("Hand", "hand"),
                 ("IndexProximal", "index_01"))}),
    "character_creator": (["CC_Base_Hip", "CC_Base_Waist", "CC_Base_Spine01", "CC_Base_Spine02",
                           "CC_Base_NeckTwist01", "CC_Base_Head"],
                          {f"{s}{p}": f"CC_Base_{s[0].upper()}_{n}" for s in ("left", "right") for p, n in
                           (("Shoulder", "Clavicle"), ("UpperArm", "Upperarm"), ("LowerArm", "Forearm"),
                            ("Hand", "Hand"), ("IndexProximal", "Index1"))}),
    "blender": (["Root_Hips", "Spine_Lower", "Spine_Mid", "Spine_Upper", "Neck", "Head"],
                {f"{s}{p}": f"{n}.{s[0].upper()}" for s in ("left", "right") for p, n in
                 (("Shoulder", "shoulder"), ("UpperArm", "upper_arm"), ("LowerArm", "forearm"), ("Hand", "hand"),
                  ("IndexProximal", "f_index.01"))}),
}


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_each_exporters_names_are_found(convention):
    torso, limbs = CONVENTIONS[convention]
    chain = [(torso[0], None)] + [(name, torso[k]) for k, name in enumerate(torso[1:])]
    chain += _arms(limbs, torso[3])
    chain += [("HeadTop_End", torso[-1]), ("Body", torso[0])]
    avatar = _skeleton(chain)
    found = find_humanoid(avatar)
    named = {bone: avatar.nodes[node].name for bone, node in found.items()}
    expected = dict(zip(("hips", "spine", "chest", "upperChest", "neck", "head"), torso)) | limbs
    assert named == expected
    assert missing_required(avatar, found) == []


def test_a_long_spine_chain_puts_chest_in_the_middle_and_the_upper_chest_on_top():
    names = ["pelvis", "spine_01", "spine_02", "spine_03", "spine_04", "spine_05", "neck_01", "head"]
    avatar = _skeleton([(names[0], None)] + [(n, names[k]) for k, n in enumerate(names[1:])])
    found = find_humanoid(avatar)
    assert [avatar.nodes[found[b]].name for b in ("spine", "chest", "upperChest")] == \
        ["spine_01", "spine_03", "spine_05"]


def test_the_mapping_file_overrides_names_and_names_its_mistakes():
    torso, limbs = CONVENTIONS["mixamo"]
    chain = [(torso[0], None)] + [(n, torso[k]) for k, n in enumerate(torso[1:])] + _arms(limbs, torso[3])
    chain.append(("ArmHelper", "mixamorig:LeftShoulder"))
    avatar = _skeleton(chain)
    found = find_humanoid(avatar, {"leftUpperArm": "ArmHelper"})
    assert avatar.nodes[found["leftUpperArm"]].name == "ArmHelper"
    assert "left arm chain" in " ".join(missing_required(avatar, found))  # ArmHelper is no forearm's parent
    with pytest.raises(ValueError, match="leftElbow"):
        find_humanoid(avatar, {"leftElbow": "ArmHelper"})
    with pytest.raises(ValueError, match="NoSuchNode"):
        find_humanoid(avatar, {"leftUpperArm": "NoSuchNode"})


def test_a_rig_without_arms_is_not_a_humanoid_and_poses_exactly_as_before(tmp_path):
    avatar = load_avatar(build_skinned(tmp_path))  # a skinned rig, no arms (the mascots have them)
    rig = Rig(avatar)
    assert rig.humanoid is None and rig.rest_bones is None
    assert "leftUpperArm" in rig.humanoid_missing
    frame = FaceFrame(0.0, bones=bones.identity())  # a body pose means nothing to it
    np.testing.assert_array_equal(rig.apply(frame).world, rig.apply(FaceFrame(0.0)).world)


def test_frame_bones_must_be_unit_quaternions_with_a_matching_mask():
    q = bones.identity()
    q[bones.INDEX["leftHand"]] = [0, 0, 0, 3]
    with pytest.raises(ValueError, match="leftHand"):
        FaceFrame(0.0, bones=q)
    with pytest.raises(ValueError, match="bone_mask"):
        FaceFrame(0.0, bone_mask=np.ones(bones.COUNT, bool))
    with pytest.raises(ValueError, match="bone_mask"):
        FaceFrame(0.0, bones=bones.identity(), bone_mask=np.ones(3, bool))


def _turned(bone: str, degrees: float) -> np.ndarray:
    q = bones.identity()
    half = np.radians(degrees) / 2
    q[bones.INDEX[bone]] = [0, 0, np.sin(half), np.cos(half)]
    return q


def _angle(q: np.ndarray) -> float:
    return float(np.degrees(2 * np.arccos(np.clip(abs(q[3]), 0, 1))))


def test_the_mixer_layers_bones_by_priority_mask_and_fade():
    mixer = Mixer([LayerRule("base", priority=0, stale_after=100), LayerRule("arms", priority=10, bones=bones.bone_mask("arms"))])
    mixer.push("base", FaceFrame(0.0, bones=_turned("spine", 20)))
    arms = _turned("spine", 50)
    arms[bones.INDEX["leftUpperArm"]] = _turned("leftUpperArm", 60)[bones.INDEX["leftUpperArm"]]
    mixer.push("arms", FaceFrame(0.0, bones=arms))
    spine, arm = bones.INDEX["spine"], bones.INDEX["leftUpperArm"]
    first = mixer.mix(0.0)
    assert _angle(first.bones[spine]) == pytest.approx(20, abs=1e-6)  # the arms layer may not move the spine
    assert _angle(first.bones[arm]) == pytest.approx(60, abs=1e-6)
    assert first.bone_mask.all()
    # The arms layer goes stale after 0.5 s and fades out over 0.25 s, back to the base's arm.
    mixer.mix(0.5)
    fading = mixer.mix(0.6).bones[arm]
    gone = mixer.mix(0.9).bones[arm]
    assert 5 < _angle(fading) < 55
    assert _angle(gone) == pytest.approx(0, abs=1e-6)


def test_a_frame_without_bones_leaves_the_body_to_the_layers_beneath():
    mixer = Mixer([LayerRule("base", priority=0), LayerRule("face", priority=10)])
    mixer.push("base", FaceFrame(0.0, bones=_turned("spine", 20)))
    mixer.push("face", FaceFrame(0.0))
    out = mixer.mix(0.0)
    assert _angle(out.bones[bones.INDEX["spine"]]) == pytest.approx(20, abs=1e-6)
    assert Mixer([LayerRule("face")]).mix(0.0).bones is None

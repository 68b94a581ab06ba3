"""A real install: the wheel built from this checkout, installed into a fresh virtual
environment, driven by its console command from a folder far from the repo. Nothing it needs
(mascot, shaders, speech net weights) may come from the checkout."""

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The console command of a fresh venv holding only the wheel (dependencies are borrowed
    from this venv's site-packages through a .pth file, so nothing is downloaded)."""
    work = tmp_path_factory.mktemp("install")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(work / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((work / "dist").glob("*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True)
    return venv / "bin" / "avatar-engine", work / "elsewhere"


def _run(command, folder, *args):
    folder.mkdir(exist_ok=True)
    return subprocess.run([str(command), *args], cwd=folder, capture_output=True, text=True, timeout=300)


def test_the_installed_command_renders_the_mascot_from_anywhere(installed):
    command, folder = installed
    done = _run(command, folder, "render", "-o", "still.png", "--size", "160x120")
    assert done.returncode == 0, done.stderr
    assert (folder / "still.png").stat().st_size > 1000
    where = _run(command, folder, "inspect", "--json",
                 str(next((command.parents[1] / "lib").glob("python*/site-packages/engine/assets/avatars/mascot.glb"))))
    assert where.returncode == 0 and '"jawOpen"' in where.stdout, where.stderr
    engine_file = subprocess.run([str(command.parent / "python"), "-c", "import engine; print(engine.__file__)"],
                                 cwd=folder, capture_output=True, text=True).stdout
    assert str(ROOT) not in engine_file  # the wheel's copy ran, not the checkout


def test_the_installed_command_lip_syncs_speech_to_curves(installed):
    command, folder = installed
    if not shutil.which("flite"):
        pytest.skip("flite is not installed (make setup installs it)")
    subprocess.run(["flite", "-t", "Hello, my name is Mia.", "-o", str(folder / "speech.wav")], check=True)
    done = _run(command, folder, "render", "--audio", "speech.wav", "--curves-out", "speech.csv")
    assert done.returncode == 0, done.stderr
    lines = (folder / "speech.csv").read_text().splitlines()
    jaw = lines[0].split(",").index("JawOpen")
    assert len(lines) > 30 and max(float(line.split(",")[jaw]) for line in lines[1:]) > 0.2


def test_the_installed_engine_carries_the_stage_page_and_its_scripts(installed):
    command, _ = installed
    site = next((command.parents[1] / "lib").glob("python*/site-packages/engine/stage/web"))
    for name in ("index.html", "viewer.js", "control.html", "vendor/three/build/three.module.js",
                 "vendor/three/build/three.core.js", "vendor/three-vrm/three-vrm.module.min.js"):
        assert (site / name).stat().st_size > 100, name

"""A real capture device where there is no sound card: a private PulseAudio daemon whose null
sink's monitor PortAudio opens as an input, and real speech to play into it."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# Real speech with b/m closures, a prompt held out of the net's training (data/real.py): "sorry
# but the user's mail box can't accept more messages", 4.1 s, 8 kHz. Where the asterisk prompts
# are not installed, flite says something like it.
SPEECH_WAV = Path("/usr/share/asterisk/sounds/en_US_f_Allison/vm-mailboxfull.wav")
FLITE_TEXT = "Sorry, but Bob's mailbox cannot accept more messages."


def speech_wav(folder: Path) -> Path:
    if SPEECH_WAV.exists():
        return SPEECH_WAV
    if shutil.which("flite") is None:
        pytest.skip(f"neither {SPEECH_WAV} nor flite is installed")
    subprocess.run(["flite", "-t", FLITE_TEXT, "-o", str(folder / "speech.wav")], check=True)
    return folder / "speech.wav"


@pytest.fixture
def pulse_mic(monkeypatch):
    """A private PulseAudio daemon with one null sink whose monitor is the default source: what
    is played into the sink comes back out of PortAudio's `pulse` input device. Yields the
    environment for its clients (paplay); the daemon is killed afterwards."""
    if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
        pytest.skip("no PulseAudio here: apt-get install pulseaudio pulseaudio-utils libasound2-plugins")
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:
        pytest.skip(f"no sounddevice or PortAudio ({exc}): pip install 'arkit-avatar-engine[mic]', apt-get install libportaudio2")
    home = Path(tempfile.mkdtemp(prefix="engine-pulse-"))  # short: a unix socket's path has ~107 bytes
    server = f"unix:{home / 'native'}"
    (home / "default.pa").write_text(
        "load-module module-null-sink sink_name=engine_test rate=48000 channels=1\n"
        f"load-module module-native-protocol-unix auth-anonymous=1 socket={home / 'native'}\n"
        "set-default-sink engine_test\n"
        "set-default-source engine_test.monitor\n")
    private = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home), "XDG_CONFIG_HOME": str(home),
               "PULSE_RUNTIME_PATH": str(home / "runtime"), "PULSE_STATE_PATH": str(home / "state")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")} | private
    clients = os.environ | {"PULSE_SERVER": server, "PULSE_COOKIE": str(home / "cookie")}
    with open(home / "log", "w") as log:  # -n: no system default.pa; runs as root as well
        daemon = subprocess.Popen(["pulseaudio", "-n", "-F", str(home / "default.pa"), "--daemonize=no",
                                   "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
                                   "--log-target=stderr"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["pactl", "info"], env=clients, capture_output=True).returncode:
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"PulseAudio did not start: {(home / 'log').read_text()[-400:]}")
            time.sleep(0.1)
        # The ALSA pulse plugin finds the daemon by PULSE_SERVER; PortAudio lists its devices when
        # initialised (at sounddevice's import), so it is initialised again to see this one.
        monkeypatch.setenv("PULSE_SERVER", clients["PULSE_SERVER"])
        monkeypatch.setenv("PULSE_COOKIE", clients["PULSE_COOKIE"])
        sd._terminate()
        sd._initialize()
        yield clients
    finally:
        daemon.terminate()
        try:
            daemon.wait(5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        monkeypatch.undo()
        sd._terminate()
        sd._initialize()
        shutil.rmtree(home, ignore_errors=True)

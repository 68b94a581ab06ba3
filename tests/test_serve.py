"""The stage (`run.py serve`) over real sockets: its binary messages, the control API and its
token and limits, the viewers' WebSocket, speech that queues and cuts in, and bad input that
is answered with an error while the stage plays on. (The page in a browser: test_serve_browser.py.)"""

import json
import time

import numpy as np
import pytest

from engine import arkit, bones
from engine.commands.serve import is_loopback
from engine.frame import FaceFrame
from engine.protocols.errors import PacketError
from engine.protocols.stage import (
    AUDIO,
    CUT,
    FRAME,
    decode_audio,
    decode_cut,
    decode_frame,
    encode_audio,
    encode_cut,
    encode_frame,
)
from engine.stage.say import trim_leading_silence

pytest.importorskip("fastapi")
websockets = pytest.importorskip("websockets.sync.client")
from websockets.exceptions import ConnectionClosed  # noqa: E402
from bench.stage_server import call, stage  # noqa: E402

TOKEN = "s3cret"
JAW = arkit.INDEX["jawOpen"]


def test_a_frame_round_trips_with_its_pose():
    w = np.zeros(arkit.COUNT, np.float32)
    w[JAW] = 0.75
    body = np.tile([0.0, 0.0, 0.0, 1.0], (bones.COUNT, 1))
    frame = FaceFrame(2.5, w, head_rotation=[0.0, 0.3826834, 0.0, 0.9238795], head_position=[0.0, 0.01, 0.0],
                      eyes=[[0.1, -0.2], [0.1, -0.2]], bones=body)
    nodes = np.arange(14, dtype=np.float32).reshape(2, 7)
    got = decode_frame(encode_frame(frame, np.array([0.5, 0.25], np.float32), nodes))
    assert got.face.t == 2.5 and got.face.weights[JAW] == pytest.approx(0.75)
    assert np.allclose(got.face.head_rotation, frame.head_rotation, atol=1e-6)
    assert np.allclose(got.face.head_position, [0, 0.01, 0]) and np.allclose(got.face.eyes, frame.eyes)
    assert got.face.bones.shape == (bones.COUNT, 4)
    assert np.allclose(got.morphs, [0.5, 0.25]) and np.array_equal(got.nodes, nodes)
    bare = decode_frame(encode_frame(FaceFrame(0.0), np.zeros(0, np.float32), np.zeros((0, 7))))
    assert bare.face.head_position is None and bare.face.eyes is None and bare.face.bones is None


def test_audio_and_cut_round_trip_and_broken_messages_are_refused():
    samples = np.sin(np.linspace(0, 20, 800)).astype(np.float32) * 0.5
    t, rate, back = decode_audio(encode_audio(1.25, 22050, samples))
    assert (t, rate) == (1.25, 22050) and np.allclose(back, samples, atol=1e-4)
    assert decode_cut(encode_cut(3.5)) == 3.5
    message = encode_frame(FaceFrame(0.0), np.zeros(3, np.float32), np.zeros((1, 7)))
    with pytest.raises(PacketError, match="does not hold"):
        decode_frame(message[:-4])
    with pytest.raises(PacketError):
        decode_audio(encode_cut(1.0))


def test_leading_silence_is_trimmed_to_a_few_milliseconds():
    rate = 16000
    audio = np.concatenate([np.zeros(rate // 2), np.ones(rate // 10) * 0.5]).astype(np.float32)
    trimmed = trim_leading_silence(audio, rate)
    assert len(trimmed) == pytest.approx(rate // 10 + 0.03 * rate, abs=2)
    assert np.array_equal(trim_leading_silence(np.zeros(10, np.float32), rate), np.zeros(10))


def test_only_loopback_hosts_go_without_a_token():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")


@pytest.fixture(scope="module")
def server():
    with stage("--token", TOKEN, "--max-viewers", "3", "--max-text", "200", "--no-idle", "--source", "pose:") as url:
        yield url


def _frames(ws, count: int, timeout: float = 10.0):
    """The next `count` decoded FRAMEs (other messages skipped)."""
    out, deadline = [], time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        message = ws.recv(timeout=timeout)
        if isinstance(message, bytes) and message[0] == FRAME:
            out.append(decode_frame(message))
    return out


def test_control_needs_the_token_and_says_so(server):
    status, answer = call(server + "/status")
    assert status == 401 and "token" in answer["detail"]
    status, answer = call(server + "/status", token="wrong")
    assert status == 403 and "wrong token" in answer["detail"]
    status, answer = call(server + "/say", "POST", {"text": "hello"})
    assert status == 401
    status, answer = call(server + "/status", token=TOKEN)
    assert status == 200 and answer["fps"] == 60 and "say" in answer["sources"]
    status, answer = call(server + f"/status?token={TOKEN}")
    assert status == 200


def test_the_control_page_is_behind_the_token(server):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server + "/control", timeout=10)
    assert refused.value.code == 401
    page = urllib.request.urlopen(server + f"/control?token={TOKEN}", timeout=10).read().decode()
    assert "control.js" in page


def test_the_openapi_schema_documents_the_control_endpoints(server):
    status, schema = call(server + "/openapi.json")
    assert status == 200
    assert {"/say", "/expression", "/look", "/status"} <= set(schema["paths"])
    assert "interrupt" in json.dumps(schema["paths"]["/say"])


def test_a_viewer_gets_the_hello_then_frames_at_60_hz(server):
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        hello = json.loads(ws.recv(timeout=10))
        assert hello["type"] == "hello" and hello["avatar"] == "/avatar" and len(hello["arkit"]) == arkit.COUNT
        assert set(hello["boxes"]) == {"head", "bust", "full", "everything"}
        frames = _frames(ws, 61)
    assert len(frames) == 61
    assert len(frames[0].morphs) == sum(hello["morph_counts"]) and len(frames[0].nodes) == len(hello["nodes"])
    span = frames[-1].face.t - frames[0].face.t
    assert span == pytest.approx(1.0, abs=0.12)  # 60 frames a second on the pipeline clock


def test_say_moves_the_mouth_and_sends_its_audio_ahead_of_it(server):
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        ws.recv(timeout=10)  # hello
        status, answer = call(server + "/say", "POST", {"text": "Hello, and welcome to Riverton!"}, token=TOKEN)
        assert status == 200, answer
        assert answer["duration"] > 1.0 and answer["voice"] and 0 <= answer["starts_in"] <= 0.2
        audio, opened, deadline = [], None, time.monotonic() + answer["duration"] + 5
        while time.monotonic() < deadline and opened is None:
            message = ws.recv(timeout=5)
            if message[0] == AUDIO:
                audio.append(decode_audio(message))
            elif message[0] == FRAME and (frame := decode_frame(message)).face.weights[JAW] > 0.2:
                opened = frame.face.t
    assert opened is not None, "the mouth never opened"
    assert audio and audio[0][0] <= opened  # the page has the audio before the mouth says it
    assert sum(len(a[2]) / a[1] for a in audio) == pytest.approx(answer["duration"], abs=0.01)


def test_a_second_say_queues_and_an_interrupting_one_cuts_in(server):
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        ws.recv(timeout=10)
        _, first = call(server + "/say?interrupt=1", "POST", {"text": "One, two, three, four, five, six."}, token=TOKEN)
        _, second = call(server + "/say", "POST", {"text": "Seven."}, token=TOKEN)
        assert second["queued"] == 2 and second["starts_in"] >= first["duration"] - 1.0
        _, third = call(server + "/say?interrupt=1", "POST", {"text": "Stop!"}, token=TOKEN)
        assert third["queued"] == 1 and third["starts_in"] <= 0.2
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            message = ws.recv(timeout=5)
            if message[0] == CUT:
                break
        else:
            pytest.fail("no CUT message reached the viewer")


def test_bad_requests_get_clear_errors_and_the_stage_plays_on(server):
    say = server + "/say"
    status, answer = call(say, "POST", {"text": "x" * 201}, token=TOKEN)
    assert status == 413 and "201 characters" in answer["detail"] and "200" in answer["detail"]
    status, answer = call(say, "POST", {"text": "hi", "voice": "nobody:x"}, token=TOKEN)
    assert status == 400 and "unknown engine 'nobody'" in answer["detail"]
    status, answer = call(say, "POST", {"text": "hi", "lang": "fr"}, token=TOKEN)
    assert status == 422 and "lang" in answer["detail"]
    status, answer = call(say, "POST", b"{not json", token=TOKEN)
    assert status == 422
    status, answer = call(say, "POST", json.dumps({"text": "y" * 40000}).encode(), token=TOKEN)
    assert status == 413 and "bytes" in answer["detail"]
    status, answer = call(server + "/expression", "POST", {"name": "grumpy"}, token=TOKEN)
    assert status == 400 and "happy" in answer["detail"]
    status, answer = call(server + "/expression", "POST", {"name": "happy", "intensity": 3}, token=TOKEN)
    assert status == 422 and "intensity" in answer["detail"]
    status, answer = call(server + "/look", "POST", {"direction": "behind"}, token=TOKEN)
    assert status == 422 and "direction" in answer["detail"]
    status, answer = call(server + "/status", token=TOKEN)
    assert status == 200
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        ws.recv(timeout=10)
        assert len(_frames(ws, 5)) == 5


def test_expression_and_look_hold_until_changed(server):
    assert call(server + "/expression", "POST", {"name": "happy", "intensity": 0.8}, token=TOKEN)[0] == 200
    assert call(server + "/look", "POST", {"direction": "left"}, token=TOKEN)[0] == 200
    time.sleep(0.6)  # the layers fade in over 0.3 s
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        ws.recv(timeout=10)
        face = _frames(ws, 1)[0].face
    assert face.weights[arkit.INDEX["mouthSmileLeft"]] > 0.3
    assert face.eyes[0][0] < -0.1  # the viewer's left is the avatar's right: negative yaw
    _, status = call(server + "/status", token=TOKEN)
    assert status["expression"] == "happy" and status["look"] == "left"
    call(server + "/expression", "POST", {"name": "neutral"}, token=TOKEN)
    call(server + "/look", "POST", {"direction": "camera"}, token=TOKEN)


def test_malformed_viewer_messages_are_answered_and_the_viewer_stays(server):
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        ws.recv(timeout=10)
        for bad in ("not json", json.dumps({"type": "say", "text": "hi"}), b"\x00\x01"):
            ws.send(bad)
            deadline = time.monotonic() + 5
            while True:
                message = ws.recv(timeout=5)
                if isinstance(message, str):
                    error = json.loads(message)
                    break
                assert time.monotonic() < deadline
            assert error["type"] == "error" and error["error"]
        ws.send(json.dumps({"type": "ping", "id": 7}))
        while isinstance(message := ws.recv(timeout=5), bytes):
            pass
        assert json.loads(message)["type"] == "pong" and json.loads(message)["id"] == 7
        assert len(_frames(ws, 3)) == 3


def test_viewers_past_the_limit_are_told_why_and_one_leaving_mid_speech_harms_nobody(server):
    url = server.replace("http", "ws") + "/ws"
    with websockets.connect(url) as a, websockets.connect(url) as b, websockets.connect(url) as c:
        for ws in (a, b, c):
            ws.recv(timeout=10)
        with websockets.connect(url) as extra:
            with pytest.raises(ConnectionClosed) as closed:
                extra.recv(timeout=10)
        assert closed.value.rcvd.code == 1013 and "3 viewers" in closed.value.rcvd.reason
        call(server + "/say", "POST", {"text": "Goodbye to one of you."}, token=TOKEN)
        c.close()  # leaves mid-speech
        assert len(_frames(a, 30)) == 30 and len(_frames(b, 30)) == 30
    deadline = time.monotonic() + 5
    while call(server + "/status", token=TOKEN)[1]["viewers"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert call(server + "/status", token=TOKEN)[1]["viewers"] == 0

"""The stage (`run.py serve`) over real sockets: its binary messages, the control API and its
token and limits, the viewers' WebSocket, speech that starts with its first clause and queues
and cuts in, an `audio:` file's and a microphone's sound (a private PulseAudio daemon's) sent
in step with their mouth, and bad input that is answered with an error while the stage plays
on. (The page in a browser: test_serve_browser.py.)"""

import json
import subprocess
import time

import numpy as np
import pytest
from scipy.signal import correlate, resample_poly

from engine import arkit, bones
from engine.commands.serve import is_loopback
from engine.frame import FaceFrame
from engine.protocols.errors import PacketError
from engine.protocols.stage import (
    AUDIO,
    CUT,
    FRAME,
    SAY_STREAM,
    decode_audio,
    decode_cut,
    decode_frame,
    encode_audio,
    encode_cut,
    encode_frame,
)
from engine.speech.audio_file import read_audio
from engine.speech.features import FRAME_RATE, SAMPLE_RATE
from engine.speech.runtime import load
from engine.speech.stream import infer
from engine.stage.say import parts, trim_leading_silence
from engine.stage.sound import MIC_DRIFT, MicChunks

pytest.importorskip("fastapi")
websockets = pytest.importorskip("websockets.sync.client")
from websockets.exceptions import ConnectionClosed  # noqa: E402
from bench.stage_server import call, stage  # noqa: E402
from pulse_mic import pulse_mic, speech_wav  # noqa: E402, F401 (pulse_mic: fixture)

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
    t, rate, back, stream = decode_audio(encode_audio(1.25, 22050, samples))
    assert (t, rate, stream) == (1.25, 22050, SAY_STREAM) and np.allclose(back, samples, atol=1e-4)
    assert decode_audio(encode_audio(0.5, 16000, samples, stream=2)).stream == 2
    assert decode_cut(encode_cut(3.5)) == (3.5, SAY_STREAM)
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


def test_say_is_given_to_the_voice_first_clause_first_then_sentence_by_sentence():
    assert parts("Hello, and welcome to the city hall. We are glad!  Come in", "en") == [
        "Hello,", "and welcome to the city hall.", "We are glad!", "Come in"]
    assert parts("大家好，欢迎来到河湾市。请进！", "zh") == ["大家好，", "欢迎来到河湾市。", "请进！"]
    assert parts("Hi there", "en") == ["Hi there"]
    assert parts("Stop! ?! Go.", "en") == ["Stop! ?!", "Go."]  # nothing without a word is said alone


def test_a_microphone_is_sent_in_chunks_laid_end_to_end_and_moved_only_when_its_stamps_drift():
    sent = []
    chunks = MicChunks(lambda stream, start, end, message: sent.append((start, end, decode_audio(message))), stream=1)
    rate, block = 48000, np.full(480, 0.25, np.float32)  # 10 ms blocks
    wobble = np.random.default_rng(0).uniform(-0.01, 0.01, 200)
    wobble[0] = 0.0
    for k in range(100):  # stamps that wobble around where the blocks follow on
        chunks(1.0 + k * 0.01 + wobble[k], rate, block)
    assert all(a.stream == 1 and a.rate == rate for *_, a in sent)
    assert sent[0][0] == pytest.approx(1.0 + wobble[0])
    for (_, end, _), (start, _, _) in zip(sent, sent[1:]):
        assert start == pytest.approx(end, abs=1e-9)  # no seam while the stamps agree
    assert sum(len(a.samples) for *_, a in sent) == 100 * 480  # in 40 ms chunks
    laid = sent[-1][1]
    for k in range(100, 200):  # the stamps settle 20 ms later (the device's clock, a busier machine)
        chunks(1.02 + k * 0.01 + wobble[k] / 10, rate, block)
    moved = [(start - end) for (_, end, _), (start, _, _) in zip(sent, sent[1:]) if start > laid]
    assert sum(abs(m) > 1e-6 for m in moved) >= 1  # the run was moved to follow them...
    assert sent[-1][1] == pytest.approx(1.02 + 200 * 0.01, abs=MIC_DRIFT + 0.002)  # ...and ends where they say
    chunks(9.0, rate, block)  # a stall: starts afresh where the stamp says
    chunks(9.01, rate, block)
    chunks(9.02, rate, block)
    chunks(9.03, rate, block)
    assert sent[-1][0] == 9.0 and len(sent[-1][2].samples) == 4 * 480
    for k in range(12):  # stamps 80 ms earlier: what would lie over the audio sent is skipped
        chunks(8.96 + k * 0.01, rate, block)
    for (_, end, _), (start, _, _) in zip(sent, sent[1:]):
        assert start >= end - 1e-9
    assert sent[-1][:2] == pytest.approx((9.04, 9.08))


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


def test_a_viewer_gets_the_hello_then_frames_on_the_60_hz_ticks(server):
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        hello = json.loads(ws.recv(timeout=10))
        assert hello["type"] == "hello" and hello["avatar"] == "/avatar" and len(hello["arkit"]) == arkit.COUNT
        assert set(hello["boxes"]) == {"head", "bust", "full", "everything"}
        frames = _frames(ws, 61)
    assert len(frames) == 61
    assert len(frames[0].morphs) == sum(hello["morph_counts"]) and len(frames[0].nodes) == len(hello["nodes"])
    # Each a later tick of the 60 Hz clock than the one before, none sent twice. A late tick is
    # skipped by the pipeline and a slow viewer skips frames, by design: how many arrive a second
    # is bench stage's to measure, not a test's.
    ticks = np.diff([f.face.t for f in frames]) * 60
    assert np.all(ticks >= 1 - 1e-6) and np.allclose(ticks, np.round(ticks), atol=1e-6), ticks


def test_the_stage_sends_its_messages_uncompressed(server):
    """Deflating every frame and audio chunk once per viewer cost the event loop tens of
    milliseconds a spoken part: ten viewers lost 60 Hz while the stage spoke."""
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:  # offers permessage-deflate
        assert "permessage-deflate" not in (ws.response.headers.get("Sec-WebSocket-Extensions") or "")
        assert ws.protocol.extensions == []


def _say_audio(ws, until: float) -> tuple[list, float | None]:
    """The speech's AUDIO messages that reach a viewer, and the pipeline time of the first
    FRAME with the mouth open, until the frames pass pipeline time `until`."""
    audio, opened, t = [], None, -1.0
    while t < until:
        message = ws.recv(timeout=10)
        if message[0] == AUDIO:
            audio.append(decode_audio(message))
        elif message[0] == FRAME:
            frame = decode_frame(message)
            t = frame.face.t
            if opened is None and frame.face.weights[JAW] > 0.2:
                opened = t
    return audio, opened


def test_say_moves_the_mouth_and_sends_its_audio_ahead_of_it(server):
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        ws.recv(timeout=10)  # hello
        status, answer = call(server + "/say", "POST", {"text": "Hello, and welcome to Riverton!"}, token=TOKEN)
        assert status == 200, answer
        assert answer["duration"] > 0.3 and answer["voice"] and 0 <= answer["starts_in"] <= 0.2
        speaking = _status_until_complete(server)
        now = _frames(ws, 1)[0].face.t
        audio, opened = _say_audio(ws, until=now + answer["starts_in"] + speaking["duration"] + 0.1)
    assert opened is not None, "the mouth never opened"
    assert audio and audio[0].t <= opened  # the page has the audio before the mouth says it
    assert all(a.stream == SAY_STREAM for a in audio)
    _assert_in_order_and_whole(audio, speaking["duration"])


def _assert_in_order_and_whole(audio, duration: float) -> None:
    """The speech's chunks follow one another without overlapping (a part synthesized late
    leaves a pause) and span the utterance's duration."""
    for a, b in zip(audio, audio[1:]):
        assert b.t >= a.t + len(a.samples) / a.rate - 1e-6
    end = audio[-1].t + len(audio[-1].samples) / audio[-1].rate
    assert end - audio[0].t == pytest.approx(duration, abs=0.01)


def _status_until_complete(server) -> dict:
    """/status's entry for the utterance being spoken, once all of it is queued."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        speaking = call(server + "/status", token=TOKEN)[1]["speaking"]
        if speaking and all(u["complete"] for u in speaking):
            return speaking[-1]
        time.sleep(0.05)
    raise AssertionError("the speech was never all queued")


def test_a_long_say_returns_once_its_first_part_is_queued_and_the_rest_follows_on(server):
    text = ("Good evening. Tonight the library stays open until ten. The cafe on the ground floor "
            "serves soup and bread. The lifts are on the left, past the reading room. Enjoy your visit!")
    with websockets.connect(server.replace("http", "ws") + "/ws") as ws:
        ws.recv(timeout=10)
        status, answer = call(server + "/say?interrupt=1", "POST", {"text": text}, token=TOKEN)
        assert status == 200, answer
        # returned with "Good evening." queued, while the four sentences after it are synthesized
        assert answer["complete"] is False and 0.3 < answer["duration"] < 2.0
        whole = _status_until_complete(server)
        assert whole["duration"] > answer["duration"] + 5.0
        now = _frames(ws, 1)[0].face.t
        audio, opened = _say_audio(ws, until=now + whole["duration"])
    assert opened is not None
    _assert_in_order_and_whole(audio, whole["duration"])


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
                assert decode_cut(message)[1] == SAY_STREAM  # the speech's own stream, not a source's
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


def test_an_audio_file_source_is_heard_on_the_page_in_step_with_its_mouth(tmp_path):
    wav = speech_wav(tmp_path)
    clip = read_audio(wav)
    start, seconds = 3.0, len(clip) / SAMPLE_RATE
    with stage("--no-idle", "--source", f"audio:{wav}?start={start}") as url:
        with websockets.connect(url.replace("http", "ws") + "/ws") as ws:
            ws.recv(timeout=10)
            audio, opened = _say_audio(ws, until=start + seconds + 0.2)
    assert audio, "the file's sound never reached the viewer"
    assert all(a.stream != SAY_STREAM and a.rate == SAMPLE_RATE for a in audio)
    # its samples, each where the file has it on the pipeline clock, to its end
    first = round((audio[0].t - start) * SAMPLE_RATE)
    for a, b in zip(audio, audio[1:]):
        assert b.t == pytest.approx(a.t + len(a.samples) / SAMPLE_RATE, abs=1e-9)
    heard = np.concatenate([a.samples for a in audio])
    assert first + len(heard) == len(clip)
    np.testing.assert_allclose(heard, clip[first:], atol=2 / 32767)
    assert opened is not None and start <= opened <= start + seconds  # the mouth moves with it, not before


def _envelope_lag(t0, samples, rate, jaw_times, jaw) -> float:
    """Seconds by which the jaw's opening trails the audio's loudness: the lag, within +-0.3 s,
    that best correlates the 10 ms RMS envelope of `samples` (the first heard at t0) with the jaw."""
    hop = int(rate // FRAME_RATE)
    rms = np.sqrt(np.mean(samples[: len(samples) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    grid = t0 + np.arange(len(rms)) / FRAME_RATE
    shown = np.interp(grid, jaw_times, jaw)
    lags = np.arange(-30, 31)  # 10 ms steps
    score = [np.corrcoef(rms[max(0, -k): len(rms) - max(0, k)], shown[max(0, k): len(shown) - max(0, -k)])[0, 1]
             for k in lags]
    return lags[int(np.argmax(score))] / FRAME_RATE


def test_a_microphone_is_heard_on_the_page_in_step_with_its_mouth(pulse_mic, tmp_path):
    wav = speech_wav(tmp_path)
    clip = read_audio(wav)
    player, audio, faces, speech = None, [], [], None
    with stage("--no-idle", "--source", "mic:pulse") as url:
        with websockets.connect(url.replace("http", "ws") + "/ws") as ws:
            ws.recv(timeout=10)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                message = ws.recv(timeout=10)
                if message[0] == AUDIO:
                    audio.append(decode_audio(message))
                    if player is None:  # the device delivers: play the speech into it
                        player = subprocess.Popen(["paplay", str(wav)], env=pulse_mic)
                    if speech is None and np.abs(audio[-1].samples).max() > 0.05:
                        speech = audio[-1].t  # it comes back
                elif message[0] == FRAME:
                    frame = decode_frame(message)
                    faces.append((frame.face.t, frame.face.weights[JAW]))
                    if speech is not None and frame.face.t > speech + len(clip) / SAMPLE_RATE + 0.5:
                        break
    assert player is not None and player.wait(10) == 0 and speech is not None, "no sound came from the microphone"
    assert all(a.stream != SAY_STREAM for a in audio)
    rate = audio[0].rate
    # the chunks as stamped: one after another, never over each other
    starts = np.array([a.t for a in audio])
    ends = starts + [len(a.samples) / rate for a in audio]
    assert np.all(starts[1:] >= ends[:-1] - 1e-6)
    heard = np.zeros(round((ends[-1] - starts[0]) * rate) + 1, np.float32)  # as the page lays them out
    for a in audio:
        at = round((a.t - starts[0]) * rate)
        heard[at : at + len(a.samples)] = a.samples[: len(heard) - at]
    # what was played came back: some loud half second of it is a half second of the clip (on a
    # starved machine the mic drops its oldest queued audio when the net falls behind, and the
    # sound server may underrun, so what came back may skip; on CI the loudest second matched
    # only 0.68, most likely across such a skip)
    back = resample_poly(np.concatenate([a.samples for a in audio]), SAMPLE_RATE, rate)
    window = SAMPLE_RATE // 2
    clip_norms = np.sqrt(np.convolve(clip ** 2, np.ones(window), mode="valid"))
    pieces = [back[i : i + window] for i in range(0, len(back) - window, window // 5)]
    norms = [np.linalg.norm(piece) for piece in pieces]
    loud = max(norms)
    best = max((correlate(clip, piece, mode="valid") / (norm * clip_norms + 1e-9)).max()
               for piece, norm in zip(pieces, norms) if norm > 0.3 * loud)
    assert best > 0.9, best
    # and the mouth shows it when the page plays it: the jaw trails the loudness of the audio as
    # stamped by about as much as it trails the clip's own loudness offline (measured here: 20-30
    # ms against 10 ms; the microphone's face moves in ~20 ms bursts and waits for the next tick;
    # unstamped, it would be 80 ms, the net's lookahead)
    jaw_times, jaw = np.array(faces).T
    on_stage = _envelope_lag(starts[0], heard, rate, jaw_times, jaw)
    offline_jaw = infer(clip, load())[:, JAW]
    offline = _envelope_lag(0.0, clip, SAMPLE_RATE, np.arange(len(offline_jaw)) / FRAME_RATE, offline_jaw)
    assert abs(on_stage - offline) <= 0.04, (on_stage, offline)

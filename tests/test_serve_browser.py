"""The stage's viewer page in a real browser: Debian's chromium, headless, WebGL through
SwiftShader, driven by Playwright (which launches that chromium, never one of its own)."""

import io
import os
import time

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api")
from bench.stage_server import CHROMIUM, CHROMIUM_ARGS, call, free_port, stage  # noqa: E402

if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (make setup installs it)", allow_module_level=True)

TOKEN = "t0ken"
SIZE = {"width": 400, "height": 300}
BACKGROUND = (0x20, 0x40, 0x60)


@pytest.fixture(scope="module")
def server():
    # No idle motion: the face is still unless speech moves it.
    with stage("--token", TOKEN, "--no-idle", "--source", "pose:") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, url):
    page = browser.new_page(viewport=SIZE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    page.wait_for_function("window.stage && stage.loaded && stage.drawn > 2", timeout=90_000)
    return page, problems


def shot(page, **kw) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.screenshot(**kw))).convert("RGBA")).astype(int)


def test_the_page_draws_the_avatar_with_no_console_error(server, browser, tmp_path):
    page, problems = open_page(browser, server + "/?background=%23204060&framing=bust")
    pixels = shot(page)
    Image.fromarray(pixels.astype(np.uint8)).save(tmp_path / "viewer.png")
    background = np.all(np.abs(pixels[..., :3] - BACKGROUND) <= 3, axis=-1)
    assert background[0, 0] and background[-1, -1]  # the corners show the background asked for
    assert 0.15 < 1 - background.mean() < 0.9, "the avatar should fill part of the frame"
    assert problems == []
    page.close()


def test_say_visibly_moves_the_mouth(server, browser, tmp_path):
    page, problems = open_page(browser, server + "/?framing=head")
    rest = shot(page)
    # a few seconds of open vowels, so the mouth is open through more of the shots below
    text = "Ah, hello! What a wonderful, wonderful day. Aha, all of us are here at last, and all of us are happy!"
    status, answer = call(server + "/say", "POST", {"text": text}, token=TOKEN)
    assert status == 200, answer
    # A loaded machine draws SwiftShader frames a second or more apart: shots are taken until
    # one catches the mouth open, for as long as the speech lasts, plus slack.
    page.wait_for_function("stage.jawOpen > 0.25", timeout=answer["duration"] * 1000 + 30_000)
    h, w = rest.shape[:2]
    deadline = time.monotonic() + answer["duration"] + 10
    best = (0.0, 1.0)
    while time.monotonic() < deadline:
        speaking = shot(page)
        change = np.abs(speaking[..., :3] - rest[..., :3]).sum(-1) > 30
        mouth = change[int(h * 0.55) : int(h * 0.9), int(w * 0.35) : int(w * 0.65)].mean()
        eyes_up = change[: int(h * 0.4)].mean()
        if mouth > best[0]:
            best = (mouth, eyes_up)
            Image.fromarray(speaking.astype(np.uint8)).save(tmp_path / "speaking.png")
        if mouth > 0.02 and mouth > 5 * eyes_up:
            break
    mouth, eyes_up = best
    assert mouth > 0.02 and mouth > 5 * eyes_up, (mouth, eyes_up)
    assert problems == []
    page.close()


def test_the_face_keeps_to_the_audio_clock_while_speech_plays(server, browser):
    page, problems = open_page(browser, server + "/?framing=head")
    page.evaluate("() => { window.trace = []; }")
    status, answer = call(server + "/say", "POST", {"text": "Hello, and welcome to Riverton!"}, token=TOKEN)
    assert status == 200, answer
    # Polled at each animation frame: the page's clock, the face's pipeline time and the audio's
    # at the speaker, from before the speech is heard until it is over and the wall clock is back.
    page.wait_for_function(
        """() => {
            trace.push([stage.clock, stage.face, stage.heard]);
            return trace.some(([clock, , heard]) => clock === 'audio' && heard !== null) && stage.clock === 'wall';
        }""",
        polling="raf",
        timeout=answer["duration"] * 1000 + 60_000,
    )
    trace = page.evaluate("trace")
    heard = [(face, audio) for clock, face, audio in trace if audio is not None]
    assert heard and all(clock == "audio" for clock, _, audio in trace if audio is not None)
    # the mouth shows the very instant the speaker plays, not an estimate of it
    assert np.allclose(*zip(*heard), rtol=0, atol=1e-6), heard
    assert problems == []
    page.close()


def test_transparent_leaves_alpha_zero_around_the_avatar(server, browser):
    page, problems = open_page(browser, server + "/?transparent=1")
    alpha = shot(page, omit_background=True)[..., 3]
    assert alpha[0, 0] == 0 and alpha[-1, -1] == 0 and alpha[0, -1] == 0
    assert (alpha == 0).mean() > 0.3 and (alpha == 255).mean() > 0.1
    assert problems == []
    page.close()


def test_the_operator_page_makes_the_avatar_speak(server, browser):
    page = browser.new_page(viewport={"width": 900, "height": 500})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(server + f"/control?token={TOKEN}")
    page.wait_for_function("document.getElementById('expression').options.length > 3", timeout=30_000)
    page.fill("#text", "Good morning, everyone.")
    page.click("#say")
    # /say answers once its first clause is synthesized: seconds on a loaded machine
    page.wait_for_function("document.getElementById('said').textContent.includes('queued \"Good morning')",
                           timeout=90_000)
    assert "starts in" in page.text_content("#said")
    assert page.text_content("#error") == "" and problems == []
    page.close()


@pytest.mark.slow
def test_the_page_reconnects_when_the_server_restarts(browser):
    port = free_port()
    with stage(port=port) as url:
        page, _ = open_page(browser, url)
    page.wait_for_function("!stage.connected", timeout=10_000)
    with stage(port=port):
        before = page.evaluate("stage.frames")
        page.wait_for_function(f"stage.connected && stage.frames > {before + 30}", timeout=60_000)
    page.close()

"""HeadAudio, the eval's real-time peer, in the browser it was written for: Debian's chromium,
headless, its AudioWorklet in an OfflineAudioContext, driven by Playwright. Its processor must
answer there exactly as under the eval's Node host (headaudio.mjs), so the eval scores HeadAudio
as a page would run it."""

import functools
import http.server
import os
import threading

import numpy as np
import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from bench.stage_server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from engine.speech_training.baselines import HEADAUDIO, headaudio_answer, headaudio_available  # noqa: E402
from engine.speech_training.data import real  # noqa: E402

if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (make setup installs it)", allow_module_level=True)
if not headaudio_available():
    pytest.skip("HeadAudio is not installed (npm install)", allow_module_level=True)

# the page's part, as HeadAudio's README sets it up, on an offline context at 16 kHz
PAGE = """async (samples) => {
  const { HeadAudio } = await import("/modules/headaudio.mjs");
  const ctx = new OfflineAudioContext(1, samples.length, 16000);
  await ctx.audioWorklet.addModule("/modules/headworklet.mjs");
  const node = new HeadAudio(ctx, { processorOptions: { visemeEventsEnabled: true } });
  await node.loadModel("/dist/model-en-mixed.bin");
  const events = [];
  node.onviseme = (data) => events.push([data.t, data.viseme]);
  const buffer = ctx.createBuffer(1, samples.length, 16000);
  buffer.copyToChannel(Float32Array.from(samples), 0);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(node);
  source.start();
  // the model (and a reset) reach the processor as messages: let them land before the first
  // block. Suspended at the first quantum's end instead, chromium let up to four blocks (its
  // 512-frame render chunk) through first in about one run of three, and the times moved.
  ctx.suspend(0).then(() => setTimeout(() => ctx.resume(), 300));
  await ctx.startRendering();
  let seen = -1;  // the worklet's messages arrive after the rendering; wait until they stop
  while (seen !== events.length) {
    seen = events.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  return events;
}"""


class _Files(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def package_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Files, directory=str(HEADAUDIO)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_headaudio_answers_in_chromium_as_under_the_eval_host(package_url):
    wav = real.TESTDATA / "cards" / "001.wav"
    if not wav.exists():
        pytest.skip("pocketsphinx-testdata is not installed")
    from engine.speech.audio_file import read_audio

    silence = np.zeros(8000, np.float32)
    audio = np.concatenate([silence, read_audio(wav), silence])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            problems = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(package_url)
            in_browser = page.evaluate(PAGE, audio.tolist())
        finally:
            browser.close()
    hosted = headaudio_answer(audio)["events"]
    assert problems == [] and len(in_browser) > 20
    assert [v for _, v in in_browser] == [v for _, v in hosted]
    np.testing.assert_allclose([t for t, _ in in_browser], [t for t, _ in hosted], atol=1e-9)

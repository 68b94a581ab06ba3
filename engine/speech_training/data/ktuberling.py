"""Real single words in eleven languages: the voices of KDE's KTuberling (Debian `ktuberling-data`).

The game names each thing the child stamps ("umbrella", "pepperoni", "le bonhomme de neige") in
the child's language, each language said by its own speaker, one file a word; the file name
(after its playground's prefix) is the word. English (an Ogg file per word, named by the game's
English key) is held out for the eval: a fifth real English speaker, and isolated words put a
pause before and after every consonant. The other ten (French, Spanish, Italian, Dutch,
Portuguese, Romanian, Swedish, Finnish, Irish, Low German) join the training: more real speakers
beside the English ones. Licence: GPL-2+ (the game's data, debian/copyright).

pocketsphinx has only an English model, so a foreign word is aligned with it through its
pronunciation: espeak-ng says the word in its language, each of its phones is written as the
nearest ARPAbet phone, and pocketsphinx's forced alignment places those in the recording; the
visemes come from espeak-ng's own phones. On English sentences with labelled phones that path
places boundaries as well as pocketsphinx's own dictionary does (README); how well the English
model places sounds English lacks is not measured.
"""

from __future__ import annotations

from pathlib import Path

SOUNDS = Path("/usr/share/ktuberling/sounds")
#: Each language's folder: its espeak-ng voice. Low German has none; German's is nearest.
VOICES = {
    "fr": "fr",
    "es": "es",
    "it": "it",
    "nl": "nl",
    "pt": "pt",
    "ro": "ro",
    "sv": "sv",
    "fi": "fi",
    "ga": "ga",
    "nds": "de",
}
#: The playgrounds' prefixes in the file names (English and French; the other languages have
#: only the potato's words, without a prefix).
_PREFIXES = ("egypt", "moon", "pizzeria", "tv", "egypte", "lune", "noel", "papillons", "patate", "robin", "robot")
#: File names that are not the word as spelt: English keys run together or misspelt, and
#: French, Portuguese, Romanian, Swedish and Finnish words with their diacritics (and
#: apostrophes) dropped, which espeak-ng would read otherwise. Interjections are left out.
_SPELLING = {
    "broccolli": "broccoli",
    "palmtree": "palm tree",
    "fallingstar": "falling star",
    "sphynx": "sphinx",
    "moonwalker": "moon walker",
    "ufo": "u f o",
    "ane": "âne",
    "garcon": "garçon",
    "etoile": "étoile",
    "etoile filante": "étoile filante",
    "fusee": "fusée",
    "planete": "planète",
    "comete": "comète",
    "boule de noel": "boule de Noël",
    "Tux la sorciere": "Tux la sorcière",
    "Tux le frere": "Tux le frère",
    "Tux l enfant": "Tux l'enfant",
    "cle": "clé",
    "fleche": "flèche",
    "fleches": "flèches",
    "j ai une idee": "j'ai une idée",
    "j aime": "j'aime",
    "j examine": "j'examine",
    "je me fache": "je me fâche",
    "chandelles allumees": "chandelles allumées",
    "barriere": "barrière",
    "camion de depannage": "camion de dépannage",
    "echelle": "échelle",
    "ecole": "école",
    "elephant": "éléphant",
    "fumee": "fumée",
    "mecanicien": "mécanicien",
    "pecheur": "pêcheur",
    "tete": "tête",
    "cloture": "clôture",
    "baton": "bâton",
    "coeur": "cœur",
    "oeil": "œil",
    "noeud papillon": "nœud papillon",
    "boucle d oreille": "boucle d'oreille",
    "chapeu": "chapéu",
    "laco": "laço",
    "oculos": "óculos",
    "oculos de sol": "óculos de sol",
    "gura": "gură",
    "mustata": "mustață",
    "palarie": "pălărie",
    "sprinceana": "sprânceană",
    "har": "hår",
    "oga": "öga",
    "ora": "öra",
    "nasa": "näsa",
    "glasogon": "glasögon",
    "solglasogon": "solglasögon",
    "ogonbryn": "ögonbryn",
    "orhange": "örhänge",
    "nena": "nenä",
    "silma": "silmä",
    "silmalasit": "silmälasit",
}
_SKIP = {"heu", "wouah", "quoi", "avis recherche"}  # hesitations, an exclamation, a guessed wording


def word_of(stem: str) -> str | None:
    """The word a recording says, from its file name; None for the ones left out."""
    head, sep, rest = stem.partition("_")
    name = rest if sep and head in _PREFIXES else stem
    name = name.replace("-", " ").replace("_", " ")
    return None if name in _SKIP else _SPELLING.get(name, name)


def recordings() -> list[tuple[str, str, Path, str]]:
    """(language, split, file, word) of every recording installed here: English held out,
    the other languages for training."""
    out = []
    for f in sorted((SOUNDS / "en").glob("*.ogg")):
        if word := word_of(f.stem):
            out.append(("en", "heldout", f, word))
    for lang in VOICES:
        for f in sorted((SOUNDS / lang).glob("*.wav")):
            if word := word_of(f.stem):
                out.append((lang, "train", f, word))
    return out

"""Sentence material: seeded random English and Mandarin sentences with every kind of phone.

Written here rather than borrowed, so the corpus carries no third-party text. Words are chosen
so bilabials, labiodentals, rounded and open vowels all occur often, with commas for pauses.
"""

from __future__ import annotations

import random

_EN = """
bob mom pop map baby maybe people purple paper bubble ample number remember embers
five very fever valve of have vivid coffee photo phone laugh off never forever
the this that thought think three weather other father mother breathe teeth
top dog today tiny did dead tender ten kind cook good go again cake king
church judge cheese chip shoe sure measure vision wash jump
sea sun sister zoo zebra is was his seven some nice rice
night nine noon no name line lily little yellow lemon lonely
red right around rare rabbit car her bird work world word
all art father hot car calm arm palm far hard park shark large
egg bed said fresh many any elephant pet letter
eat sheep tree meet bee key
ow cow now house mouse loud
owl go home road old boat only open ocean
oh awful saw law thought fall ball tall
who two moon blue food rule root soup you through
look book good put would could should foot
what where why when how well we one window away water wonder
and but or so then because while if after before
""".split()
# Endings that put a p/b/m right before s, z, t or d: plurals, third persons and past tenses
# ("times", "jobs", "helped"), common in real speech and all but missing from _EN; beside them the
# same endings after n, d and k ("tens", "hands", "books"), the closures the lips must not make.
_EN_CLUSTERS = """
times comes seems names homes arms items rooms dreams games problems poems films farms storms
forms swims drums crumbs thumbs lambs limbs climbs claims gems plums palms moms hums
jobs clubs tubs webs ribs robes tribes bulbs herbs cabs
helps jumps lamps camps stamps maps cups tips stops ships hopes shapes groups steps drops
seemed named aimed climbed dreamt jumped helped stopped hoped robbed grabbed
tens lines means tones cans hands lands sends friends minds sounds beds roads kids
cats nights boats books looks talks kings songs things thinks banks
""".split()
_EN_PATTERNS = ("{} {} {}", "{} {} {} {}", "{} {} {}, {} {}", "{} {} {} {} {}.", "{} {}, {} {} {} {}?")

_ZH = (
    "我们今天去北京吃饭",
    "妈妈买了一把雨伞",
    "爸爸不怕冷",
    "你好吗",
    "外面下雨了",
    "我喜欢喝绿茶",
    "明天早上八点见",
    "这本书非常有趣",
    "他跑步跑得很快",
    "请把门关上",
    "晚饭做好了",
    "猫在桌子下面睡觉",
    "我们一起唱歌吧",
    "哥哥在学校工作",
    "飞机马上就要起飞",
    "天气越来越暖和",
    "朋友们都来了",
    "东西放在哪里",
    "火车站离这里不远",
    "苹果和葡萄都很甜",
    "弟弟每天读书",
    "山上有很多树",
    "我的手机没有电了",
    "你吃过午饭了吗",
    "夏天的晚上很热",
    "白色的马在跑",
    "慢慢走不要急",
)


def _sentence(rng: random.Random, lists: tuple[list[str], ...]) -> str:
    """A sentence in one of the patterns, its words drawn from `lists` in turn (from a random one)."""
    pattern = rng.choice(_EN_PATTERNS)
    first = rng.randrange(len(lists)) if len(lists) > 1 else 0
    words = [rng.choice(lists[(k + first) % len(lists)]) for k in range(pattern.count("{}"))]
    text = pattern.format(*words)
    return text[0].upper() + text[1:] + ("" if text[-1] in ".?" else ".")


def english(rng: random.Random) -> str:
    return _sentence(rng, (_EN,))


def english_clusters(rng: random.Random) -> str:
    """A sentence whose words alternate between _EN_CLUSTERS and the general list."""
    return _sentence(rng, (_EN_CLUSTERS, _EN))


def mandarin(rng: random.Random) -> str:
    """One or two of the phrases joined by a comma, as characters."""
    parts = rng.sample(_ZH, rng.choice((1, 1, 2)))
    return "，".join(parts) + "。"


def pinyin(characters: str) -> str:
    """Chinese characters -> tone-numbered pinyin, the input espeak-ng's pinyin voice reads."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for syllable in lazy_pinyin(characters, style=Style.TONE3, neutral_tone_with_five=True):
        out.append({"，": ",", "。": ".", "？": "?", "！": "!"}.get(syllable, syllable))
    return " ".join(out).replace(" ,", ",").replace(" .", ".").replace(" ?", "?")

"""Which language a question is written in, cheaply: by script first (kana is Japanese, Han without
kana is Chinese, Hangul Korean, ...), then, for Latin script, by which language's function words it
uses. Microseconds, no model: it only decides which retrieval legs run and which language the
abstention reason is written in, and a wrong guess between two Latin languages changes neither much.
"""

from __future__ import annotations

import re
from enum import Enum


class Language(str, Enum):
    en = "en"
    zh = "zh"
    ja = "ja"
    ko = "ko"
    ru = "ru"
    ar = "ar"
    th = "th"
    de = "de"
    es = "es"
    fr = "fr"
    it = "it"
    nl = "nl"
    pl = "pl"
    pt = "pt"
    tr = "tr"

    @property
    def is_english(self) -> bool:
        return self is Language.en


_SCRIPTS: list[tuple[Language, re.Pattern[str]]] = [
    (Language.ja, re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")),  # hiragana, katakana
    (Language.ko, re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    (Language.zh, re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")),  # Han with no kana
    (Language.ru, re.compile(r"[\u0400-\u04ff]")),
    (Language.ar, re.compile(r"[\u0600-\u06ff]")),
    (Language.th, re.compile(r"[\u0e00-\u0e7f]")),
]
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# A few frequent function words per language the encoder knows; a question uses several of them.
_FUNCTION_WORDS: dict[Language, frozenset[str]] = {
    lang: frozenset(words.split()) for lang, words in {
        Language.en: "the of and to in is are was were what who whom which when where why how does did do many much "
                     "a an for on with by from it this that his her their",
        Language.de: "der die das und ist sind wer was wie wo warum wann welche welcher viele ein eine nicht mit von "
                     "den dem im zu auf für",
        Language.es: "el la los las y es son qué quién cuántos cuántas cómo dónde por un una de del en con para se",
        Language.fr: "le la les de à et est sont qui que quoi combien comment où pourquoi un une des du au en avec pour",
        Language.it: "il lo gli le e è sono chi che cosa quanti quante come dove perché un una di del della con per",
        Language.nl: "de het een en is zijn wie wat hoeveel hoe waar waarom van met voor op niet",
        Language.pl: "i w na jest są kto co ile jak gdzie dlaczego się nie z do że",
        Language.pt: "o a os as e é são quem que quantos quantas como onde por um uma de do da em com para",
        Language.tr: "ve bir bu ne kim kaç nasıl nerede neden mı mi mu mü için ile da de",
    }.items()
}


def detect_language(text: str) -> Language:
    """The question's language; English when nothing says otherwise (a bare name, a number). A question
    in Latin script that quotes a few characters ("What does 潤日 mean?") is not Chinese: a script
    decides only when its characters outnumber the Latin words."""
    words = [w.casefold() for w in _LATIN.findall(text)]
    for language, script in _SCRIPTS:
        if script.search(text) and len(_non_latin(text)) > len(words):
            return language
    if not words:
        return Language.en
    counts = {lang: sum(w in vocab for w in words) for lang, vocab in _FUNCTION_WORDS.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang is Language.en))
    return best if counts[best] > counts[Language.en] else Language.en


_ANY_SCRIPT = re.compile("|".join(script.pattern for _, script in _SCRIPTS))


def _non_latin(text: str) -> list[str]:
    """Characters of the scripts above; a CJK character counts as a word, a Cyrillic letter as a fifth."""
    chars = _ANY_SCRIPT.findall(text)
    cjk = [c for c in chars if c >= "\u3040"]
    return cjk + chars[: (len(chars) - len(cjk)) // 5]

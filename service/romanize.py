"""Names in Chinese or Japanese script, found in the articles' romanised spelling.

A Chinese question writes 张洁平 and 无锡 where the articles write "Zhang Jieping" and "Wuxi"; a
Japanese one writes 大阪, 文京区, 参政党 for "Osaka", "Bunkyo", "Sanseito". The multilingual encoder
knows common words across languages but not these names, so the question's Han and kana runs are
romanised (pypinyin for the Chinese reading, pykakasi for the Japanese one), and the romanisations
that match a term of the articles' vocabulary are searched by the lexical leg as that term.

Only whole romanised words (pykakasi segments words) or two to three joined pinyin syllables are
matched, never a single syllable: 中国 is "zhong guo", and "Guo" is a person in the articles.
Long vowels are folded the way the articles romanise Japanese ("oosaka" -> "osaka", "toukyou" ->
"tokyo"), and a match may be off by the same length-scaled edit distance as a misspelled name.
"""

from __future__ import annotations

import re
import threading

from service.names import NameVocabulary

_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LONG_VOWELS = [("ou", "o"), ("oo", "o"), ("uu", "u"), ("ee", "e"), ("aa", "a"), ("ii", "i")]
_MIN_LETTERS = 4  # "run" or "ma" alone is too ambiguous to search as a name
_lock = threading.Lock()


class _Romanizers:
    """pypinyin and pykakasi, loaded on the first non-English question (about 2 s of dictionaries)."""

    def __init__(self) -> None:
        import pykakasi
        from pypinyin import lazy_pinyin

        self.pinyin = lazy_pinyin
        self.kakasi = pykakasi.kakasi()


_loaded: list[_Romanizers] = []


def romanizers() -> _Romanizers:
    """One pair per process; a question arriving during the background warm-up waits for it."""
    with _lock:
        if not _loaded:
            _loaded.append(_Romanizers())
        return _loaded[0]


def fold_long_vowels(word: str) -> str:
    for long, short in _LONG_VOWELS:
        word = word.replace(long, short)
    return word


def candidates(text: str) -> dict[str, int]:
    """Romanised readings of the text's Han and kana runs, each with the edits it may be off by:
    pykakasi's words and pairs of words (Japanese readings, long vowels folded), one edit off for a
    reading of 5 letters or more; runs of two or three pinyin syllables (Chinese readings), exact only,
    since any two syllables of a sentence come close to some word."""
    tools = romanizers()
    found: dict[str, int] = {}
    for run in _HAN_OR_KANA.findall(text):
        words = [_letters(w["hepburn"]) for w in tools.kakasi.convert(run)]
        words = [w for w in words if w]
        for i in range(len(words)):
            for j in range(i + 1, min(i + 2, len(words)) + 1):
                reading = fold_long_vowels("".join(words[i:j]))
                found[reading] = max(found.get(reading, 0), 1 if len(reading) >= 5 else 0)
        for han in _HAN.findall(run):  # pinyin reads Han characters only
            syllables = [_letters(s) for s in tools.pinyin(han)]
            syllables = [s for s in syllables if s]
            for size in (2, 3):
                for i in range(len(syllables) - size + 1):
                    found.setdefault("".join(syllables[i:i + size]), 0)
    return {w: edits for w, edits in found.items() if len(w) >= _MIN_LETTERS}


def romanized_terms(text: str, vocabulary: NameVocabulary) -> list[str]:
    """The articles' terms that the text's Chinese or Japanese names read as: 张洁平 -> "Jieping",
    大阪 -> "Osaka", 二润 -> "Er-run"."""
    terms = {term for reading, edits in candidates(text).items()
             if (term := vocabulary.closest_term(reading, edits)) is not None}
    return sorted(terms)


def _letters(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.lower()) if word.isascii() else ""

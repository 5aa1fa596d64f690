"""Chinese and Japanese names found in the articles' romanisation (pypinyin, pykakasi)."""

from __future__ import annotations

import pytest

from service.names import NameVocabulary
from service.romanize import romanized_terms

TEXTS = ["Zhang Jieping was born in Wuxi. Guo works in Osaka; Cao lives in Bunkyo-ku, Tokyo.",
         "The Run-ri and the Er-run (second runners). The Sanseito party. The gaokao exam."]


@pytest.fixture(scope="module")
def vocabulary() -> NameVocabulary:
    return NameVocabulary(TEXTS, frozenset({"the", "was", "born", "in", "works", "lives", "party", "exam"}))


@pytest.mark.parametrize(("question", "terms"), [
    ("张洁平来自中国哪个城市？", ["Jieping"]),  # pinyin, two syllables joined
    ("大阪に住む中国人は何人ですか？", ["Osaka"]),  # Japanese reading, long vowel folded (oosaka)
    ("曹さんはなぜ文京区に住むことにしたのですか？", ["Bunkyo-ku"]),
    ("“润日”是什么意思？", ["Run-ri"]),
    ("所谓的“二润”指的是哪些人？", ["Er-run"]),
    ("参政党は何議席を獲得しましたか？", ["Sanseito"]),
    ("文章里提到的“高考”是什么考试？", ["gaokao"]),
])
def test_names_in_chinese_or_japanese_script_read_as_the_articles_spell_them(vocabulary, question, terms):
    assert romanized_terms(question, vocabulary) == terms


def test_a_single_syllable_is_never_a_name(vocabulary):
    # 中国 reads "zhong guo"; "Guo" is a person in the articles, not what the question means.
    assert "Guo" not in romanized_terms("中国人在日本购买土地有限制吗？", vocabulary)

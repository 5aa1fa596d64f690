"""Which language a question is in decides which retrieval legs run and the abstention's wording."""

from __future__ import annotations

import pytest

from service.language import Language, detect_language


@pytest.mark.parametrize(("question", "language"), [
    ("大阪に住む中国人は何人ですか？", Language.ja),
    ("舛友さんが2010年に入社したメディア企業は？", Language.ja),
    ("2024年大阪有多少中国籍居民？", Language.zh),
    ("据Henley & Partners估计，2023年将有多少中国富豪移居海外？", Language.zh),  # Latin names inside Chinese
    ("서울에 사는 중국인은 몇 명입니까?", Language.ko),
    ("Сколько китайцев живёт в Осаке?", Language.ru),
    ("¿Cuántos chinos viven en Osaka?", Language.es),
    ("Combien de Chinois vivent à Osaka ?", Language.fr),
    ("How many Chinese live in Osaka?", Language.en),
    ("What does 潤日 mean?", Language.en),  # an English question quoting a Chinese term
    ("Which English word does the character 潤 sound like?", Language.en),
    ("Masutomo", Language.en),
    ("2024", Language.en),
])
def test_detects_the_language_a_reader_writes_in(question, language):
    assert detect_language(question) is language

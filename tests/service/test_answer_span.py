"""The exact answer phrase inside the answer sentence: the one figure or date the question asks for, or
nothing when the sentence has none or several (a wrong highlight is worse than none)."""

import pytest

from service.answer_span import answer_span

SENTENCE_FIGURES = "As of the end of 2024, approximately 870,000 Chinese nationals were living in Japan."


def marked(question: str, sentence: str) -> str | None:
    span = answer_span(question, sentence)
    return None if span is None else sentence[span.start:span.end]


@pytest.mark.parametrize(("question", "sentence", "phrase"), [
    # a figure, with its qualifier and unit; the year the question names is not the answer
    ("How many Chinese nationals lived in Japan at the end of 2024?", SENTENCE_FIGURES, "approximately 870,000"),
    ("What percentage of graduates received job offers in 2023?", "Only 45.4% of them had an offer in 2023.", "45.4%"),
    ("How much did the committee raise?", "The committee raised over $40 million for the city.", "over $40 million"),
    ("How many Chinese-language bookshops are there in Tokyo?", "Tokyo now has five such bookshops.", "five"),
    ("How many people left?", "About 1.2 million people left the country.", "About 1.2 million"),
    # a date: the whole date for "when", the year alone for "what year", a decade as written
    ("When was the article published?", "It was published on 2 July 2025 in Auckland.", "2 July 2025"),
    ("When did Tesla move to New York?", "He moved there in June 1884.", "June 1884"),
    ("What year did Tesla die?", "Tesla died on 7 January 1943 in New York.", "1943"),
    ("In what year was the system created?", "The system was created in the 1950s.", "1950s"),
    ("When did the first settlers arrive?", "The first of them arrived in the late 1980s.", "late 1980s"),
])
def test_the_one_figure_or_date_asked_for_is_marked(question, sentence, phrase):
    assert marked(question, sentence) == phrase


@pytest.mark.parametrize(("question", "sentence"), [
    # two candidates: no guess
    ("How many people does Japan lose every day through aging?",
     "Japan loses 2,500 people every day through aging, but gains 1,200 applications every day."),
    ("When did they move?", "They moved in 2019 and again in 2023."),
    # no candidate
    ("How many Chinese live in Osaka?", "Osaka has a large Chinese community."),
    # the only figure is the one the question already states
    ("How many Chinese nationals lived in Japan in 2024?", "The count for 2024 was a record."),
    # the question asks for a person or a place, whatever else it says
    ("Who was chief executive when the service began?", "The service began on 1 September 1993."),
    ("Where did the 5,000 students study?", "The 5,000 students studied in 2020 in Tokyo."),
    ("Why did he leave?", "He left in 2021."),
    ("", "He left in 2021."),
])
def test_no_span_unless_exactly_one_candidate_answers(question, sentence):
    assert marked(question, sentence) is None

"""What an abstention may name: the names and figures of the question, never its opening word."""

import pytest

from service.answer import question_names
from service.answer_features import name_terms, question_type


@pytest.mark.parametrize("question,names", [
    ("How many Chinese students were enrolled at Kyoto University in 2024?",
     ["Chinese", "Kyoto University", "2024"]),
    ("Given the rules, what did Masutomo Takeshi write?", ["Masutomo Takeshi"]),
    ("Before 2010, how many Chinese lived in Osaka?", ["2010", "Chinese", "Osaka"]),
    ("What is the English title of the book?", ["English"]),
    ("Who wrote the Financial Times feature on the Run-ri in Tokyo?", ["Financial Times", "Run-ri", "Tokyo"]),
    ("why do families move?", []),
])
def test_question_names_skip_capitalised_openers(question, names):
    assert question_names(question) == names


def test_name_terms_are_index_tokens_without_the_opener():
    assert name_terms("Given that Osaka grew, when?") == {"osaka"}
    assert name_terms("How many in 2024?") == {"2024"}


@pytest.mark.parametrize("question,kind", [
    ("How many Chinese live in Osaka?", "number"),
    ("What percentage of pupils are Chinese?", "number"),
    ("In what year did the law change?", "when"),
    ("When did he arrive?", "when"),
    ("Who founded Compass Capital?", "who"),
    ("Where do they settle?", "where"),
    ("Why do they leave?", "why"),
    ("How do they pay?", "how"),
    ("What kind of company is Ambition DX?", "which_what"),
    ("Name the founder.", "other"),
])
def test_question_type(question, kind):
    assert question_type(question) == kind

"""The gold-file format a newsroom writes by hand: every mistake is named with its file, line and what to
fix, and evidence is found the way /cite finds a quote (all occurrences, typography folded)."""

import json

import pytest

from eval.evidence import GoldSpan
from eval.gold import GoldError, QuestionType, QuoteKind, load_gold, load_questions, load_quotes
from index.corpus import Document

TEXT = "In 2024 the city had 57,396 Chinese residents. People say “run to Japan”. Again: “run to Japan”."
DOCS = {"osaka": Document("osaka", TEXT, "-"), "tokyo": Document("tokyo", "Tokyo — the capital — grew.", "-")}
GOOD = {"id": "q1", "question": "How many?", "answer": "57,396",
        "evidence": [{"doc": "osaka", "quote": "had 57,396 Chinese residents"}]}


def _file(tmp_path, *lines, name="gold.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                              for line in lines), encoding="utf-8")
    return path


def _problems(load, path) -> list[str]:
    with pytest.raises(GoldError) as caught:
        load(DOCS, path)
    return caught.value.problems


def test_a_quote_stands_for_every_occurrence_with_typography_folded(tmp_path):
    row = {**GOOD, "answer": "run to Japan", "evidence": [{"doc": "osaka", "quote": '"run to japan"'}]}
    [question] = load_questions(DOCS, _file(tmp_path, row))
    first, second = TEXT.index("“run"), TEXT.rindex("“run")
    assert question.spans == (GoldSpan("osaka", first, first + 14), GoldSpan("osaka", second, second + 14))
    assert len(question.evidence) == 1, "one piece of evidence, found at either place"
    assert question.type is QuestionType.fact


def test_offsets_pin_one_occurrence_and_a_quote_beside_them_checks_them(tmp_path):
    start = TEXT.rindex("“run")
    pinned = {**GOOD, "answer": "run to Japan",
              "evidence": [{"doc_id": "osaka", "start": start, "end": start + 14, "quote": "“run to Japan”"}]}
    [question] = load_questions(DOCS, _file(tmp_path, pinned))
    assert question.spans == (GoldSpan("osaka", start, start + 14),)

    wrong = {**pinned, "evidence": [{"doc": "osaka", "start": 0, "end": 14, "quote": "run to Japan"}]}
    [problem] = _problems(load_questions, _file(tmp_path, wrong))
    assert problem == (f"{tmp_path / 'gold.jsonl'}:1 (q1): evidence[0]: osaka[0:14] is 'In 2024 the ci', not the "
                       "quote 'run to Japan'; fix the offsets or drop them to use every occurrence of the quote")


@pytest.mark.parametrize("line, expected", [
    ('{"id": "q1" "question": "?"}', "1: not JSON (Expecting ',' delimiter at column 13); one JSON object per line"),
    ("[1, 2]", "1: expected a JSON object"),
    ({**GOOD, "evidence": [{"doc": "osak", "quote": "had 57,396"}]},
     "1 (q1): evidence[0]: unknown document 'osak'; did you mean 'osaka'? a document's id is its file name "
     "without .txt (2 in the corpus: osaka, tokyo)"),
    ({**GOOD, "evidence": [{"doc": "osaka", "quote": "had 57,397 Chinese residents"}]},
     "1 (q1): evidence[0]: quote 'had 57,397 Chinese residents' is not in osaka; copy it from the article "
     "(closest there, 96% alike: 'had 57,396 Chinese residents')"),
    ({**GOOD, "answer": "capital", "evidence": [{"doc": "osaka", "quote": "the capital"}]},
     "1 (q1): evidence[0]: quote 'the capital' is not in osaka but in tokyo; set doc to 'tokyo'"),
    ({**GOOD, "evidence": [{"doc": "tokyo", "start": 5, "end": 99}]},
     "1 (q1): evidence[0]: end 99 is past the end of tokyo (27 characters)"),
    ({**GOOD, "evidence": [{"doc": "tokyo", "start": 5}]}, "1 (q1): evidence[0]: give both start and end, or neither"),
    ({**GOOD, "evidence": [{"doc": "tokyo"}]},
     "1 (q1): evidence[0]: give the quote (copied from the article) or start and end offsets"),
    ({**GOOD, "answr": "x"}, "1 (q1): answr: unknown field; did you mean 'answer'?"),
    ({"id": "q1", "question": "?", "evidence": []}, "1 (q1): answer: field required"),
    ({**GOOD, "type": "guess"}, "1 (q1): type: input should be 'fact', 'number', 'entity', 'multi_doc', 'author', "
                                "'term', 'why_how' or 'unanswerable'"),
    ({**GOOD, "answer": "Osaka"},
     "1 (q1): answer 'Osaka' is not in its evidence; the answer should be words of the evidence"),
    ({**GOOD, "evidence": []}, "1 (q1): add evidence: where in the articles does the answer stand?"),
    ({**GOOD, "answer": None}, "1 (q1): an unanswerable question (answer null) has no evidence; remove it"),
    ({**GOOD, "type": "unanswerable"}, "1 (q1): type 'unanswerable' and answer null go together; this one has "
                                       "type 'unanswerable' and answer '57,396'"),
    ({**GOOD, "evidence": GOOD["evidence"] * 2},
     "1 (q1): evidence[1] repeats evidence[0]; a quote already stands for every place it occurs"),
])
def test_each_mistake_is_named_with_file_line_and_fix(tmp_path, line, expected):
    path = _file(tmp_path, line)
    assert _problems(load_questions, path) == [f"{path}:{expected}"]


def test_all_problems_are_reported_at_once_and_duplicates_name_the_first_line(tmp_path):
    path = _file(tmp_path, GOOD, "", {**GOOD, "answer": "Osaka"}, {**GOOD, "id": "q2", "answr": "x"})
    assert _problems(load_questions, path) == [
        f"{path}:3 (q1): duplicate id; 'q1' is already used on line 1",
        f"{path}:4 (q2): answr: unknown field; did you mean 'answer'?",
    ]
    assert _problems(load_questions, _file(tmp_path, "")) == [
        f"{tmp_path / 'gold.jsonl'}: no questions; the file needs one JSON object per line (see README)"]


def test_quote_cases_infer_their_kind_and_list_every_source_occurrence(tmp_path):
    exact = {"id": "c1", "text": "run to Japan", "expected": "exact",
             "sources": [{"doc": "osaka", "quote": "“run to Japan”"}]}
    made_up = {"id": "c2", "text": "Osaka had a million", "expected": "not_found"}
    one, two = load_quotes(DOCS, _file(tmp_path, exact, made_up))
    assert (one.kind, two.kind) == (QuoteKind.verbatim, QuoteKind.fabricated)
    assert [s.start for s in one.sources] == [TEXT.index("“run"), TEXT.rindex("“run")] and two.sources == ()

    path = _file(tmp_path, {**made_up, "expected": "found"}, {**exact, "sources": []})
    assert _problems(load_quotes, path) == [
        f"{path}:1 (c2): expected: input should be 'exact', 'near', 'altered', 'paraphrase' or 'not_found'",
        f"{path}:2 (c1): a quote expected 'not_found' has no sources, and every other one needs them "
        "(where it comes from)",
    ]


def test_a_gold_set_reports_both_files_and_refuses_an_id_used_in_both(tmp_path):
    questions = _file(tmp_path, GOOD, name="questions.jsonl")
    quotes = _file(tmp_path, {"id": "q1", "text": "x", "expected": "not_found"}, name="quotes.jsonl")
    with pytest.raises(GoldError, match=r"quotes.jsonl: ids q1 are also question ids in .*questions.jsonl"):
        load_gold(DOCS, questions, quotes)
    gold = load_gold(DOCS, questions)
    assert (len(gold.questions), gold.quotes, gold.texts) == (1, [], {"q1": "How many?"})

"""How often `service/answer_span.py` marks the right phrase, on SQuAD (held-out articles by default).

For every answerable question, the sentence holding its gold answer is given to `answer_span`; the
span counts as right when it equals a gold answer after SQuAD's own normalisation (exact match), and
its token F1 is reported beside. Only questions the rule takes on (figures and dates) count.

    python -m eval.answer_span [--split heldout|train] [--show 20]
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
from collections import Counter

from eval.squad import split_sets
from index.sentences import split_sentences
from service.answer_span import answer_span


def normalize(text: str) -> str:
    """SQuAD's evaluate.py normalisation: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def f1(prediction: str, gold: str) -> float:
    p, g = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def measure(split_names: list[str], show: int = 0) -> dict:
    sets = split_sets()
    asked = spans = exact = 0
    f1_sum = 0.0
    wrong = []
    for name in split_names:
        texts = {a.id: a.text for a in sets[name].articles}
        seen = set()
        for q in sets[name].questions:
            if not q.answerable or q.id in seen:
                continue
            seen.add(q.id)
            text = texts[q.doc_id]
            start = q.answers[0][1]
            sentence = next((s for s in split_sentences(text) if s.start <= start < s.end), None)
            if sentence is None:
                continue
            asked += 1
            span = answer_span(q.question, text[sentence.start:sentence.end])
            if span is None:
                continue
            spans += 1
            phrase = text[sentence.start + span.start:sentence.start + span.end]
            golds = [a for a, _ in q.answers]
            hit = any(normalize(phrase) == normalize(g) for g in golds)
            exact += hit
            f1_sum += max(f1(phrase, g) for g in golds)
            if not hit:
                wrong.append((q.question, phrase, golds[0]))
    for question, phrase, gold in wrong[:show]:
        print(f"  {question!r}: marked {phrase!r}, gold {gold!r}", file=sys.stderr)
    return {"splits": split_names, "answerable_questions": asked, "spans": spans,
            "coverage": round(spans / max(asked, 1), 3), "exact_match": round(exact / max(spans, 1), 3),
            "f1": round(f1_sum / max(spans, 1), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.answer_span", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["heldout", "train"], default="heldout")
    parser.add_argument("--show", type=int, default=0, help="print this many wrong spans")
    args = parser.parse_args(argv)
    names = ["heldout-v1", "heldout-v2"] if args.split == "heldout" else ["train"]
    print(json.dumps(measure(names, args.show), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

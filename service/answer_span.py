"""The exact answer phrase inside the answer sentence ("686,000", "2 July 2025"), where a rule can find it
reliably; the sentence stays the citation.

Only two kinds of question get a span, those whose answer has a shape a rule can see:
- "how many / how much / what percentage ..." questions: the one figure of the sentence that the
  question does not already state (with its unit: "40 percent", "$3 million", "1.2 million");
- "when / what year ..." questions: the one date or year of the sentence the question does not state
  ("2 July 2025", "the 1980s").
A sentence with two such candidates, or none, gets no span: a wrong highlight is worse than none. How
often the span is right is measured on held-out SQuAD articles (`python -m eval.answer_span`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
_NUMBER_WORDS = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                 r"hundred|a dozen|dozens|hundreds|thousands|millions)")
_SCALE = r"(?:\s+(?:hundred|thousand|million|billion|trillion))?"
_UNIT = (r"(?:\s*(?:%|percent|per cent|percentage points?)|\s+(?:yen|dollars?|euros?|pounds?|"
         r"years?|months?|weeks?|days?|hours?|minutes?|km|kilometres?|kilometers?|"
         r"miles?|metres?|meters?|feet|square (?:kilometres?|kilometers?|miles?|metres?|meters?)))?")
# "nearly 3,000", "over $40 million": the qualifier is part of the figure a reader should see.
_ABOUT = (r"(?:(?:nearly|almost|over|more than|less than|fewer than|about|around|roughly|approximately|up to|"
          r"at least|an estimated|some)\s+)?")
_FIGURE = re.compile(
    rf"\b{_ABOUT}(?:[$€£¥]\s?)?(?<![\w.,])\d+(?:[.,]\d+)*{_SCALE}{_UNIT}(?![\w])"
    rf"|(?:(?<=\s)|^)(?:[$€£¥]\s?)\d+(?:[.,]\d+)*{_SCALE}{_UNIT}(?![\w])"
    rf"|\b{_ABOUT}{_NUMBER_WORDS}(?:[\s-]+{_NUMBER_WORDS})*{_SCALE}{_UNIT}\b",
    re.IGNORECASE)
_DATE = re.compile(
    rf"\b\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?\b"           # 2 July 2025
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?\b"  # July 2, 2025
    rf"|\b{_MONTH}\s+\d{{4}}\b"                           # July 2025
    r"|\b(?:(?:early|mid|late)[\s-]+)?(?:1[0-9]|20)\d0s\b"   # the late 1980s
    r"|\b(?:1[0-9]|20)\d{2}\b")                           # 2025
# The question's first wh-word decides what it asks: "Who was chief executive when ..." asks for a person.
_WH = re.compile(r"\b(?:who|whom|whose|what|which|when|where|why|how)\b", re.IGNORECASE)
_ASKS_FIGURE = re.compile(r"how (?:many|much)\b|(?:what|which) (?:percentage|percent|proportion|share|number|amount)\b",
                          re.IGNORECASE)
_ASKS_DATE = re.compile(r"when\b|(?:what|which) (?:decade|date|month)\b", re.IGNORECASE)
_ASKS_YEAR = re.compile(r"(?:what|which) year\b", re.IGNORECASE)
_YEAR_ONLY = re.compile(r"(?:1[0-9]|20)\d{2}")


@dataclass(frozen=True)
class Span:
    start: int  # offsets into the sentence's text
    end: int


def answer_span(question: str, sentence: str) -> Span | None:
    """The one figure or date in `sentence` that answers `question`, or None when there is not exactly one."""
    wh = _WH.search(question)
    if wh is None:
        return None
    asks = question[wh.start():]
    if _ASKS_FIGURE.match(asks):
        found = [m for m in _FIGURE.finditer(sentence) if not _YEAR_ONLY.fullmatch(m.group().strip())]
    elif _ASKS_DATE.match(asks) or _ASKS_YEAR.match(asks):
        found = list(_DATE.finditer(sentence))
    else:
        return None
    asked = _folded(question)
    fresh = [m for m in found if _folded(m.group()) not in asked]
    if len(fresh) != 1:
        return None
    start, end = fresh[0].span()
    if _ASKS_YEAR.match(asks) and not sentence[start:end].endswith("s"):  # the year of "7 January 1943"
        year = _YEAR_ONLY.search(sentence, start, end)
        if year is None:
            return None
        start, end = year.span()
    return Span(start, end)


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()

"""Gold evidence located in the articles with the product's own text folding (service/normalize.py):
a quote written with straight quotes for curly ones, or other spacing, is found where /cite finds it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rapidfuzz import fuzz

from index.corpus import Document
from service.normalize import Normalized, is_word_char, normalize


@dataclass(frozen=True, slots=True)
class GoldSpan:
    doc_id: str
    start: int
    end: int

    def overlaps(self, doc_id: str, start: int, end: int) -> bool:
        return doc_id == self.doc_id and start < self.end and end > self.start


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence. A quote that occurs several times in its article stands at each
    occurrence, and a passage covering any of them has found this evidence."""

    occurrences: tuple[GoldSpan, ...]

    @property
    def doc_id(self) -> str:
        return self.occurrences[0].doc_id

    def overlaps(self, doc_id: str, start: int, end: int) -> bool:
        return any(span.overlaps(doc_id, start, end) for span in self.occurrences)


def fold(text: str) -> str:
    """The product's comparison form: quotes, dashes, ellipses, whitespace and case folded."""
    return normalize(text).text


class Locator:
    """Resolves gold evidence to spans; raises LookupError with a message that says what to fix."""

    def __init__(self, documents: dict[str, Document]) -> None:
        self.documents = documents
        self._folded: dict[str, Normalized] = {}

    def locate(self, doc_id: str, quote: str | None, start: int | None, end: int | None) -> Evidence:
        doc = self._document(doc_id)
        if start is not None and end is not None:
            return Evidence((self._offsets(doc, quote, start, end),))
        assert quote is not None
        spans = self.occurrences(doc_id, quote)
        if not spans:
            raise LookupError(self._not_found(doc_id, quote))
        return Evidence(spans)

    def occurrences(self, doc_id: str, quote: str) -> tuple[GoldSpan, ...]:
        """Every place the folded quote occurs in the folded article, at the article's own offsets."""
        needle, folded = fold(quote), self._fold(doc_id)
        spans, at = [], folded.text.find(needle) if needle else -1
        while at >= 0:
            spans.append(GoldSpan(doc_id, *folded.original_span(at, at + len(needle))))
            at = folded.text.find(needle, at + 1)
        return tuple(spans)

    def within(self, answer: str, evidence: tuple[Evidence, ...]) -> bool:
        """Whether the answer is words of one of the evidence spans."""
        needle = fold(answer)
        return any(needle in fold(self.documents[s.doc_id].text[s.start:s.end])
                   for item in evidence for s in item.occurrences)

    def _document(self, doc_id: str) -> Document:
        doc = self.documents.get(doc_id)
        if doc is None:
            close = difflib.get_close_matches(doc_id, list(self.documents), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise LookupError(f"unknown document {doc_id!r}; {hint}a document's id is its file name "
                              f"without .txt ({len(self.documents)} in the corpus: "
                              f"{', '.join(list(self.documents)[:5])}{', ...' if len(self.documents) > 5 else ''})")
        return doc

    def _offsets(self, doc: Document, quote: str | None, start: int, end: int) -> GoldSpan:
        if end > len(doc.text):
            raise LookupError(f"end {end} is past the end of {doc.id} ({len(doc.text)} characters)")
        there = doc.text[start:end]
        if quote is not None and fold(there) != fold(quote):
            raise LookupError(f"{doc.id}[{start}:{end}] is {_short(there)}, not the quote {_short(quote)}; "
                              "fix the offsets or drop them to use every occurrence of the quote")
        return GoldSpan(doc.id, start, end)

    def _not_found(self, doc_id: str, quote: str) -> str:
        elsewhere = [other for other in self.documents if other != doc_id and self.occurrences(other, quote)]
        if elsewhere:
            return (f"quote {_short(quote)} is not in {doc_id} but in {', '.join(elsewhere)}; "
                    f"set doc to {elsewhere[0]!r}")
        folded = self._fold(doc_id)
        best = fuzz.partial_ratio_alignment(fold(quote), folded.text)
        message = f"quote {_short(quote)} is not in {doc_id}; copy it from the article"
        if best is not None and best.score >= 60 and best.dest_end > best.dest_start:
            text = self.documents[doc_id].text
            start, end = _whole_words(text, *folded.original_span(best.dest_start, best.dest_end))
            message += f" (closest there, {best.score:.0f}% alike: {_short(text[start:end])})"
        return message

    def _fold(self, doc_id: str) -> Normalized:
        if doc_id not in self._folded:
            self._folded[doc_id] = normalize(self.documents[doc_id].text)
        return self._folded[doc_id]


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
        start -= 1
    while end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]):
        end += 1
    return start, end


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")

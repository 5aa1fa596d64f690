"""Typed results of the core. The HTTP layer returns these directly, so the API and the CLI agree."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import Enum

from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import BaseModel, BeforeValidator, Field, StrictBool, field_validator

from index.corpus import Document


MAX_K = 50  # the most passages one request may ask for: the API, the CLI and RUNRI_DEFAULT_K share it
MAX_QUOTE_CHARS = 5000  # the longest text /cite and `runri cite` check; longer is refused, never cut


class RetrievalMode(str, Enum):
    """How passages are found: FAISS alone (all-MiniLM-L6-v2), BM25 alone, the cross-lingual leg alone
    (multilingual USE), or the legs that suit the question's language fused by reciprocal rank."""

    dense = "dense"
    lexical = "lexical"
    multilingual = "multilingual"
    hybrid = "hybrid"

    @classmethod
    def from_str(cls, value: str) -> RetrievalMode:
        try:
            return cls(value.strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown retrieval mode {value!r}; valid modes: {valid}") from None


def _iso_date_only(value):
    """A date is a YYYY-MM-DD string. Pydantic would also take a number, or a string of one, as a Unix
    timestamp ("0.0" = 1970-01-01), so `?date_from=0.0` would quietly filter from 1970."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("must be a date as a YYYY-MM-DD string, not a number")
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(f"must be a date as YYYY-MM-DD, got {value[:40]!r}")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


class Filters(BaseModel):
    """Restrict retrieval to some documents. Every given field must match (AND)."""

    doc_ids: list[str] | None = Field(default=None, description="Only these document ids.")
    publication: str | None = Field(default=None, description="Only this publication (case-insensitive).")
    date_from: IsoDate | None = Field(default=None, description="Only documents dated on or after this day.")
    date_to: IsoDate | None = Field(default=None, description="Only documents dated on or before this day.")
    include_undated: StrictBool = Field(
        default=False, description="With date_from or date_to: also keep articles that state no date (three of "
                                   "the five seed articles do not). Default false: a date filter keeps only "
                                   "articles dated inside it; the web page sends true.")

    def is_empty(self) -> bool:
        return not any((self.doc_ids, self.publication, self.date_from, self.date_to))


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must contain at least 1 non-whitespace character")
    return value


class SearchRequest(BaseModel):
    """What GET /search and `runri search` validate alike."""

    q: str = Field(min_length=1, max_length=1000, description="1-1000 characters after trimming.")
    k: int | None = Field(default=None, ge=1, le=MAX_K)
    mode: RetrievalMode = RetrievalMode.hybrid

    _trimmed = field_validator("q")(classmethod(lambda cls, value: _not_blank(value)))


class AskRequest(BaseModel):
    """The body of POST /ask, and what `runri ask` validates."""

    question: str = Field(min_length=1, max_length=1000, description="1-1000 characters after trimming.")
    k: int | None = Field(default=None, ge=1, le=MAX_K, description="How many passages to return "
                                                                      "(default: RUNRI_DEFAULT_K, 5).")
    mode: RetrievalMode = RetrievalMode.hybrid
    filters: Filters | None = None

    _trimmed = field_validator("question")(classmethod(lambda cls, value: _not_blank(value)))


class CiteRequest(BaseModel):
    """The body of POST /cite, and what `runri cite` validates."""

    text: str = Field(min_length=1, max_length=MAX_QUOTE_CHARS,
                      description=f"The quote or claim as pasted: 1-{MAX_QUOTE_CHARS} characters. Longer text is a "
                                  "422, never cut.")

    _trimmed = field_validator("text")(classmethod(lambda cls, value: _not_blank(value)))


class Span(BaseModel):
    start: int
    end: int


class Citation(BaseModel):
    """A verbatim excerpt of one article and where it stands: `document.text[start:end] == text`, with
    everything a published citation needs. A field the article does not state is null."""

    doc_id: str
    title: str | None
    publication: str | None
    author: str | None
    date: date | None
    url: str | None = Field(description="Where the article was published, when known.")
    start: int
    end: int
    text: str
    link: str = Field(description="A shareable link to this excerpt in the reader, /read/{doc_id}#start-end, "
                                  "on RUNRI_PUBLIC_URL (default: the host the request was sent to).")

    @classmethod
    def of(cls, doc: Document, start: int, end: int, **fields):
        """The one place an excerpt is cut from an article, so its text always matches its offsets."""
        return cls(doc_id=doc.id, title=doc.title, publication=doc.publication, author=doc.author,
                   date=doc.date, url=doc.url, start=start, end=end, text=doc.text[start:end],
                   link=reader_path(doc.id, start, end), **fields)


def reader_path(doc_id: str, start: int | None = None, end: int | None = None) -> str:
    """The reader page of an article, at a span when given (a path: service/links.py adds the host)."""
    path = f"/read/{quote(doc_id, safe='')}"
    return path if start is None else f"{path}#{start}-{end}"


class Excerpt(Citation):
    """A citation link's target: the exact text plus some context either side."""

    before: str
    after: str


class Passage(Citation):
    """A retrieved passage: overlapping chunks of one article merged."""

    score: float = Field(description="Its rank's score, higher first, comparable within one response only: "
                                     "BM25 for mode lexical; reciprocal-rank fusion otherwise (hybrid fuses the "
                                     "legs; dense and multilingual fuse each chunk's own vector and its best "
                                     "sentence's; dense is a cosine with RUNRI_DENSE_SENTENCES=false).")
    retrievers: list[RetrievalMode] = Field(description="Which retrievers ranked this passage.")
    highlights: list[Span] = Field(default_factory=list, description="Sentences supporting the answer.")


_DID_YOU_MEAN = 'Words of the question searched as a corpus term instead: {"Masotomo": "Masutomo"}.'
_LANGUAGE = "The question's language as detected (en, zh, ja, ...)."


class SearchResult(BaseModel):
    query: str
    mode: RetrievalMode
    language: str = Field(default="en", description=_LANGUAGE)
    did_you_mean: dict[str, str] = Field(default_factory=dict, description=_DID_YOU_MEAN)
    passages: list[Passage]
    took_ms: float


class Answer(Citation):
    """The extractive answer: one sentence of an article."""

    span: Span | None = Field(
        default=None, description="The exact answer phrase inside the sentence, as offsets into the article "
                                  "(within start..end), where a rule finds it reliably: the one figure a 'how many' "
                                  "question or the one date a 'when' question asks for (right 94% of the time on "
                                  "held-out SQuAD articles). The sentence stays the citation.")


class Corroboration(Citation):
    """Another article stating the same thing, with its own excerpt."""

    similarity: float = Field(description="Cosine similarity of this sentence to the answer sentence.")


class ConfidenceLevel(str, Enum):
    """How a reader should take the confidence: `high` answers are right at least 3 times in 4 on
    held-out data; `medium` are above the abstention threshold; `low` means the service abstained."""

    high = "high"
    medium = "medium"
    low = "low"


class AskResult(BaseModel):
    question: str
    language: str = Field(default="en", description=_LANGUAGE)
    did_you_mean: dict[str, str] = Field(default_factory=dict, description=_DID_YOU_MEAN)
    answer: Answer | None
    confidence: float = Field(ge=0, le=1, description="Calibrated probability that the answer sentence answers "
                                                      "the question (for an abstention: that the closest one does).")
    confidence_level: ConfidenceLevel
    closest: Answer | None = Field(default=None, description="For an abstention: the sentence the confidence is "
                                                             "about, which the service does not take as an answer.")
    abstained_reason: str | None
    passages: list[Passage]
    also_reported_in: list[Corroboration]
    took_ms: float


class Verdict(str, Enum):
    """How a pasted quote relates to the articles, from strongest to weakest."""

    exact = "exact"            # verbatim once typography (quotes, dashes, ellipses, spacing, case) is folded;
                               # pieces joined by an ellipsis are exact when each is, in order, in one passage
    near = "near"              # the same claim, reworded: words changed, dropped or added, typos, punctuation
    altered = "altered"        # the wording aligns but a figure or a negation differs: a misquote
    paraphrase = "paraphrase"  # the same claim in other words
    not_found = "not_found"    # nothing in the articles passes the thresholds

    @property
    def rank(self) -> int:
        """0 for the strongest verdict; matches are listed strongest first."""
        return list(Verdict).index(self)


class DiffOp(BaseModel):
    """One step of the word-level diff from the original wording to the pasted one."""

    op: Literal["equal", "replace", "insert", "delete", "omit"] = Field(
        description="equal; replace; insert (words the pasted text added); delete (original words the pasted "
                    "text dropped without saying so); omit (original text the pasted text left out and marked "
                    "with an ellipsis).")
    pasted: str
    original: str


class MaterialChange(BaseModel):
    """A change that makes the quote say something else: a different figure, an added or dropped negation,
    or another name in place of the article's."""

    kind: Literal["figure", "negation", "name"]
    original: str = Field(description="The article's wording at the change (empty when the quote added it).")
    pasted: str = Field(description="The quote's wording at the change (empty when the quote dropped it).")


class Omission(BaseModel):
    """Article text inside a match that the quote left out and marked with an ellipsis."""

    start: int
    end: int
    text: str


class QuoteMatch(Citation):
    """Where a quote comes from: the article's own wording at `[start:end]`, omitted parts included."""

    verdict: Verdict
    score: float = Field(description="exact: 1; near and altered: character similarity; paraphrase: cosine "
                                     "similarity.")
    diff: list[DiffOp] = Field(default_factory=list, description="Word-level changes (near, altered, and exact "
                                                                 "quotes with omissions).")
    material_changes: list[MaterialChange] = Field(
        default_factory=list, description="altered only: each changed figure or negation.")
    omissions: list[Omission] = Field(
        default_factory=list, description="What the quote's ellipses stand for, at the article's offsets.")


class QuoteCheck(BaseModel):
    """One pasted quote (the whole text, or one of its sentences) and every place it comes from."""

    text: str
    start: int = Field(description="Offset of this quote in the pasted text.")
    end: int
    verdict: Verdict
    matches: list[QuoteMatch] = Field(description="Every occurrence, best first.")


class CiteResult(BaseModel):
    text: str
    verdict: Verdict = Field(description="The verdict for the whole text.")
    whole: QuoteCheck
    sentences: list[QuoteCheck] = Field(description="One check per sentence when the text holds several.")
    partial: bool = Field(default=False, description="True when the time budget (RUNRI_CITE_TIME_BUDGET_S) ran "
                                                     "out: `sentences` then holds only the sentences checked.")
    note: str | None = Field(default=None, description="Why the result is partial.")
    link: str = Field(description="A link that reproduces this check in the web page: /?quote=...")
    took_ms: float


DOC_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"


class NewDocument(BaseModel):
    """An article to add. Its text is stored byte for byte: citations are offsets into it."""

    id: str | None = Field(default=None, pattern=DOC_ID_PATTERN,
                           description="Letters, digits, '_' and '-', at most 100; default: made from the title "
                                       "and the text's hash.")
    title: str | None = Field(default=None, max_length=500)
    publication: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    date: IsoDate | None = None
    url: str | None = Field(default=None, max_length=2000)
    text: str = Field(min_length=1, description="The article's full text (plain text or markdown).")

    @field_validator("title", "publication", "author", "url")
    @classmethod
    def _one_clean_line(cls, value: str | None) -> str | None:
        """Metadata is shown, logged and copied into citations: one line of visible text."""
        if value is None:
            return None
        bad = next((c for c in value if _is_control(c)), None)
        if bad is not None:
            raise ValueError(f"must not contain control characters (found U+{ord(bad):04X} at {value.index(bad)})")
        return value

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// address")
        return value

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain at least 1 non-whitespace character")
        if not any(c.isalnum() for c in value):  # e.g. a "..." placeholder copied from an example
            raise ValueError("must contain at least one word")
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


# Bidirectional overrides and isolates reorder what a reader sees (a title that displays reversed).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_control(c: str) -> bool:
    """C0/C1 controls (NUL, tab, newline, DEL, ...), line and paragraph separators, bidi controls."""
    return unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS


class AddResult(BaseModel):
    id: str
    created: bool = Field(description="False when the same text was already indexed (see `message`).")
    message: str
    sha256: str
    chunks: int = Field(description="Chunks of this document in the index.")
    sentences: int


class RemoveResult(BaseModel):
    id: str
    removed_chunks: int
    message: str

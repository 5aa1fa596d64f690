"""The verdict on aligned pieces: exact (with the omitted spans when ellipses mark them), near
(reworded), altered (a figure, a negation or a name differs: service/material.py), or none at all.

Stretches between ellipses are compared word by word with the pasted pieces (service/worddiff.py);
the stretches the ellipses stand for become omissions. A fabricated claim that merely shares a topic
is refused here: its wording must align with the source's.
"""

from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz import fuzz

from index.store import CorpusIndex
from service.align import MIN_SHARED_WORDS, Hit, Quote, has_word, word_range
from service.material import material_changes, name_changes, only_dropped, wording_similarity
from service.models import DiffOp, MaterialChange, Verdict
from service.pieces import Pieces
from service.quotes import CiteRules, Found
from service.worddiff import Words, word_opcodes

_CLOSING = ".!?…\"'”’)"
_OPENING = "\"'“‘("


class Judge:
    def __init__(self, index: CorpusIndex, words: Mapping[str, Words], rules: CiteRules) -> None:
        self.index = index
        self.words = words
        self.rules = rules

    def acceptable(self, part: Quote, hit: Hit) -> bool:
        """A piece's alignment is worth building on when it would pass as near or altered alone."""
        if hit.exact:
            return True
        words = self.words[hit.doc_id]
        i, j = word_range(words, hit.start, hit.end)
        source = words.keys[i:j]
        steps = word_opcodes(source, part.words.keys)
        changes = material_changes(steps, source, part.words.keys, [("", "")] * len(steps))
        return self.wording(hit.similarity, source, part.words.keys, steps, bool(changes)) is not None

    def wording(self, similarity: float, source: tuple[str, ...], pasted: tuple[str, ...], steps: list,
                material: bool) -> float | None:
        """None when the pasted wording is too far from the source's to be a (mis)quote of it, else its
        wording similarity. It must share at least MIN_SHARED_WORDS words, and half of its own (a few
        common words are no evidence). Without a material change it must be near in characters or only
        drop words; with one, it must be as near once figures are masked and negations removed."""
        shared = sum(a2 - a1 for tag, a1, a2, *_ in steps if tag == "equal")
        if shared < max(MIN_SHARED_WORDS, (len(pasted) + 1) // 2):
            return None
        if not material:
            return similarity if (similarity >= self.rules.near_min_similarity
                                  or only_dropped(source, pasted)) else None
        wording = wording_similarity(source, pasted)
        return wording if (wording >= self.rules.altered_min_wording
                           or only_dropped(source, pasted, masked=True)) else None

    def judge(self, text: str, hits: list[Hit], pieces: Pieces, quote: Quote | None = None) -> Found | None:
        """The verdict on `hits`, one per piece of `pieces` (offsets into `text`), in order, in one
        article; None when the wording does not hold up. `quote`: the whole text, already parsed."""
        doc_id = hits[0].doc_id
        words = self.words[doc_id]
        groups: list[list[int]] = []  # pieces not separated by an ellipsis are compared together
        for k, piece in enumerate(pieces.items):
            if k == 0 or piece.after_ellipsis:
                groups.append([])
            groups[-1].append(k)
        diff: list[DiffOp] = []
        material: list[MaterialChange] = []
        omissions: list[tuple[int, int]] = []
        weighted, total, exact, wording = 0.0, 0, True, 1.0
        previous_end = None
        for group in groups:
            first, last = hits[group[0]], hits[group[-1]]
            p_start, p_end = pieces.items[group[0]].start, pieces.items[group[-1]].end
            pasted = quote if quote is not None and len(groups) == 1 else Quote.of(text[p_start:p_end])
            if previous_end is not None and first.start > previous_end:
                omitted = _trimmed(words.source, *words.norm.original_span(previous_end, first.start))
                if omitted is not None:
                    mark = text[pieces.items[group[0] - 1].end:p_start].strip()
                    diff.append(DiffOp(op="omit", original=_slice(words.source, omitted), pasted=mark))
                    omissions.append(omitted)
            previous_end = last.end
            i, j = word_range(words, first.start, last.end)
            steps = word_opcodes(words.keys[i:j], pasted.words.keys)
            texts = [(words.text(i + a1, i + a2), pasted.words.text(b1, b2)) for _, a1, a2, b1, b2 in steps]
            diff += [DiffOp(op=tag, original=o, pasted=p) for (tag, *_), (o, p) in zip(steps, texts)]
            group_exact = all(hits[k].exact for k in group) and all(tag == "equal" for tag, *_ in steps)
            similarity = 1.0 if group_exact else fuzz.ratio(pasted.core, words.norm.text[first.start:last.end]) / 100
            changes = material_changes(steps, words.keys[i:j], pasted.words.keys, texts)
            group_wording = 1.0 if group_exact else self.wording(similarity, words.keys[i:j], pasted.words.keys,
                                                                 steps, bool(changes))
            if group_wording is None:
                return None
            # A name swapped for another changes the claim (altered) but is judged, for closeness, like
            # any reworded word: the quote must still be near the article's wording.
            material += changes + name_changes(steps, texts)
            exact = exact and group_exact
            wording = min(wording, group_wording)
            weighted += similarity * (p_end - p_start)
            total += p_end - p_start
        start, end = words.norm.original_span(hits[0].start, hits[-1].end)
        start, end = self._widen(text, doc_id, start, end, pieces, diff, omissions)
        verdict = Verdict.exact if exact else Verdict.altered if material else Verdict.near
        return Found(doc_id, start, end, verdict, 1.0 if exact else round(weighted / total, 4), round(wording, 4),
                     tuple(diff) if (diff and not (exact and not omissions)) else (), tuple(material),
                     tuple(omissions))

    def _widen(self, text: str, doc_id: str, start: int, end: int, pieces: Pieces, diff: list[DiffOp],
               omissions: list[tuple[int, int]]) -> tuple[int, int]:
        """An opening ellipsis omits the sentence's start, a closing one its end: the match covers the
        whole sentence and lists what was left out. Otherwise the source's own quote marks and closing
        punctuation are kept when the pasted text has them too."""
        source = self.index.documents[doc_id].text
        sentences = self.index.sentences_in(doc_id, start, end)
        if pieces.leading_ellipsis and sentences and sentences[0].start < start:
            omitted = _trimmed(source, sentences[0].start, start)
            if omitted is not None:
                omissions.insert(0, omitted)
                mark = text[:pieces.items[0].start].strip()
                diff.insert(0, DiffOp(op="omit", original=_slice(source, omitted), pasted=mark))
                start = omitted[0]
        elif text.lstrip()[:1] in _OPENING:
            while start > 0 and source[start - 1] in _OPENING:
                start -= 1
        if pieces.trailing_ellipsis and sentences and sentences[-1].end > end:
            omitted = _trimmed(source, end, sentences[-1].end)
            if omitted is not None:
                omissions.append(omitted)
                mark = text[pieces.items[-1].end:].strip()
                diff.append(DiffOp(op="omit", original=_slice(source, omitted), pasted=mark))
                end = sentences[-1].end
        elif text.rstrip()[-1:] in _CLOSING and not pieces.trailing_ellipsis:
            while end < len(source) and source[end] in _CLOSING:
                end += 1
        return start, end


def _slice(text: str, span: tuple[int, int] | None) -> str:
    return text[span[0]:span[1]] if span else ""


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """An omitted stretch text[start:end] without the spaces and commas around it; None when it holds
    no word (an ellipsis where the source only has punctuation omits nothing)."""
    while start < end and (text[start].isspace() or text[start] in ",;:.!?"):  # the end of what came before
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return (start, end) if end > start and has_word(text[start:end]) else None

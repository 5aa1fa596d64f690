"""The name vocabulary's counts kept on disk between starts, for the corpus they were counted on.

Counting every article's names is a Python pass over every word: about 106 s of a 200 s start at a
million chunks. The counts depend only on the articles' texts, so they are saved under the data folder,
named by a hash of every article's id and sha256 (and of this format), and read back by the next start
over the same corpus. A write saves the counts of its corpus the same way. Reading or writing the file
is never fatal: a missing, stale or unreadable file means counting again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from index.corpus import Document
from service.names import NameCounts

FOLDER = "derived"
FORMAT = "name-counts-1"  # change it when names._scan counts differently: old files are then never read
_log = logging.getLogger("runri.names")


def corpus_key(documents: Mapping[str, Document]) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for doc_id in sorted(documents):
        digest.update(f"\n{doc_id}\t{documents[doc_id].sha256}".encode())
    return digest.hexdigest()[:16]


def path_for(data_dir: Path, documents: Mapping[str, Document]) -> Path:
    return data_dir / FOLDER / f"names-{corpus_key(documents)}.json"


def load(data_dir: Path, documents: Mapping[str, Document]) -> NameCounts | None:
    """The counts saved for exactly these articles, or None."""
    path = path_for(data_dir, documents)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return NameCounts(Counter(raw["words"]), Counter(raw["capitalised"]),
                          Counter({(a, b): n for a, b, n in raw["neighbours"]}), Counter(raw["lower"]),
                          Counter(raw["hyphenated"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _log.warning("name counts in %s unreadable (%s): counting the articles again", path, exc)
        return None


def save(data_dir: Path, documents: Mapping[str, Document], counts: NameCounts) -> None:
    """Written atomically; the files of other corpora (before a write) are removed."""
    path = path_for(data_dir, documents)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {"words": counts.words, "capitalised": counts.capitalised,
                "neighbours": [[a, b, n] for (a, b), n in counts.neighbours.items()], "lower": counts.lower,
                "hyphenated": counts.hyphenated}
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        for other in path.parent.glob("names-*.json"):
            if other != path:
                other.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full data folder: the next start counts again
        _log.warning("name counts not saved to %s (%s)", path, exc)


def counts_for(data_dir: Path, documents: Mapping[str, Document]) -> NameCounts:
    """The saved counts of these articles, or their counts made now and saved for the next start."""
    counts = load(data_dir, documents)
    if counts is None:
        counts = NameCounts.of(doc.text for doc in documents.values())
        save(data_dir, documents, counts)
    return counts

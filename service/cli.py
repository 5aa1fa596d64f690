"""`runri` command line: a thin shell over the same core as the HTTP API."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

from index.errors import RunriError
from service.models import MAX_K
from service.settings import Settings, get_settings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["eval"]:  # every later argument is the eval's own (argparse cannot pass `--help` on)
        _run_eval(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args, get_settings()) or 0
    except RunriError as exc:
        print(f"error: {_with_hint(exc)}", file=sys.stderr)
        return 1
    except ValueError as exc:  # bad input, e.g. an unknown --mode, whose message lists the valid ones
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="runri", description=__doc__)
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", help="default: RUNRI_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: RUNRI_PORT or 8000")
    serve.set_defaults(run=_serve)

    index = commands.add_parser("index", help="build or inspect the index").add_subparsers(title="index commands")
    build = index.add_parser("build", help="build the index if it is missing or stale")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is fresh")
    build.set_defaults(run=_index_build)
    status = index.add_parser("status", help="print the manifest and whether the index is fresh")
    status.set_defaults(run=_index_status)

    for name, text, helptext, run in (("search", "query", "print the passages that match a query", _search),
                                      ("ask", "question", "answer a question from the articles", _ask)):
        command = commands.add_parser(name, help=helptext)
        command.add_argument(text)
        command.add_argument("-k", type=_passage_count, default=None,
                             help=f"how many passages, 1-{MAX_K} (default: RUNRI_DEFAULT_K, 5)")
        command.add_argument("--mode", default="hybrid", help="dense, lexical, multilingual or hybrid")
        command.add_argument("--json", action="store_true", help="print the API response")
        command.set_defaults(run=run)

    cite = commands.add_parser("cite", help="find where a quote comes from and what it changed")
    cite.add_argument("text", help="the quote or claim, as pasted")
    cite.add_argument("--json", action="store_true", help="print the API response")
    cite.set_defaults(run=_cite)

    add = commands.add_parser("add", help="add an article (a UTF-8 .txt or .md file) to the index")
    add.add_argument("file", type=Path)
    for field in ("id", "title", "publication", "author", "date", "url"):
        add.add_argument(f"--{field}", help="YYYY-MM-DD" if field == "date" else None)
    add.set_defaults(run=_add)
    remove = commands.add_parser("remove", help="remove an added article from the index")
    remove.add_argument("id")
    remove.set_defaults(run=_remove)

    # Listed for `runri --help`; main() hands `runri eval ...` to `python -m eval ...` before parsing.
    commands.add_parser("eval", help="run the gold set and the regression gate (see `runri eval --help`)")
    return parser


def _with_hint(exc: RunriError) -> str:
    """The error, and what to run about it (the API gives its endpoints instead)."""
    from service.request_errors import DocumentNotFoundError

    hints = {DocumentNotFoundError: "`runri index status` lists the ids"}
    hint = next((h for kind, h in hints.items() if isinstance(exc, kind)), None)
    return f"{exc.message}; {hint}" if hint else exc.message


def _validated(model, **fields):
    """The request the API would accept, or a ValueError with the API's own message."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as exc:
        raise ValueError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None


def _passage_count(value: str) -> int:
    k = int(value)
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_K}, got {k}")
    return k


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    host, port = args.host or settings.host, args.port or settings.port
    taken = _cannot_listen(host, port)
    if taken:  # say so now, not after loading the model
        print(f"error: cannot listen on {host}:{port} ({taken}); stop what uses it, or pick another port with "
              "--port (or RUNRI_PORT)", file=sys.stderr)
        return 1

    from service.api import server
    from service.api.app import create_app
    from service.index_lifecycle import index_status

    status = index_status(settings)
    if not status.fresh:
        print("error: " + "; ".join(status.reasons) + ". Run `runri index build` (or `make index`) first.",
              file=sys.stderr)
        return 1
    print(f"serving on http://{host}:{port} (OpenAPI at /docs)", file=sys.stderr)
    server.run(create_app(settings), settings, host, port,
               access_log=False)  # the app logs one JSON line per request itself
    return 0


def _cannot_listen(host: str, port: int) -> str | None:
    """Why a server could not listen on host:port, or None when it can (probed with a throwaway socket)."""
    import socket

    try:
        with socket.create_server((host, port)):
            return None
    except OSError as exc:
        return os.strerror(exc.errno) if exc.errno else str(exc)


def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    from service.index_lifecycle import build

    started = time.perf_counter()
    if settings.build_threads is None:  # a build from the command line has the machine to itself
        settings = settings.model_copy(update={"build_threads": len(os.sched_getaffinity(0))})
    index, built = build(settings, force=args.force, progress=True)
    counts = index.manifest.counts
    verb = "built" if built else "index is fresh, nothing to do:"
    print(f"{verb} {counts['documents']} documents, {counts['chunks']} chunks, {counts['sentences']} sentences "
          f"({index.manifest.dense_kind} dense index) in {time.perf_counter() - started:.1f} s"
          + (f"; build took {index.manifest.build_seconds:.1f} s" if built else ""))
    print(f"index: {settings.index_dir.resolve()}")
    return 0


def _index_status(args: argparse.Namespace, settings: Settings) -> int:
    from service.index_lifecycle import index_status

    status = index_status(settings)
    if status.manifest is not None:
        print(status.manifest.model_dump_json(indent=2, exclude={"files"}))
    print("fresh" if status.fresh else "NOT fresh: " + "; ".join(status.reasons))
    return 0 if status.fresh else 1


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from service.engine import Engine
    from service.models import RetrievalMode, SearchRequest

    request = _validated(SearchRequest, q=args.query, k=args.k, mode=RetrievalMode.from_str(args.mode))
    result = Engine.open(settings).search(request.q, request.k, request.mode)
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    for rank, p in enumerate(result.passages, start=1):
        print(f"{rank}. [{p.doc_id} {p.start}:{p.end}] score {p.score:.4f} ({', '.join(r.value for r in p.retrievers)})")
        print(f"   {p.title or p.publication or ''}")
        print("   " + p.text.replace("\n", " ")[:300])
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from service.engine import Engine
    from service.models import AskRequest, RetrievalMode

    request = _validated(AskRequest, question=args.question, k=args.k, mode=RetrievalMode.from_str(args.mode))
    result = Engine.open(settings).ask(request.question, request.k, request.mode,
                                       link_base=_link_base(settings))
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    for typed, term in result.did_you_mean.items():
        print(f"Did you mean {term}? Searched for {term} instead of {typed}.")
    if result.answer is None:
        print(f"The articles do not answer this: {result.abstained_reason} "
              f"(confidence {result.confidence:.2f}, {result.confidence_level.value}).")
        print("Closest passages:")
        for p in result.passages[:3]:
            print(f"  [{p.doc_id} {p.start}:{p.end}] " + p.text.replace("\n", " ")[:200])
        return 0
    a = result.answer
    print(f"Answer ({result.confidence_level.value} confidence, {result.confidence:.2f}): {a.text}")
    if a.span is not None:  # the exact phrase, marked inside the sentence
        phrase = a.text[a.span.start - a.start:a.span.end - a.start]
        print(f"  {phrase} [{a.doc_id} {a.span.start}:{a.span.end}]")
    print(f"Source: {_source(a)} [{a.doc_id} {a.start}:{a.end}]")
    print(f"Link: {a.link}")
    passage = next((p for p in result.passages if p.doc_id == a.doc_id and p.start <= a.start < p.end), None)
    if passage is not None:
        marked = (passage.text[:a.start - passage.start] + ">>" + a.text + "<<"
                  + passage.text[a.end - passage.start:])
        print("Excerpt: " + marked.replace("\n", " "))
    for c in result.also_reported_in:
        print(f"Also reported in: {c.title or c.publication or c.doc_id} [{c.doc_id} {c.start}:{c.end}]: {c.text}")
    return 0


def _ingestor(settings: Settings):
    """A writer over the index on disk. A running server sees the change at its next write or restart;
    to add while serving, use POST /documents."""
    from service.engine import Engine
    from service.ingest import Ingestor

    state = {"engine": Engine.open(settings)}
    return Ingestor(settings, current=lambda: state["engine"], publish=lambda e: state.update(engine=e))


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from service.ingest import require_text_file
    from service.models import NewDocument

    require_text_file(args.file.name)
    try:
        text = args.file.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read {args.file}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{args.file} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    fields = {f: getattr(args, f) for f in ("id", "title", "publication", "author", "date", "url") if getattr(args, f)}
    new = _validated(NewDocument, text=text, **fields)
    result = _ingestor(settings).add(new)
    print(f"{result.message} ({result.chunks} chunks, {result.sentences} sentences)")
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    print(_ingestor(settings).remove(args.id).message)
    return 0


def _cite(args: argparse.Namespace, settings: Settings) -> int:
    from service.engine import Engine
    from service.models import CiteRequest

    request = _validated(CiteRequest, text=args.text)
    result = Engine.open(settings).cite(request.text, link_base=_link_base(settings))
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    checks = [result.whole] + result.sentences
    if result.whole.verdict.value == "exact" and result.sentences:
        checks = [result.whole]  # every sentence is exact too: said once
    for number, check in enumerate(checks):
        if number == 1:
            print("\nSentence by sentence:")
        print(f"{_VERDICTS[check.verdict.value]}: {check.text}")
        for m in check.matches:
            print(f"  {m.verdict.value} ({m.score:.2f}) in {_source(m)} [{m.doc_id} {m.start}:{m.end}]")
            for change in m.material_changes:
                what = _MATERIAL[change.kind]
                print(f"  !! {what} from the source: '{change.original}' -> '{change.pasted}'")
            print(f"  original: {m.text}")
            for omission in m.omissions:
                print(f"  omitted (marked with an ellipsis): {omission.text}")
            changes = [d for d in m.diff if d.op not in ("equal", "omit")]
            if changes:
                print("  changed: " + "; ".join(_describe(d) for d in changes))
            print(f"  link: {m.link}")
    if result.partial:
        print(f"\nPARTIAL: {result.note}")
    return 0


_MATERIAL = {"figure": "the figure differs", "negation": "a negation was added or dropped",
             "name": "a name differs"}
_VERDICTS = {"exact": "EXACT quote", "near": "REWORDED quote", "altered": "ALTERED quote: it changes what the source says",
             "paraphrase": "PARAPHRASE", "not_found": "NOT FOUND in the articles"}


def _source(citation) -> str:
    """Publication, author, "title", date and URL, saying 'undated' and so on where a field is unknown."""
    return ", ".join([citation.publication or "unknown publication", citation.author or "unknown author",
                      f'"{citation.title}"' if citation.title else "untitled",
                      str(citation.date) if citation.date else "undated"]
                     + ([citation.url] if citation.url else []))


def _link_base(settings: Settings) -> str:
    return settings.public_url or f"http://{settings.host}:{settings.port}"


def _describe(step) -> str:
    if step.op == "replace":
        return f"'{step.original}' -> '{step.pasted}'"
    if step.op == "insert":
        return f"added '{step.pasted}'"
    return f"dropped '{step.original}'"


def _run_eval(args: list[str]) -> NoReturn:
    """The eval judges the product, so the product does not import it: this process becomes `python -m eval`."""
    os.execv(sys.executable, [sys.executable, "-m", "eval", *args])


if __name__ == "__main__":
    sys.exit(main())

"""Shareable links. Results carry paths (/read/{id}#start-end, /?quote=...); the engine puts them on
the public base, RUNRI_PUBLIC_URL, or else on the host the request was sent to, so a copied
citation never points at 127.0.0.1 when the service has a public name."""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import BaseModel


def quote_check_path(text: str) -> str:
    """The web page's link that runs this quote check again."""
    return f"/?{urlencode({'quote': text})}#quote"


def on_base(result: BaseModel, base: str | None) -> BaseModel:
    """Every `link` path inside `result` (citations at any depth, the result's own) made absolute."""
    if base:
        _prefix(result, base.rstrip("/"))
    return result


def _prefix(value, base: str) -> None:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name == "link" and isinstance(item, str) and item.startswith("/"):
                setattr(value, name, base + item)
            else:
                _prefix(item, base)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _prefix(item, base)

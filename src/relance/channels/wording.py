"""The words of a communication: Relance's defaults (defaults/<language>.yaml) or the
creditor's edited copy, rendered in a sandbox.

Edited templates are Django template text run by an engine that has no loader (no
{% include %} or {% extends %} can read a file) over a context of plain strings, lists
and dicts built by relance.channels.documents: nothing in it reaches settings, the
database or Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.template import Context, Engine, TemplateSyntaxError
from django.utils.html import linebreaks

from relance.core.errors import DomainError

DEFAULTS = Path(__file__).parent / "defaults"
LANGUAGES = ("fr", "en")
FIELDS = ("subject", "body", "closing")
_ENGINE = Engine(loaders=[], libraries={}, autoescape=True, debug=False)


@dataclass(frozen=True)
class Wording:
    key: str
    language: str
    title: str
    subject: str
    body: str
    closing: str


@dataclass(frozen=True)
class Rendered:
    title: str
    subject: str
    body_text: str
    closing_text: str
    body_html: str
    closing_html: str


@cache
def defaults(language: str) -> dict[str, dict[str, str]]:
    path = DEFAULTS / f"{language}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def keys() -> list[str]:
    return list(defaults("fr"))


def wording(creditor: Any, key: str, language: str) -> Wording:
    """The creditor's own text for `key` in `language`, else Relance's, else English."""
    from relance.channels.models import MessageTemplate

    own = MessageTemplate.objects.filter(creditor=creditor, key=key, language=language).first()
    if own is not None:
        return Wording(key, language, _title(key, language), own.subject, own.body, own.closing)
    for lang in (language, "en"):
        text = defaults(lang).get(key)
        if text:
            return Wording(key, lang, text["title"], text["subject"], text["body"], text["closing"])
    raise DomainError(f"no wording for template {key!r}: add it under Templates")


def _title(key: str, language: str) -> str:
    return (defaults(language).get(key) or defaults("en").get(key) or {}).get("title", "")


def check(text: str) -> None:
    """Refuse a template with a syntax error, naming it (for the editor)."""
    try:
        _ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise DomainError(f"template error: {exc}") from None


def _render(text: str, context: dict[str, Any], *, html: bool) -> str:
    try:
        template = _ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise DomainError(f"template error: {exc}") from None
    return template.render(Context(context, autoescape=html)).strip()


def render(words: Wording, context: dict[str, Any]) -> Rendered:
    """Subject and text as plain text, body and closing also as escaped HTML paragraphs."""
    body_html = _render(words.body, context, html=True)
    closing_html = _render(words.closing, context, html=True)
    return Rendered(
        title=words.title,
        subject=" ".join(_render(words.subject, context, html=False).split()),
        body_text=_render(words.body, context, html=False),
        closing_text=_render(words.closing, context, html=False),
        body_html=linebreaks(body_html, autoescape=False),
        closing_html=linebreaks(closing_html, autoescape=False),
    )

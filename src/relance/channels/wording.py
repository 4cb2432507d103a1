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
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils.html import linebreaks

from relance.core.errors import DomainError

DEFAULTS = Path(__file__).parent / "defaults"
LANGUAGES = ("fr", "en")
FIELDS = ("subject", "body", "closing")
_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, debug=False)


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


def template_keys() -> list[str]:
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
    """Refuse a template that does not compile or render, naming the error (for the
    editor)."""
    _render(text, {})


def _render(text: str, context: dict[str, Any]) -> str:
    try:
        template = _ENGINE.from_string(text)
        return template.render(Context(context, autoescape=False)).strip()
    except (TemplateSyntaxError, TemplateDoesNotExist) as exc:
        # {% include %} and {% extends %} find no loader: there is no file they can read.
        raise DomainError(f"template error: {exc}") from None


def render(words: Wording, context: dict[str, Any]) -> Rendered:
    """Subject and text as plain text; body and closing also as HTML paragraphs, the
    whole text escaped (what a person typed, tags included, shows as typed)."""
    body = _render(words.body, context)
    closing = _render(words.closing, context)
    return Rendered(
        title=words.title,
        subject=" ".join(_render(words.subject, context).split()),
        body_text=body,
        closing_text=closing,
        body_html=linebreaks(body, autoescape=True),
        closing_html=linebreaks(closing, autoescape=True),
    )

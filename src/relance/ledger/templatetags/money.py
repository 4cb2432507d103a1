"""Amounts for people: minor units shown in the page's language (Babel)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, format_percent
from django import template
from django.utils.translation import get_language, to_locale

from relance.core.currencies import minor_units

register = template.Library()


def format_money(minor: int, currency: str, language: str) -> str:
    """`minor` units of `currency` as a person of `language` reads them."""
    value = Decimal(minor).scaleb(-minor_units(currency))
    locale, pattern = _currency_format(language)
    return pattern.apply(value, locale, currency=currency)


@cache
def _currency_format(language: str) -> tuple[Locale, NumberPattern]:
    """What babel.numbers.format_currency looks up on every call (a page formats
    hundreds of amounts: this makes each a third as costly)."""
    locale = Locale.parse(to_locale(language))
    return locale, locale.currency_formats["standard"]


@register.filter
def money(minor: int | None, currency: str = "EUR") -> str:
    if minor is None:
        return "—"
    return format_money(minor, currency, get_language() or "fr")


@register.filter
def percent(fraction: str | Decimal | None) -> str:
    """A fraction ("0.6667") as a percentage in the page's language."""
    if fraction is None:
        return "—"
    return format_percent(Decimal(fraction), "#,##0.#%", locale=to_locale(get_language() or "fr"))

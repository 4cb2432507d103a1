"""The domain's errors: one small tree, each a ValueError the shell can report."""

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class DomainError(ValueError):
    """Base of every error the core raises on bad input."""


class UnknownCurrency(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown currency {code!r}")
        self.code = code


class CurrencyMismatch(DomainError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} and {right}")


class InvalidAmount(DomainError):
    pass


class InvalidTerms(DomainError):
    pass


class InvalidIdentifier(DomainError):
    pass


def one_of(kind: type[E], value: str, what: str) -> E:
    """`value` as a member of `kind`, typed loosely ("Not delivered", "in-person"); an
    error listing the accepted values otherwise.

    >>> from relance.core.ledger import InvoiceKind
    >>> one_of(InvoiceKind, "Credit note", "kind")
    <InvoiceKind.CREDIT_NOTE: 'credit_note'>
    >>> one_of(InvoiceKind, "receipt", "kind")
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: kind: one of invoice, credit_note
    """
    try:
        return kind(value.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        raise DomainError(f"{what}: one of {', '.join(m.value for m in kind)}") from None

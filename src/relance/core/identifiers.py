"""Company and bank identifiers, validated and normalised (python-stdnum, schwifty).

>>> company_number("732 829 320")
'732829320'
>>> company_number("73282932000074")
'73282932000074'
>>> company_number("732829321")
Traceback (most recent call last):
...
relance.core.errors.InvalidIdentifier: invalid SIREN/SIRET '732829321': the number's checksum or check digit is invalid
>>> vat_number("fr 40 303 265 045")
'FR40303265045'
>>> iban("fr76 3000 6000 0112 3456 7890 189")
'FR7630006000011234567890189'
>>> rf_reference("C-0042")
'RF28C0042'
"""

from __future__ import annotations

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649, vatin
from stdnum.exceptions import ValidationError
from stdnum.fr import siren, siret
from stdnum.iso7064 import mod_97_10

from relance.core.errors import InvalidIdentifier


def _reason(exc: Exception) -> str:
    text = str(exc).strip().rstrip(".")
    return text[:1].lower() + text[1:] if text else type(exc).__name__


def company_number(value: str, country: str = "FR") -> str:
    """A SIREN (9 digits) or SIRET (14) for French companies; other countries kept as given."""
    compact = value.replace(" ", "").replace(".", "").replace("-", "")
    if country != "FR":
        return value.strip()
    try:
        if len(compact) == 14:
            return str(siret.validate(compact))
        return str(siren.validate(compact))
    except ValidationError as exc:
        raise InvalidIdentifier(f"invalid SIREN/SIRET {value!r}: {_reason(exc)}") from None


def vat_number(value: str) -> str:
    """An EU (or other) VAT number, with its country prefix."""
    try:
        return str(vatin.validate(value))
    except ValidationError as exc:
        raise InvalidIdentifier(f"invalid VAT number {value!r}: {_reason(exc)}") from None


def iban(value: str) -> str:
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise InvalidIdentifier(f"invalid IBAN {value!r}: {_reason(exc)}") from None


def bic(value: str) -> str:
    """
    >>> bic("bnpafrpp")
    'BNPAFRPP'
    """
    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise InvalidIdentifier(f"invalid BIC {value!r}: {_reason(exc)}") from None


def rf_reference(code: str, fallback: int = 0) -> str:
    """The ISO 11649 creditor reference ("RF" + check digits + up to 21 letters or digits)
    that names a customer on a bank transfer, built from the customer's account code so
    that a statement line can be traced back to it; `fallback` (a number) stands in when
    the code has no usable characters or is too long.

    >>> rf_reference("411 DUPONT"), rf_reference("customer-account-code-000123", fallback=7)
    ('RF92411DUPONT', 'RF097')
    """
    body = "".join(c for c in code.upper() if c.isascii() and c.isalnum())
    if not body or len(body) > 21:
        body = str(fallback)
    reference = f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"
    return str(iso11649.validate(reference))

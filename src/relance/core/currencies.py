"""ISO 4217 currencies and their minor units.

>>> minor_units("EUR"), minor_units("JPY"), minor_units("KWD")
(2, 0, 3)
>>> minor_units("XXX")
Traceback (most recent call last):
...
relance.core.errors.UnknownCurrency: unknown currency 'XXX'
"""

from relance.core.errors import UnknownCurrency

# Active ISO 4217 codes (list one, the SIX maintenance agency). Most have two decimals;
# the exceptions are listed apart so that a mistake in one is easy to see.
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VED VND VUV WST XAF XCD XCG
XOF XPF YER ZAR ZMW ZWG
""".split()

_ZERO_DECIMALS = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()
)
_THREE_DECIMALS = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_FOUR_DECIMALS = frozenset("CLF UYW".split())

CURRENCIES: frozenset[str] = frozenset(_ISO_4217)


def minor_units(currency: str) -> int:
    """Number of decimals of the currency's minor unit (cents: 2)."""
    if currency not in CURRENCIES:
        raise UnknownCurrency(currency)
    if currency in _ZERO_DECIMALS:
        return 0
    if currency in _THREE_DECIMALS:
        return 3
    if currency in _FOUR_DECIMALS:
        return 4
    return 2


def is_currency(code: str) -> bool:
    """Whether `code` is an active ISO 4217 code.

    >>> is_currency("EUR"), is_currency("eur"), is_currency("FRF")
    (True, False, False)
    """
    return code in CURRENCIES

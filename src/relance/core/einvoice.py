"""E-invoices (EN 16931): UN/CEFACT CII, UBL 2.1 Invoice and CreditNote, and the
Factur-X / ZUGFeRD PDF that carries a CII file.

Both syntaxes say the same things (the business terms BT-n of EN 16931) in different
elements, so both are read into one `EInvoice`: what collection needs from an invoice,
amounts in minor units of the invoice currency, as printed (a credit note's total is
positive, its `kind` says it lowers the debt). PEPPOL BIS 3, XRechnung and the French
CTC extension are EN 16931 documents with extra elements: those are ignored.

XML is read with the locked-down parser of the camt reader (no network, no entity, no
DOCTYPE). A document that lacks a required term, or holds a bad date or amount, raises
`EInvoiceError` naming the element (as an XPath) and its line.

>>> xml = b'''<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
... xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
... xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
... <cbc:ID>F-1</cbc:ID><cbc:IssueDate>2026-03-02</cbc:IssueDate>
... <cbc:DueDate>2026-04-01</cbc:DueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
... <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
... <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity>
... <cbc:RegistrationName>Client SA</cbc:RegistrationName></cac:PartyLegalEntity>
... </cac:Party></cac:AccountingCustomerParty>
... <cac:LegalMonetaryTotal><cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
... <cbc:TaxInclusiveAmount currencyID="EUR">120.00</cbc:TaxInclusiveAmount>
... <cbc:PayableAmount currencyID="EUR">120.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
... </Invoice>'''
>>> doc = read(xml)
>>> doc.syntax, doc.number, doc.due_date, doc.total, doc.total_excl_tax, doc.buyer.name
('ubl', 'F-1', datetime.date(2026, 4, 1), 12000, 10000, 'Client SA')
>>> read(xml.replace(b"2026-03-02", b"02/03/2026"))
Traceback (most recent call last):
...
relance.core.einvoice.EInvoiceError: /Invoice/cbc:IssueDate (line 4): '02/03/2026' is not a date (YYYY-MM-DD)
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from relance.core.currencies import is_currency, minor_units
from relance.core.errors import DomainError
from relance.core.ledger import InvoiceKind
from relance.core.money import round_money
from relance.core.readers.camt import parse as parse_xml
from relance.core.terms import PaymentTerms

Element = etree._Element

CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
# UNTDID 1001 document types that credit (EN 16931 allows these in BT-3).
CREDIT_NOTE_TYPES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})  # fmt: skip
# The files a Factur-X / ZUGFeRD / XRechnung PDF may carry its invoice in, by preference.
EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
SYNTAXES = ("facturx", "ubl", "cii")


class EInvoiceError(DomainError):
    """The document cannot be read: `path` says where (an XPath; empty for the file as a
    whole), `line` on which line."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        where = f"{path} (line {line})" if line else path
        super().__init__(f"{where}: {reason}" if where else reason)
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Discount:
    """An early-payment discount: `percent` off when paid within `days` of issue."""

    percent: Decimal
    days: int


@dataclass(frozen=True)
class Party:
    name: str
    ids: tuple[tuple[str, str], ...] = ()  # BT-46 (scheme, id); scheme "" = the seller's own
    registration_number: str = ""  # BT-47 legal registration (SIREN...)
    vat_number: str = ""  # BT-48
    address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    email: str = ""


@dataclass(frozen=True)
class EInvoice:
    syntax: str  # "ubl" or "cii"
    number: str  # BT-1
    type_code: str  # BT-3
    issue_date: date  # BT-2
    currency: str  # BT-5
    buyer: Party  # BG-7
    seller_name: str  # BT-27
    total: int  # BT-112, with VAT; a credit note's is positive as printed
    total_excl_tax: int | None  # BT-109
    prepaid: int  # BT-113
    due_amount: int  # BT-115
    due_date: date | None = None  # BT-9
    delivery_date: date | None = None  # BT-72
    payment_reference: str = ""  # BT-83
    payment_terms: str = ""  # BT-20
    discount: Discount | None = None
    po_number: str = ""  # BT-13
    corrects: tuple[str, ...] = field(default=())  # BT-25: the invoices a credit note corrects

    @property
    def kind(self) -> InvoiceKind:
        return (
            InvoiceKind.CREDIT_NOTE if self.type_code in CREDIT_NOTE_TYPES else InvoiceKind.INVOICE
        )


def syntax(data: bytes) -> str:
    """The syntax of `data`: facturx for a PDF, ubl or cii by the XML root; an error for
    anything else.

    >>> syntax(b"%PDF-1.7 ..."), syntax(b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')
    ('facturx', 'ubl')
    >>> syntax(b"<Document/>")
    Traceback (most recent call last):
    ...
    relance.core.einvoice.EInvoiceError: /Document (line 1): not an e-invoice: the root is neither a UBL Invoice or CreditNote nor a CII CrossIndustryInvoice
    """
    if data.lstrip()[:5] == b"%PDF-":
        return "facturx"
    return _syntax_of(parse_xml(data))


def _syntax_of(root: Element) -> str:
    name = etree.QName(root)
    if name.namespace in (UBL_INVOICE, UBL_CREDIT_NOTE):
        return "ubl"
    if name.namespace == CII_NS["rsm"] and name.localname == "CrossIndustryInvoice":
        return "cii"
    raise EInvoiceError(
        f"/{name.localname}",
        "not an e-invoice: the root is neither a UBL Invoice or CreditNote nor a CII "
        "CrossIndustryInvoice",
        _line(root),
    )


def embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    """(name, content) of the invoice XML a Factur-X / ZUGFeRD / XRechnung PDF carries,
    its preferred name first when a PDF holds several.

    Read with pypdf, which stops inflating a stream at 75 MB, rather than with the
    factur-x library, which parses the XML on the way with lxml's default parser: the
    content then meets only the locked-down parser (a DOCTYPE is refused, with that
    reason, where factur-x would skip the file as "not an e-invoice")."""
    from pypdf import PdfReader

    try:
        attachments = PdfReader(io.BytesIO(pdf)).attachments
        found = {name.lower(): name for name in attachments}
        for wanted in EMBEDDED_NAMES:
            if wanted in found:
                for content in attachments[found[wanted]]:
                    if content:
                        return found[wanted], bytes(content)
    except Exception as exc:
        raise EInvoiceError("", f"cannot read the PDF: {exc}") from None
    raise EInvoiceError(
        "", f"the PDF has no embedded e-invoice ({', '.join(EMBEDDED_NAMES)}): not Factur-X"
    )


def read(data: bytes, expected: str | None = None) -> EInvoice:
    """The e-invoice in `data` (a UBL or CII XML file, or a Factur-X PDF); `expected`
    ("facturx", "ubl", "cii") refuses another syntax."""
    found = syntax(data)
    if expected and expected != found:
        raise EInvoiceError("/", f"the file is {_NAMES[found]}, not {_NAMES[expected]}")
    if found == "facturx":
        name, data = embedded_xml(data)
        root = parse_xml(data)
        if _syntax_of(root) != "cii":
            raise EInvoiceError(name, "the embedded invoice is not a CII CrossIndustryInvoice")
        return _Cii(root).read()
    root = parse_xml(data)
    return (_Cii(root) if _syntax_of(root) == "cii" else _Ubl(root)).read()


_NAMES = {"facturx": "a PDF (Factur-X)", "ubl": "UBL", "cii": "CII"}


class _Reader:
    ns: dict[str, str]
    date_hint: str

    def __init__(self, root: Element) -> None:
        self.root = root
        self.currency = "EUR"

    def path(self, el: Element) -> str:
        """`el` as an XPath with the usual prefixes (cbc:, ram:...), indexed where its
        parent has several of the same name."""
        steps = []
        node: Element | None = el
        while node is not None:
            parent = node.getparent()
            step = self.name(node)
            if parent is not None:
                same = [c for c in parent if c.tag == node.tag]
                if len(same) > 1:
                    step += f"[{same.index(node) + 1}]"
            steps.append(step)
            node = parent
        return "/" + "/".join(reversed(steps))

    def name(self, el: Element) -> str:
        q = etree.QName(el)
        prefix = next((p for p, uri in self.ns.items() if uri == q.namespace), "")
        return f"{prefix}:{q.localname}" if prefix else q.localname

    def where(self, el: Element, rel: str) -> str:
        return f"{self.path(el)}/{rel}".replace("//", "/")

    def all(self, el: Element, xpath: str) -> list[Element]:
        found = el.xpath(xpath, namespaces=self.ns)
        return (
            [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
        )

    def one(self, el: Element | None, xpath: str) -> Element | None:
        if el is None:
            return None
        found = self.all(el, xpath)
        return found[0] if found else None

    def text(self, el: Element | None, xpath: str) -> str:
        found = self.one(el, xpath)
        return " ".join((found.text or "").split()) if found is not None else ""

    def texts(self, el: Element, xpath: str) -> tuple[str, ...]:
        """The non-empty texts of every element `xpath` finds, spaces collapsed."""
        return tuple(t for e in self.all(el, xpath) if (t := " ".join((e.text or "").split())))

    def required(self, el: Element, xpath: str, what: str, *, value: bool = True) -> Element:
        found = self.one(el, xpath)
        if found is None or (value and not (found.text or "").strip()):
            raise EInvoiceError(self.where(el, xpath), f"{what} is missing", _line(el))
        return found

    def fail(self, el: Element, reason: str) -> EInvoiceError:
        return EInvoiceError(self.path(el), reason, _line(el))

    def amount(
        self, el: Element | None, xpath: str, what: str, *, required: bool = False
    ) -> int | None:
        found = (
            self.required(el, xpath, what) if required and el is not None else self.one(el, xpath)
        )
        if found is None or not (found.text or "").strip():
            return None
        raw = (found.text or "").strip()
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise self.fail(found, f"{raw!r} is not an amount") from None
        if not number.is_finite():
            raise self.fail(found, f"{raw!r} is not an amount")
        minor = round_money(number, self.currency)
        if Decimal(minor).scaleb(-minor_units(self.currency)) != number:
            raise self.fail(found, f"{raw!r} has more decimals than {self.currency} allows")
        return minor

    def a_date(self, el: Element | None, xpath: str) -> date | None:
        found = self.one(el, xpath)
        if found is None or not (found.text or "").strip():
            return None
        return self.parse_date(found)

    def parse_date(self, el: Element) -> date:
        raw = (el.text or "").strip()
        try:
            return datetime.strptime(raw, self.date_format(el)).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            raise self.fail(el, f"{raw!r} is not a date ({self.date_hint})") from None

    def date_format(self, el: Element) -> str:
        raise NotImplementedError


class _Cii(_Reader):
    ns = CII_NS
    date_hint = 'format="102": YYYYMMDD'

    def date_format(self, el: Element) -> str:
        fmt = el.get("format", "102")
        if fmt != "102":
            raise self.fail(el, f'date format {fmt!r} is not supported (EN 16931 uses "102")')
        return "%Y%m%d"

    def read(self) -> EInvoice:
        root = self.root
        doc = self.required(root, "rsm:ExchangedDocument", "the document header", value=False)
        tx = self.required(
            root, "rsm:SupplyChainTradeTransaction", "the trade transaction", value=False
        )
        agreement = self.required(
            tx, "ram:ApplicableHeaderTradeAgreement", "the agreement", value=False
        )
        settlement = self.required(
            tx, "ram:ApplicableHeaderTradeSettlement", "the settlement", value=False
        )
        self.currency = _currency(self, settlement, "ram:InvoiceCurrencyCode")
        sums = self.required(
            settlement,
            "ram:SpecifiedTradeSettlementHeaderMonetarySummation",
            "the totals block (BG-22)",
            value=False,
        )
        issued = self.parse_date(
            self.required(doc, "ram:IssueDateTime/udt:DateTimeString", "the issue date (BT-2)")
        )
        terms_el = self.all(settlement, "ram:SpecifiedTradePaymentTerms")
        terms = "; ".join(self.texts(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description"))
        due = next(
            (
                d
                for e in terms_el
                if (d := self.a_date(e, "ram:DueDateDateTime/udt:DateTimeString"))
            ),
            None,
        )
        total = self.amount(
            sums, "ram:GrandTotalAmount", "the total with VAT (BT-112)", required=True
        )
        assert total is not None
        prepaid = self.amount(sums, "ram:TotalPrepaidAmount", "") or 0
        due_amount = self.amount(
            sums, "ram:DuePayableAmount", "the amount due (BT-115)", required=True
        )
        assert due_amount is not None
        return EInvoice(
            syntax="cii",
            number=self.required(doc, "ram:ID", "the invoice number (BT-1)").text.strip(),  # type: ignore[union-attr]
            type_code=self.text(doc, "ram:TypeCode") or "380",
            issue_date=issued,
            currency=self.currency,
            buyer=self.party(
                self.required(agreement, "ram:BuyerTradeParty", "the buyer (BG-7)", value=False)
            ),
            seller_name=self.text(agreement, "ram:SellerTradeParty/ram:Name"),
            total=total,
            total_excl_tax=self.amount(sums, "ram:TaxBasisTotalAmount", ""),
            prepaid=prepaid,
            due_amount=due_amount,
            due_date=due,
            delivery_date=self.a_date(
                tx,
                "ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent"
                "/ram:OccurrenceDateTime/udt:DateTimeString",
            ),
            payment_reference=self.text(settlement, "ram:PaymentReference"),
            payment_terms=terms,
            discount=self.discount(terms_el) or discount_in(terms),
            po_number=self.text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
            corrects=self.texts(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
        )

    def discount(self, terms: list[Element]) -> Discount | None:
        for el in terms:
            d = self.one(el, "ram:ApplicableTradePaymentDiscountTerms")
            percent, days = (
                self.text(d, "ram:CalculationPercent"),
                self.text(d, "ram:BasisPeriodMeasure"),
            )
            if d is not None and percent and days:
                return _discount(self, d, percent, days)
        return None

    def party(self, el: Element) -> Party:
        address = self.one(el, "ram:PostalTradeAddress")
        email = self.text(
            el, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID"
        )
        ids = [("", (e.text or "").strip()) for e in self.all(el, "ram:ID")]
        ids += [
            (e.get("schemeID", ""), (e.text or "").strip()) for e in self.all(el, "ram:GlobalID")
        ]
        return Party(
            name=self.text(self.required(el, "ram:Name", "the buyer's name (BT-44)"), "."),
            ids=tuple((s, i) for s, i in ids if i),
            registration_number=self.text(el, "ram:SpecifiedLegalOrganization/ram:ID"),
            vat_number=self.text(el, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"),
            address=", ".join(
                t
                for t in (self.text(address, f"ram:Line{n}") for n in ("One", "Two", "Three"))
                if t
            ),
            postal_code=self.text(address, "ram:PostcodeCode"),
            city=self.text(address, "ram:CityName"),
            country=self.text(address, "ram:CountryID").upper(),
            email=email or self.text(el, "ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']"),
        )


class _Ubl(_Reader):
    ns = UBL_NS
    date_hint = "YYYY-MM-DD"

    def date_format(self, el: Element) -> str:
        return "%Y-%m-%d"

    def read(self) -> EInvoice:
        root = self.root
        credit = etree.QName(root).namespace == UBL_CREDIT_NOTE
        self.currency = _currency(self, root, "cbc:DocumentCurrencyCode")
        sums = self.required(
            root, "cac:LegalMonetaryTotal", "the totals block (BG-22)", value=False
        )
        issued = self.parse_date(self.required(root, "cbc:IssueDate", "the issue date (BT-2)"))
        terms_el = self.all(root, "cac:PaymentTerms")
        terms = "; ".join(self.texts(root, "cac:PaymentTerms/cbc:Note"))
        due = self.a_date(root, "cbc:DueDate") or self.a_date(
            root, "cac:PaymentMeans/cbc:PaymentDueDate"
        )
        total = self.amount(
            sums, "cbc:TaxInclusiveAmount", "the total with VAT (BT-112)", required=True
        )
        assert total is not None
        due_amount = self.amount(
            sums, "cbc:PayableAmount", "the amount due (BT-115)", required=True
        )
        assert due_amount is not None
        type_path = "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode"
        customer = self.required(
            root, "cac:AccountingCustomerParty/cac:Party", "the buyer (BG-7)", value=False
        )
        return EInvoice(
            syntax="ubl",
            number=self.required(root, "cbc:ID", "the invoice number (BT-1)").text.strip(),  # type: ignore[union-attr]
            type_code=self.text(root, type_path) or ("381" if credit else "380"),
            issue_date=issued,
            currency=self.currency,
            buyer=self.party(customer),
            seller_name=self.text(
                root,
                "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            )
            or self.text(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"),
            total=total,
            total_excl_tax=self.amount(sums, "cbc:TaxExclusiveAmount", ""),
            prepaid=self.amount(sums, "cbc:PrepaidAmount", "") or 0,
            due_amount=due_amount,
            due_date=due,
            delivery_date=self.a_date(root, "cac:Delivery/cbc:ActualDeliveryDate"),
            payment_reference=self.text(root, "cac:PaymentMeans/cbc:PaymentID"),
            payment_terms=terms,
            discount=self.discount(terms_el) or discount_in(terms),
            po_number=self.text(root, "cac:OrderReference/cbc:ID"),
            corrects=self.texts(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        )

    def discount(self, terms: list[Element]) -> Discount | None:
        for el in terms:
            percent = self.text(el, "cbc:SettlementDiscountPercent")
            days = self.text(el, "cac:SettlementPeriod/cbc:DurationMeasure")
            if percent and days:
                return _discount(self, el, percent, days)
        return None

    def party(self, el: Element) -> Party:
        address = self.one(el, "cac:PostalAddress")
        name = self.text(el, "cac:PartyLegalEntity/cbc:RegistrationName") or self.text(
            el, "cac:PartyName/cbc:Name"
        )
        if not name:
            raise self.fail(
                el, "the buyer's name (BT-44, cac:PartyLegalEntity/cbc:RegistrationName) is missing"
            )
        lines = [
            self.text(address, "cbc:StreetName"),
            self.text(address, "cbc:AdditionalStreetName"),
            *(self.texts(address, "cac:AddressLine/cbc:Line") if address is not None else ()),
        ]
        return Party(
            name=name,
            ids=tuple(
                (e.get("schemeID", ""), t)
                for e in self.all(el, "cac:PartyIdentification/cbc:ID")
                if (t := (e.text or "").strip())
            ),
            registration_number=self.text(el, "cac:PartyLegalEntity/cbc:CompanyID"),
            vat_number=self.text(
                el, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"
            ),
            address=", ".join(t for t in lines if t),
            postal_code=self.text(address, "cbc:PostalZone"),
            city=self.text(address, "cbc:CityName"),
            country=self.text(address, "cac:Country/cbc:IdentificationCode").upper(),
            email=self.text(el, "cac:Contact/cbc:ElectronicMail")
            or self.text(el, "cbc:EndpointID[@schemeID='EM']"),
        )


def _line(el: Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def _currency(reader: _Reader, el: Element, xpath: str) -> str:
    found = reader.required(el, xpath, "the invoice currency (BT-5)")
    code = (found.text or "").strip().upper()
    if not is_currency(code):
        raise reader.fail(found, f"unknown currency {code!r}")
    return code


def _discount(reader: _Reader, el: Element, percent: str, days: str) -> Discount:
    try:
        return Discount(Decimal(percent), int(Decimal(days)))
    except (InvalidOperation, ValueError):
        raise reader.fail(
            el, f"discount {percent!r} % within {days!r} days is not a number"
        ) from None


_SKONTO = re.compile(r"#SKONTO#TAGE=(?P<days>\d+)#PROZENT=(?P<pct>\d+(?:[.,]\d+)?)#", re.I)
_DAYS = r"(?P<days>\d{1,3})\s*(?:days?|jours?|j\b|tagen?|tage)"
_PCT = r"(?P<pct>\d{1,2}(?:[.,]\d{1,3})?)\s*%"
_PCT_THEN_DAYS = re.compile(_PCT + r"[^%\d]{0,60}?" + _DAYS, re.I)
_DAYS_THEN_PCT = re.compile(_DAYS + r"[^%\d]{0,40}?" + _PCT, re.I)
_DISCOUNT_WORD = re.compile(r"discount|skonto|escompte|remise|rabais", re.I)


def discount_in(text: str) -> Discount | None:
    """The early-payment discount a payment-terms text states, if it says one.

    >>> discount_in("Payment within 10 days, 2% discount")
    Discount(percent=Decimal('2'), days=10)
    >>> discount_in("Zahlbar innerhalb 30 Tagen netto, 3% Skonto innerhalb 10 Tagen")
    Discount(percent=Decimal('3'), days=10)
    >>> discount_in("Escompte 1,5 % sous 8 jours")
    Discount(percent=Decimal('1.5'), days=8)
    >>> discount_in("#SKONTO#TAGE=14#PROZENT=2.25#")
    Discount(percent=Decimal('2.25'), days=14)
    >>> discount_in("30 jours net") is None, discount_in("pénalités 10% après 30 jours") is None
    (True, True)
    """
    if m := _SKONTO.search(text):
        return Discount(Decimal(m["pct"].replace(",", ".")), int(m["days"]))
    if not _DISCOUNT_WORD.search(text):
        return None
    m = _PCT_THEN_DAYS.search(text) or _DAYS_THEN_PCT.search(text)
    if m is None:
        return None
    return Discount(Decimal(m["pct"].replace(",", ".")), int(m["days"]))


_NET = re.compile(
    r"(?:net\w*\s*(?P<a>\d{1,3})\s*(?:days?|jours?|j\b|tagen?|tage)?"
    r"|(?P<b>\d{1,3})\s*(?:days?|jours?|j\b|tagen?|tage)\s*(?:net\w*)?)"
    r"\s*(?P<eom>fin\s*de\s*mois|end\s*of\s*(?:the\s*)?month|eom|fdm)?",
    re.I,
)


def net_terms_in(text: str) -> PaymentTerms | None:
    """The net payment terms a terms text states ("30 jours net", "net 30 days",
    "Zahlbar innerhalb 30 Tagen netto"), when it states one and only one term in days
    once an early-payment discount clause is set aside; None otherwise.

    >>> str(net_terms_in("PAIEMENT 30 JOURS NET")), str(net_terms_in("45 jours fin de mois"))
    ('30', '45EOM')
    >>> str(net_terms_in("Zahlbar innerhalb 30 Tagen netto bis 04.07.2018, 3% Skonto innerhalb 10 Tagen"))
    '30'
    >>> net_terms_in("Payment within 10 days, 2% discount") is None
    True
    """
    plain = text
    for clause in (_PCT_THEN_DAYS, _DAYS_THEN_PCT):
        if _DISCOUNT_WORD.search(plain):
            plain = clause.sub(" ", plain, count=1)
    found = {
        PaymentTerms(int(m["a"] or m["b"]), bool(m["eom"]))
        for m in _NET.finditer(plain)
        if m["a"] or m["b"]
    }
    return found.pop() if len(found) == 1 else None


def customer_code(buyer: Party) -> str:
    """The account code a buyer is filed under when no customer has its VAT or
    registration number yet: the seller's own id for the buyer (BT-46 without a scheme),
    else its VAT number, else its registration number (with its country), else another
    identifier with its scheme, else its name in capitals. Stable across documents, so
    the next invoice to the same buyer finds the same customer.

    >>> customer_code(Party("Le Client", ids=(("", "C042"),), vat_number="FR05987654321"))
    'C042'
    >>> customer_code(Party("Le Client", vat_number="fr 05 987 654 321"))
    'FR05987654321'
    >>> customer_code(Party("Le Client", registration_number="987 654 321", country="FR"))
    'FR-987654321'
    >>> customer_code(Party("Le Client", ids=(("0088", "3654789851"),)))
    '0088-3654789851'
    >>> customer_code(Party("  Société Générale d'Études "))
    'SOCIETE-GENERALE-D-ETUDES'
    """
    own = next((i for scheme, i in buyer.ids if not scheme), "")
    if own:
        return _compact(own, keep="-_./")[:50]
    if buyer.vat_number:
        return _compact(buyer.vat_number)[:50]
    if buyer.registration_number:
        prefix = f"{buyer.country}-" if buyer.country else ""
        return (prefix + _compact(buyer.registration_number))[:50]
    if buyer.ids:
        scheme, value = buyer.ids[0]
        return f"{scheme}-{_compact(value)}"[:50]
    plain = unicodedata.normalize("NFKD", buyer.name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[A-Z0-9]+", plain.upper()))[:50] or "UNNAMED"


def _compact(value: str, keep: str = "") -> str:
    return "".join(c for c in value.upper() if c.isalnum() or c in keep)

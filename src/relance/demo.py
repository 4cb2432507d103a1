"""A realistic demo ledger for a French SME, deterministic for a seed.

`generate` builds the records in memory, one customer at a time, with no database:
customers (B2B with their legal forms, consumers, public buyers), contacts, invoices and
credit notes, and the payments each customer's behaviour produces up to `today`.
`build_demo` writes them in bulk, with one audit event for the whole demo, and the
demo login. It is sized for a million invoices: nothing is held beyond one chunk of
customers, and no query runs per row. Then a few customers of each behaviour get the
conversations a credit manager would have had (reasons for non-payment, disputes,
promises), recorded through the services.
"""

from __future__ import annotations

import calendar
import itertools
import math
import random
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import holidays
from django.contrib.auth import get_user_model
from django.db import transaction
from faker import Faker

from relance import audit
from relance.bulk import Inserter, analyze
from relance.core.ledger import InvoiceKind, invoice_status
from relance.core.money import round_money
from relance.core.terms import PaymentTerms, due_date
from relance.ledger import balances
from relance.ledger.models import Allocation, Contact, Creditor, Customer, Invoice, Payment
from relance.ledger.services import create_creditor

DEMO_USER = "demo"
DEMO_PASSWORD = "relance-demo"
DEMO_ACTOR = "demo"
# The demo's team (docs/roles.md), all with DEMO_PASSWORD: published, so for the demo only.
DEMO_TEAM = (
    ("admin", "admin"),
    ("manager", "credit_manager"),
    ("collector1", "collector"),
    ("collector2", "collector"),
    ("viewer", "read_only"),
)
PORTFOLIO_SIZE = 30  # customers assigned to each demo collector
CURRENCY = "EUR"

HISTORY_DAYS = 548  # about 18 months of invoices before `today`
CUSTOMERS_PER_CHUNK = 1000
# Credit notes issued longer ago than this were refunded or netted in the accounting,
# outside Relance; more recent ones are still unapplied credits on the account.
CREDIT_NOTE_SETTLED_AFTER_DAYS = 45
VAT_RATE = Decimal("1.2")


class Behaviour(StrEnum):
    PUNCTUAL = "punctual"
    SLOW = "slow"
    CHRONIC = "chronic_late"
    DISPUTER = "disputer"
    INSOLVENT = "insolvent"


# Kinds and behaviours are dealt from a shuffled deck per block of 20 customers rather
# than drawn independently, so that even a 20-customer demo shows a consumer, a public
# buyer and every payment behaviour, in the proportions of a real SME ledger.
BLOCK = 20
KIND_DECK = ("b2b",) * 18 + ("b2c", "public")
BEHAVIOUR_DECK = (
    (Behaviour.PUNCTUAL,) * 9
    + (Behaviour.SLOW,) * 5
    + (Behaviour.CHRONIC,) * 3
    + (Behaviour.DISPUTER,) * 2
    + (Behaviour.INSOLVENT,)
)
B2B_SEGMENTS = (("PME", 0.75), ("ETI", 0.18), ("Grand compte", 0.07))
# Relative invoice volume and ticket size per segment.
VOLUME = {"PME": 1.0, "ETI": 2.2, "Grand compte": 4.0, "Public": 1.2, "Particulier": 0.25}
TICKET = {"PME": 1.0, "ETI": 2.0, "Grand compte": 3.0, "Public": 1.5, "Particulier": 0.25}
# Base median for a PME, in cents incl. tax: with the larger segments the whole
# ledger's median comes out near 1,500 EUR.
MEDIAN_AMOUNT = 110_000
MIN_AMOUNT, MAX_AMOUNT = 2_000, 50_000_000
_MEAN_VOLUME = 0.9 * sum(VOLUME[s] * p for s, p in B2B_SEGMENTS) + 0.05 * (
    VOLUME["Particulier"] + VOLUME["Public"]
)

# Fewer invoices in August and around Christmas, more at quarter ends and in autumn.
MONTH_WEIGHTS = (0.95, 1.0, 1.15, 1.05, 0.95, 1.15, 0.9, 0.4, 1.1, 1.15, 1.1, 0.95)
MONTH_END_BOOST = 1.7  # many SMEs invoice in the last days of the month
SATURDAY_WEIGHT = 0.08

LEGAL_FORMS = (("SAS", 34), ("SARL", 30), ("SASU", 12), ("EURL", 10), ("SA", 6), ("SNC", 3))
LARGE_LEGAL_FORMS = (("SA", 45), ("SAS", 50), ("SCA", 5))
TRADES = (
    "Transports",
    "Menuiserie",
    "Boulangerie",
    "Bâtiment",
    "Électricité",
    "Plomberie",
    "Imprimerie",
    "Garage",
    "Conseil",
    "Informatique",
    "Logistique",
    "Négoce",
    "Agencement",
    "Paysages",
    "Métallerie",
    "Climatisation",
    "Nettoyage",
    "Traiteur",
    "Maçonnerie",
    "Couverture",
    "Carrosserie",
    "Distribution",
    "Ingénierie",
    "Architecture",
    "Signalétique",
    "Emballages",
    "Peinture",
    "Froid industriel",
    "Serrurerie",
    "Vins et spiritueux",
)
LARGE_SUFFIXES = ("Industries", "Groupe", "Holding", "International", "Distribution", "Services")
# (name, SIREN prefix of that category of public body, payment terms, mail domain)
PUBLIC_BUYERS = (
    ("Commune de {city}", "21", "30", "mairie-{city}.example"),
    ("Centre hospitalier de {city}", "26", "50", "ch-{city}.example"),
    ("Communauté d'agglomération de {city}", "20", "30", "agglo-{city}.example"),
    ("Office public de l'habitat de {city}", "27", "30", "oph-{city}.example"),
    ("Lycée {person} ({city})", "19", "30", "lycee-{person}-{city}.example"),
)
LYCEE_NAMES = (
    "Jean Moulin",
    "Victor Hugo",
    "Marie Curie",
    "Jules Ferry",
    "Simone Veil",
    "Louis Pasteur",
    "Jean Jaurès",
    "Condorcet",
    "Albert Camus",
    "George Sand",
    "Colbert",
    "Gustave Eiffel",
)
B2B_ROLES = (
    "Comptabilité fournisseurs",
    "Direction financière",
    "Achats",
    "Direction générale",
    "Assistante de direction",
    "Contrôle de gestion",
)
PUBLIC_ROLES = ("Service facturation", "Service des marchés", "Comptable public (trésorerie)")
# Every address and number is unreachable, in case a demo is ever run with a real mail
# server or SMS gateway: domains under the reserved .example TLD and example.* names
# (RFC 2606), phone numbers in the ranges ARCEP reserves for fiction.
CONSUMER_MAIL = ("example.com", "example.net", "example.org")
FICTION_PHONE_PREFIX = {
    "1": "01 99 00",
    "2": "02 61 91",
    "3": "03 53 01",
    "4": "04 65 71",
    "5": "05 36 49",
    "6": "06 39 98",
}

# (city, postal codes, telephone zone, weight): postal code, city and phone area agree.
CITIES: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    ("Paris", tuple(f"750{n:02d}" for n in range(1, 21)), "1", 12),
    ("Boulogne-Billancourt", ("92100",), "1", 2),
    ("Nanterre", ("92000",), "1", 1),
    ("Saint-Denis", ("93200",), "1", 1),
    ("Créteil", ("94000",), "1", 1),
    ("Versailles", ("78000",), "1", 1),
    ("Argenteuil", ("95100",), "1", 1),
    ("Évry-Courcouronnes", ("91000",), "1", 1),
    ("Meaux", ("77100",), "1", 1),
    ("Marseille", tuple(f"130{n:02d}" for n in range(1, 17)), "4", 5),
    ("Aix-en-Provence", ("13090", "13100"), "4", 2),
    ("Toulon", ("83000", "83100", "83200"), "4", 1.5),
    ("Nice", ("06000", "06100", "06200", "06300"), "4", 2.5),
    ("Avignon", ("84000",), "4", 1),
    ("Lyon", tuple(f"6900{n}" for n in range(1, 10)), "4", 5),
    ("Villeurbanne", ("69100",), "4", 1.5),
    ("Saint-Étienne", ("42000", "42100"), "4", 1.5),
    ("Grenoble", ("38000", "38100"), "4", 2),
    ("Annecy", ("74000",), "4", 1),
    ("Clermont-Ferrand", ("63000", "63100"), "4", 1.5),
    ("Montpellier", ("34000", "34070", "34080"), "4", 2.5),
    ("Nîmes", ("30000", "30900"), "4", 1),
    ("Perpignan", ("66000", "66100"), "4", 1),
    ("Ajaccio", ("20000", "20090"), "4", 0.5),
    ("Toulouse", ("31000", "31100", "31200", "31300", "31400", "31500"), "5", 4),
    ("Bordeaux", ("33000", "33100", "33200", "33300", "33800"), "5", 3.5),
    ("Mérignac", ("33700",), "5", 1),
    ("Pau", ("64000",), "5", 1),
    ("Bayonne", ("64100",), "5", 0.8),
    ("Limoges", ("87000", "87100"), "5", 1),
    ("Poitiers", ("86000",), "5", 1),
    ("La Rochelle", ("17000",), "5", 1),
    ("Nantes", ("44000", "44100", "44200", "44300"), "2", 3),
    ("Rennes", ("35000", "35200", "35700"), "2", 2.5),
    ("Brest", ("29200",), "2", 1),
    ("Angers", ("49000", "49100"), "2", 1.5),
    ("Le Mans", ("72000", "72100"), "2", 1.2),
    ("Tours", ("37000", "37100", "37200"), "2", 1.3),
    ("Orléans", ("45000", "45100"), "2", 1.2),
    ("Caen", ("14000",), "2", 1.2),
    ("Rouen", ("76000", "76100"), "2", 1.3),
    ("Le Havre", ("76600",), "2", 1.2),
    ("Lille", ("59000", "59800"), "3", 3),
    ("Roubaix", ("59100",), "3", 1),
    ("Amiens", ("80000", "80080", "80090"), "3", 1.2),
    ("Reims", ("51100",), "3", 1.5),
    ("Metz", ("57000", "57050"), "3", 1.2),
    ("Nancy", ("54000", "54100"), "3", 1.2),
    ("Strasbourg", ("67000", "67100", "67200"), "3", 2.5),
    ("Mulhouse", ("68100", "68200"), "3", 1.2),
    ("Dijon", ("21000",), "3", 1.5),
    ("Besançon", ("25000",), "3", 1.2),
)
_CITY_CUM = list(itertools.accumulate(c[3] for c in CITIES))

DEMO_CREDITOR: dict[str, str] = {
    "name": "Atelier Demo SAS",
    "address": "12, rue des Tanneurs",
    "postal_code": "69002",
    "city": "Lyon",
    "country": "FR",
    "currency": CURRENCY,
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "email": "comptabilite@atelier-demo.example",
    "phone": "04 65 71 12 34",
    "default_payment_terms": "30",
    "late_penalty_clause": (
        "Paiement à réception de facture ou à l'échéance indiquée ; pas d'escompte pour "
        "paiement anticipé. Tout retard de paiement rend exigibles de plein droit des "
        "pénalités au taux d'intérêt appliqué par la Banque centrale européenne à son "
        "opération de refinancement la plus récente majoré de 10 points de pourcentage, "
        "ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 euros "
        "(articles L. 441-10 et D. 441-5 du Code de commerce)."
    ),
}


# ---------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class DemoContact:
    name: str
    role: str
    email: str
    phone: str
    preferred_channel: str


@dataclass(slots=True)
class DemoInvoice:
    number: str
    kind: str
    issue_date: date
    delivery_date: date | None
    due_date: date
    payment_terms: str
    amount: int
    amount_excl_tax: int
    po_number: str = ""
    reported_open_amount: int | None = None
    settled_elsewhere: int = 0
    allocated: int = 0

    @property
    def open_amount(self) -> int:
        return self.amount - self.allocated - self.settled_elsewhere

    @property
    def status(self) -> str:
        return str(invoice_status(self.amount, self.open_amount))


@dataclass(frozen=True, slots=True)
class DemoPayment:
    key: str
    date: date
    amount: int
    method: str
    reference: str
    allocations: tuple[tuple[str, int], ...]  # (invoice number, amount)


@dataclass(slots=True)
class DemoCustomer:
    code: str
    name: str
    kind: str
    segment: str
    behaviour: Behaviour
    registration_number: str
    vat_number: str
    email: str
    phone: str
    address: str
    postal_code: str
    city: str
    payment_terms: str
    credit_limit: int | None
    iban: str
    scenario_key: str
    contacts: list[DemoContact] = field(default_factory=list)
    invoices: list[DemoInvoice] = field(default_factory=list)
    payments: list[DemoPayment] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Identifiers


def luhn_check_digit(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn test (SIREN, SIRET)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = int(char)
        if position % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def siren(body: str) -> str:
    """A valid SIREN from its first eight digits.

    >>> siren("73282932"), french_vat_number(siren("73282932"))
    ('732829320', 'FR44732829320')
    """
    return body + luhn_check_digit(body)


def french_vat_number(siren_number: str) -> str:
    return f"FR{(12 + 3 * (int(siren_number) % 97)) % 97:02d}{siren_number}"


def french_iban(bank: str, branch: str, account: str) -> str:
    """A valid French IBAN from numeric bank, branch and account codes."""
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" with F=15, R=27
    return f"FR{check:02d}{bban}"


def _permuted(index: int, modulus: int, salt: int) -> int:
    """A bijection of [0, modulus): distinct customers get distinct numbers, scattered.

    The multiplier is odd and not a multiple of 5, hence coprime with a power of ten.
    """
    return (index * 7_368_787 + salt) % modulus


# ---------------------------------------------------------------------------
# Calendar


@dataclass(frozen=True, slots=True)
class _Window:
    first: date
    days: int
    cum_weights: list[float]
    closed: frozenset[date]  # French public holidays, up to a year after `today`

    @classmethod
    def before(cls, today: date, days: int = HISTORY_DAYS) -> _Window:
        first = today - timedelta(days=days - 1)
        years = range(first.year, today.year + 2)
        closed = frozenset(holidays.country_holidays("FR", years=years))
        weights = []
        for k in range(days):
            day = first + timedelta(days=k)
            weekday = day.weekday()
            weight = 1.0 if weekday < 5 else SATURDAY_WEIGHT if weekday == 5 else 0.0
            if day in closed:
                weight = 0.0
            weight *= MONTH_WEIGHTS[day.month - 1]
            if day.day > calendar.monthrange(day.year, day.month)[1] - 4:
                weight *= MONTH_END_BOOST
            weights.append(weight)
        return cls(first, days, list(itertools.accumulate(weights)), closed)

    def pick(self, rng: random.Random, lo: int, hi: int) -> int:
        """A day index in [lo, hi), drawn with the seasonal weights."""
        base = self.cum_weights[lo - 1] if lo > 0 else 0.0
        u = base + rng.random() * (self.cum_weights[hi - 1] - base)
        return min(bisect_right(self.cum_weights, u), hi - 1)

    def at(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def business_day(self, day: date) -> date:
        """Banks credit payments on business days: the next one on or after `day`."""
        while day.weekday() >= 5 or day in self.closed:
            day += timedelta(days=1)
        return day


def _payment_run(day: date) -> date:
    """Large buyers pay in runs on the 10th and the 25th of the month."""
    if day.day <= 10:
        return day.replace(day=10)
    if day.day <= 25:
        return day.replace(day=25)
    nxt = day.replace(day=1) + timedelta(days=32)
    return nxt.replace(day=10)


# ---------------------------------------------------------------------------
# Generation


@dataclass(frozen=True, slots=True)
class _Profile:
    """What decides a customer's invoice dates: drawn first, and drawn again identically
    by the numbering pass, from the customer's own random stream."""

    rng: random.Random
    kind: str
    segment: str
    behaviour: Behaviour
    stop: int | None  # day index after which an insolvent customer pays nothing
    documents: list[tuple[int, bool]]  # (issue day index, is credit note), by date


def _weighted(rng: random.Random, choices: Iterable[tuple[Any, float]]) -> Any:
    items = list(choices)
    return rng.choices([c for c, _ in items], weights=[w for _, w in items])[0]


def _profiles(
    customers: int, invoices_per_customer: int, seed: int, window: _Window
) -> Iterator[_Profile]:
    for block in range(0, customers, BLOCK):
        deck_rng = random.Random(f"relance-demo:{seed}:{block}")
        kinds = list(KIND_DECK)
        behaviours = list(BEHAVIOUR_DECK)
        deck_rng.shuffle(kinds)
        deck_rng.shuffle(behaviours)
        for index in range(block, min(block + BLOCK, customers)):
            kind, behaviour = kinds[index - block], behaviours[index - block]
            # One stream per customer, so the numbering pass can replay a customer's
            # dates without replaying the names and amounts of all the others.
            rng = random.Random((seed << 32) | index)
            if kind == "b2c":
                segment = "Particulier"
            elif kind == "public":
                segment = "Public"
            else:
                segment = _weighted(rng, B2B_SEGMENTS)
            count = max(
                1,
                round(
                    invoices_per_customer
                    * VOLUME[segment]
                    / _MEAN_VOLUME
                    * rng.lognormvariate(-0.125, 0.5)
                ),
            )
            start = 0 if rng.random() < 0.75 else rng.randrange(0, window.days - 90)
            end = window.days
            stop = None
            if behaviour is Behaviour.INSOLVENT:
                stop = window.days - rng.randint(45, 300)
                start = min(start, max(0, stop - 120))
                # A supplier keeps delivering for a few weeks before it notices.
                end = min(window.days, stop + 60)
            days = sorted(window.pick(rng, start, end) for _ in range(count))
            documents = [(day, rng.random() < 0.03) for day in days]
            yield _Profile(rng, kind, segment, behaviour, stop, documents)


class _Numbering:
    """Invoice numbers in one continuous, chronological series per year, as French law
    requires; credit notes have their own series."""

    PREFIX = {False: "F", True: "AV"}

    def __init__(self, window: _Window, counts: dict[tuple[bool, int], int]) -> None:
        self.window = window
        self.next: dict[tuple[bool, int], int] = {}
        for credit in (False, True):
            per_year: dict[int, list[int]] = defaultdict(list)
            for day in range(window.days):
                per_year[window.at(day).year].append(day)
            for year, days in per_year.items():
                in_window = sum(counts.get((credit, d), 0) for d in days)
                # The first year began before the demo: number as if the business had
                # invoiced at the same pace since the 1st of January.
                elapsed = (window.at(days[0]) - date(year, 1, 1)).days
                seq = 1 + round(in_window / len(days) * elapsed)
                for d in days:
                    self.next[(credit, d)] = seq
                    seq += counts.get((credit, d), 0)

    def take(self, credit: bool, day: int) -> str:
        seq = self.next[(credit, day)]
        self.next[(credit, day)] = seq + 1
        return f"{self.PREFIX[credit]}{self.window.at(day).year}-{seq:06d}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _phone(rng: random.Random, zone: str) -> str:
    return f"{FICTION_PHONE_PREFIX[zone]} {rng.randrange(100):02d} {rng.randrange(100):02d}"


def _mobile(rng: random.Random) -> str:
    return _phone(rng, "6")


def _round_to(amount: int, step: int) -> int:
    return max(step, round(amount / step) * step)


def _excl_tax(amount: int) -> int:
    return round_money(Decimal(amount).scaleb(-2) / VAT_RATE, CURRENCY)


class _Generator:
    def __init__(self, seed: int, today: date, window: _Window, numbering: _Numbering) -> None:
        self.today = today
        self.window = window
        self.numbering = numbering
        self.faker = Faker("fr_FR")
        self.faker.seed_instance(seed)
        self.payment_keys = itertools.count(1)

    def customer(self, index: int, profile: _Profile) -> DemoCustomer:
        rng, kind, segment = profile.rng, profile.kind, profile.segment
        city, postal_codes, zone, _ = CITIES[
            bisect_right(_CITY_CUM, rng.random() * _CITY_CUM[-1]) % len(CITIES)
        ]
        postal_code = rng.choice(postal_codes)
        address = f"{rng.randint(1, 180)}, {self.faker.street_name()}"
        siren_number = vat = ""
        terms = _weighted(rng, (("30", 45), ("45EOM", 30), ("60", 25)))
        credit_limit: int | None = None
        scenario = ""
        if kind == "b2c":
            first, last = self.faker.first_name(), self.faker.last_name()
            name = f"{first} {last}"
            email = f"{_slug(first)}.{_slug(last)}@{rng.choice(CONSUMER_MAIL)}"
            phone = _mobile(rng)
            terms = "30"
            scenario = "consumer"
            contacts = [
                DemoContact(
                    name,
                    "Titulaire du compte",
                    email,
                    phone,
                    _weighted(rng, (("email", 70), ("sms", 20), ("letter", 10))),
                )
            ]
        else:
            if kind == "public":
                pattern, prefix, terms, domain = rng.choice(PUBLIC_BUYERS)
                person = rng.choice(LYCEE_NAMES)
                name = pattern.format(city=city, person=person)
                domain = domain.format(city=_slug(city), person=_slug(person))
                body = prefix + f"{_permuted(index, 10**6, 4_711):06d}"
                email = f"facturation@{domain}"
                roles = PUBLIC_ROLES
            else:
                name = self._company_name(rng, segment)
                body = rng.choice("3456789") + f"{_permuted(index, 10**7, 271_828):07d}"
                domain = f"{_slug(name.rsplit(' ', 1)[0])}.example"
                email = f"{rng.choice(('comptabilite', 'compta', 'factures'))}@{domain}"
                roles = B2B_ROLES
                credit_limit = {"PME": 2_000_000, "ETI": 10_000_000, "Grand compte": 50_000_000}[
                    segment
                ] * rng.randint(1, 5)
                if segment == "Grand compte":
                    scenario = "key_account"
            siren_number = siren(body)
            vat = french_vat_number(siren_number)
            phone = _phone(rng, zone)
            contacts = []
            for role in rng.sample(roles, k=rng.randint(1, min(3, len(roles)))):
                first, last = self.faker.first_name(), self.faker.last_name()
                channel = _weighted(rng, (("email", 75), ("phone", 15), ("letter", 10)))
                contacts.append(
                    DemoContact(
                        f"{first} {last}",
                        role,
                        f"{_slug(first)}.{_slug(last)}@{domain}",
                        _phone(rng, zone) if rng.random() < 0.6 else _mobile(rng),
                        channel,
                    )
                )
        if profile.behaviour is Behaviour.CHRONIC and rng.random() < 0.5:
            # A credit manager would have flagged half of them already.
            scenario = "risky"
        method = self._method(rng, kind, profile.behaviour)
        iban = ""
        if method == "prélèvement":
            iban = french_iban(
                rng.choice(("30004", "30002", "30003", "10278", "20041", "30066")),
                f"{rng.randrange(100_000):05d}",
                f"{rng.randrange(10**11):011d}",
            )
        customer = DemoCustomer(
            code=f"C{index + 1:06d}",
            name=name,
            kind=kind,
            segment=segment,
            behaviour=profile.behaviour,
            registration_number=siren_number,
            vat_number=vat,
            email=email,
            phone=phone,
            address=address,
            postal_code=postal_code,
            city=city,
            payment_terms=terms,
            credit_limit=credit_limit,
            iban=iban,
            scenario_key=scenario,
            contacts=contacts,
        )
        self._invoices(customer, profile, method)
        return customer

    def _company_name(self, rng: random.Random, segment: str) -> str:
        last = self.faker.last_name()
        if segment == "PME":
            style = rng.random()
            if style < 0.55:
                base = f"{rng.choice(TRADES)} {last}"
            elif style < 0.75:
                base = f"{last} et Fils" if rng.random() < 0.5 else f"Ets {last}"
            else:
                base = f"{last} {rng.choice(TRADES)}"
            return f"{base} {_weighted(rng, LEGAL_FORMS)}"
        return f"{last} {rng.choice(LARGE_SUFFIXES)} {_weighted(rng, LARGE_LEGAL_FORMS)}"

    @staticmethod
    def _method(rng: random.Random, kind: str, behaviour: Behaviour) -> str:
        if kind == "public":
            return "virement"  # the public accountant pays by transfer only
        if behaviour is Behaviour.PUNCTUAL and rng.random() < 0.25:
            return "prélèvement"
        return "chèque" if rng.random() < (0.35 if kind == "b2c" else 0.12) else "virement"

    def _invoices(self, customer: DemoCustomer, profile: _Profile, method: str) -> None:
        rng, today = profile.rng, self.today
        terms = PaymentTerms.parse(customer.payment_terms)
        ticket = TICKET[customer.segment]
        large = customer.segment in ("ETI", "Grand compte", "Public")
        # A direct debit is collected by the creditor on the due date, not in a run.
        runs = large and method != "prélèvement" and rng.random() < 0.5
        stop = None if profile.stop is None else self.window.at(profile.stop)
        settlements: dict[date, list[tuple[str, int]]] = defaultdict(list)
        for day, credit in profile.documents:
            issued = self.window.at(day)
            number = self.numbering.take(credit, day)
            if credit:
                amount = -min(
                    MAX_AMOUNT,
                    max(MIN_AMOUNT, int(rng.lognormvariate(math.log(30_000 * ticket), 0.8))),
                )
                invoice = DemoInvoice(
                    number,
                    InvoiceKind.CREDIT_NOTE.value,
                    issued,
                    None,
                    issued,
                    "",
                    amount,
                    _excl_tax(amount),
                )
                if (today - issued).days > CREDIT_NOTE_SETTLED_AFTER_DAYS:
                    invoice.reported_open_amount = 0
                    invoice.settled_elsewhere = amount
                customer.invoices.append(invoice)
                continue
            amount = int(rng.lognormvariate(math.log(MEDIAN_AMOUNT * ticket), 1.0))
            amount = min(MAX_AMOUNT, max(MIN_AMOUNT, amount))
            due = due_date(issued, terms)
            invoice = DemoInvoice(
                number,
                InvoiceKind.INVOICE.value,
                issued,
                issued - timedelta(days=rng.randint(0, 10)),
                due,
                customer.payment_terms,
                amount,
                _excl_tax(amount),
                po_number=self._po_number(rng, customer.segment, issued),
            )
            customer.invoices.append(invoice)
            for when, part in self._settlements(rng, profile.behaviour, method, due, amount):
                when = self.window.business_day(_payment_run(when) if runs else when)
                if when > today or (stop is not None and when > stop):
                    break
                if when < issued:
                    when = issued
                settlements[when].append((number, part))
                invoice.allocated += part
        # One transfer (or cheque) settles everything a customer pays on the same day.
        for when in sorted(settlements):
            parts = tuple(settlements[when])
            numbers = " ".join(n for n, _ in parts)
            label = {
                "virement": f"VIR SEPA {customer.name[:40].upper()} FACT {numbers}",
                "chèque": f"CHQ {rng.randrange(10**7):07d} {numbers}",
                "prélèvement": f"PRLV SEPA {numbers}",
            }[method]
            customer.payments.append(
                DemoPayment(
                    f"demo-{next(self.payment_keys)}",
                    when,
                    sum(a for _, a in parts),
                    method,
                    label[:200],
                    parts,
                )
            )

    @staticmethod
    def _settlements(
        rng: random.Random, behaviour: Behaviour, method: str, due: date, amount: int
    ) -> list[tuple[date, int]]:
        """When, and how much, the customer would pay this invoice if time went on."""
        if method == "prélèvement":
            return [(due, amount)]
        if behaviour is Behaviour.PUNCTUAL:
            late = rng.randint(25, 70) if rng.random() < 0.03 else round(rng.triangular(-10, 8, 0))
            return [(due + timedelta(days=late), amount)]
        if behaviour is Behaviour.SLOW:
            return [(due + timedelta(days=rng.randint(10, 40)), amount)]
        if behaviour is Behaviour.DISPUTER:
            roll = rng.random()
            if roll < 0.22:
                return []  # contested, left unpaid
            when = due + timedelta(days=rng.randint(0, 30))
            if roll < 0.32:
                # Pays what it does not contest; the rest stays open.
                return [(when, _round_to(int(amount * rng.uniform(0.5, 0.9)), 100))]
            return [(when, amount)]
        if behaviour is Behaviour.CHRONIC:
            roll = rng.random()
            if roll < 0.08:
                return []
            when = due + timedelta(days=rng.randint(45, 120))
            if roll < 0.38 and amount > 2_000:
                first = min(amount - 100, _round_to(int(amount * rng.uniform(0.3, 0.7)), 1_000))
                later = when + timedelta(days=rng.randint(30, 120))
                return [(when, first)] + ([(later, amount - first)] if rng.random() < 0.5 else [])
            return [(when, amount)]
        return [(due + timedelta(days=rng.randint(30, 80)), amount)]  # insolvent, until it stops

    @staticmethod
    def _po_number(rng: random.Random, segment: str, issued: date) -> str:
        if segment == "Grand compte":
            return f"45{rng.randrange(10**8):08d}"  # an SAP-style purchase order
        if segment == "Public":
            return f"EJ {1300000000 + rng.randrange(10**8)}"  # Chorus Pro legal commitment
        if segment == "ETI" and rng.random() < 0.5:
            return f"BC-{issued.year}-{rng.randrange(10**5):05d}"
        return ""


def generate(
    *, customers: int, invoices_per_customer: int, seed: int, today: date
) -> Iterator[DemoCustomer]:
    """The demo ledger, customer by customer; the same arguments give the same records."""
    window = _Window.before(today)
    counts: dict[tuple[bool, int], int] = defaultdict(int)
    for profile in _profiles(customers, invoices_per_customer, seed, window):
        for day, credit in profile.documents:
            counts[(credit, day)] += 1
    generator = _Generator(seed, today, window, _Numbering(window, counts))
    for index, profile in enumerate(_profiles(customers, invoices_per_customer, seed, window)):
        yield generator.customer(index, profile)


# ---------------------------------------------------------------------------
# Database


def build_demo(
    *, customers: int, invoices_per_customer: int, seed: int, today: date
) -> dict[str, int]:
    """Create the demo creditor, login and ledger; a second run keeps the first ledger."""
    creditor = Creditor.objects.order_by("id").first()
    if creditor is None:
        creditor = create_creditor(
            actor=DEMO_ACTOR,
            registration_number=siren("81234567"),
            vat_number=french_vat_number(siren("81234567")),
            **DEMO_CREDITOR,
        )
    _demo_login()
    records = generate(
        customers=customers, invoices_per_customer=invoices_per_customer, seed=seed, today=today
    )
    # All or nothing: a demo interrupted halfway would otherwise be kept by the next run.
    with transaction.atomic():
        if Customer.objects.filter(creditor=creditor).exists():
            return {
                "customers": Customer.objects.filter(creditor=creditor).count(),
                "invoices": Invoice.objects.filter(creditor=creditor).count(),
                "payments": Payment.objects.filter(creditor=creditor).count(),
            }
        writer = _Writer(creditor)
        sample: dict[Behaviour, list[str]] = defaultdict(list)
        while chunk := list(itertools.islice(records, CUSTOMERS_PER_CHUNK)):
            writer.save(chunk)
            for c in chunk:
                if len(sample[c.behaviour]) < CONVERSATIONS:
                    sample[c.behaviour].append(c.code)
        _conversations(creditor, sample, today)
        _team(creditor, today)
        summary = writer.summary
        audit.record(
            DEMO_ACTOR,
            "demo.generated",
            creditor,
            {
                **summary,
                "seed": seed,
                "today": today,
                "invoices_per_customer": invoices_per_customer,
            },
            creditor_id=creditor.pk,
        )
        analyze(Customer, Invoice, Payment, Allocation)
        balances.refresh(creditor, today)
    return summary


# Customers per behaviour whose conversations the demo records: reasons, disputes, promises.
CONVERSATIONS = 4
_HEARD = {
    Behaviour.SLOW: ("forgot", "waiting_approval", "invoice_not_received"),
    Behaviour.CHRONIC: ("cash_flow",),
    Behaviour.DISPUTER: ("dispute",),
    Behaviour.INSOLVENT: ("insolvency",),
}
_CONTESTED = ("quantity", "price", "quality", "not_delivered")


def _conversations(creditor: Creditor, sample: dict[Behaviour, list[str]], today: date) -> None:
    """What a credit manager would have heard from a few customers of each behaviour,
    recorded through the services (so audited): a reason for non-payment each; a dispute
    on the oldest overdue invoice of disputers (one past its resolution date); promises
    from the chronic late payers, one kept to come and one already broken."""
    from relance.collection import services as collection

    customers = {c.code: c for c in Customer.objects.filter(creditor=creditor)}
    for behaviour, reasons in _HEARD.items():
        for n, code in enumerate(sample.get(behaviour, [])):
            customer = customers[code]
            overdue = list(
                customer.invoices.filter(
                    kind="invoice", open_amount__gt=0, due_date__lt=today
                ).order_by("due_date", "number")[:2]
            )
            if not overdue:
                continue
            heard_on = today - timedelta(days=3 + 5 * n)
            collection.record_note(customer, reason=reasons[n % len(reasons)], on=heard_on,
                                   actor=DEMO_ACTOR, invoices=overdue[:1])  # fmt: skip
            if behaviour is Behaviour.DISPUTER:
                opened = max(overdue[0].due_date, today - timedelta(days=45 - 10 * n))
                collection.open_dispute(overdue[0], reason=_CONTESTED[n % len(_CONTESTED)],
                                        on=opened, actor=DEMO_ACTOR)  # fmt: skip
            elif behaviour is Behaviour.CHRONIC:
                broken = n % 2 == 1
                collection.record_promise(
                    customer, until=today + timedelta(days=-10 if broken else 7), actor=DEMO_ACTOR,
                    on=today - timedelta(days=20 if broken else 1), invoices=overdue,
                    channel="call" if n < 2 else "email",
                )  # fmt: skip
    collection.review_promises(creditor, today, actor=DEMO_ACTOR)


def _team(creditor: Creditor, today: date) -> None:
    """The demo's users in their roles; each collector gets a portfolio of customers with
    something overdue, taken in turn so that both have a mixed book."""
    from relance.accounts import services as accounts

    user_model = get_user_model()
    collectors = []
    for username, role in DEMO_TEAM:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = accounts.add_user(username, actor=DEMO_ACTOR, password=DEMO_PASSWORD)
        accounts.set_role(user, creditor, role, actor=DEMO_ACTOR)
        if role == "collector":
            collectors.append(user)
    overdue = Customer.objects.filter(creditor=creditor, collector__isnull=True).filter(
        invoices__open_amount__gt=0, invoices__due_date__lt=today
    )
    codes = sorted(set(overdue.values_list("code", flat=True)))
    for n, code in enumerate(codes[: PORTFOLIO_SIZE * len(collectors)]):
        customer = Customer.objects.get(creditor=creditor, code=code)
        accounts.assign_collector(customer, collectors[n % len(collectors)], actor=DEMO_ACTOR)


def _demo_login() -> None:
    user_model = get_user_model()
    user = user_model.objects.filter(username=DEMO_USER).first()
    if user is None:
        user_model.objects.create_superuser(DEMO_USER, "demo@example.com", DEMO_PASSWORD)
        return
    user.set_password(DEMO_PASSWORD)
    user.is_active = user.is_staff = user.is_superuser = True
    user.save()


class _Writer:
    def __init__(self, creditor: Creditor) -> None:
        self.creditor = creditor
        self.scenarios = {s.key: s.pk for s in creditor.scenarios.all()}
        self.summary = {"customers": 0, "invoices": 0, "payments": 0}
        self.customers = Inserter(
            Customer,
            (
                "creditor_id",
                "code",
                "name",
                "email",
                "phone",
                "address",
                "postal_code",
                "city",
                "country",
                "language",
                "kind",
                "registration_number",
                "vat_number",
                "iban",
                "credit_limit",
                "payment_terms",
                "scenario_id",
                "segment",
            ),
        )
        self.contacts = Inserter(
            Contact,
            (
                "customer_id",
                "name",
                "role",
                "email",
                "phone",
                "language",
                "preferred_channel",
            ),
        )
        self.invoices = Inserter(
            Invoice,
            (
                "creditor_id",
                "customer_id",
                "number",
                "kind",
                "issue_date",
                "delivery_date",
                "due_date",
                "payment_terms",
                "currency",
                "amount",
                "amount_excl_tax",
                "reported_open_amount",
                "settled_elsewhere",
                "open_amount",
                "po_number",
                "status",
            ),
        )
        self.payments = Inserter(
            Payment,
            (
                "creditor_id",
                "customer_id",
                "key",
                "date",
                "amount",
                "currency",
                "reference",
                "method",
                "unapplied",
            ),
        )
        self.allocations = Inserter(
            Allocation, ("invoice_id", "payment_id", "credit_note_id", "amount", "date")
        )

    def save(self, chunk: list[DemoCustomer]) -> None:
        creditor_id = self.creditor.pk
        self.summary["customers"] += self.customers.insert(
            (
                creditor_id,
                c.code,
                c.name,
                c.email,
                c.phone,
                c.address,
                c.postal_code,
                c.city,
                "FR",
                "fr",
                c.kind,
                c.registration_number,
                c.vat_number,
                c.iban,
                c.credit_limit,
                c.payment_terms,
                self.scenarios.get(c.scenario_key),
                c.segment,
            )
            for c in chunk
        )
        # The rows' ids, read back by natural key: a handful of queries per chunk.
        customer_ids = dict(
            Customer.objects.filter(
                creditor=self.creditor, code__in=[c.code for c in chunk]
            ).values_list("code", "id")
        )
        ids = list(customer_ids.values())
        self.contacts.insert(
            (customer_ids[c.code], k.name, k.role, k.email, k.phone, "fr", k.preferred_channel)
            for c in chunk
            for k in c.contacts
        )
        self.summary["invoices"] += self.invoices.insert(
            (
                creditor_id,
                customer_ids[c.code],
                i.number,
                i.kind,
                i.issue_date,
                i.delivery_date,
                i.due_date,
                i.payment_terms,
                CURRENCY,
                i.amount,
                i.amount_excl_tax,
                i.reported_open_amount,
                i.settled_elsewhere,
                i.open_amount,
                i.po_number,
                i.status,
            )
            for c in chunk
            for i in c.invoices
        )
        self.summary["payments"] += self.payments.insert(
            (
                creditor_id,
                customer_ids[c.code],
                p.key,
                p.date,
                p.amount,
                CURRENCY,
                p.reference,
                p.method,
                0,
            )
            for c in chunk
            for p in c.payments
        )
        invoice_ids = dict(Invoice.objects.filter(customer_id__in=ids).values_list("number", "id"))
        payment_ids = dict(Payment.objects.filter(customer_id__in=ids).values_list("key", "id"))
        self.allocations.insert(
            (invoice_ids[number], payment_ids[p.key], None, amount, p.date)
            for c in chunk
            for p in c.payments
            for number, amount in p.allocations
        )

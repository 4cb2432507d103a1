"""Collection scenarios as data: ordered steps, each with an offset from the due date.

The four scenarios Relance ships come from French collection practice; "Standard B2B
(France)" is the table of DESIGN.md section 5.

>>> pre_due_offset(30), pre_due_offset(45), pre_due_offset(60), pre_due_offset(120)
(-7, -11, -15, -20)
>>> [s.key for s in STANDARD_B2B.steps]
['pre_due', 'first_reminder', 'call', 'second_reminder', 'third_reminder', 'formal_notice', 'handoff']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from relance.core.errors import DomainError
from relance.core.money import Money, format_minor


class StepChannel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    REGISTERED_LETTER = "registered_letter"
    CALL = "call"
    SMS = "sms"
    HANDOFF = "handoff"


class StepMode(StrEnum):
    AUTO = "auto"
    APPROVAL = "approval"
    TASK = "task"


@dataclass(frozen=True, slots=True)
class Conditions:
    """Who a step is for. Empty tuples mean everyone; the minimum overdue amount (minor
    units, per currency) makes the step wait until the customer owes that much."""

    segments: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    risk_classes: tuple[str, ...] = ()
    min_amount: dict[str, int] = field(default_factory=dict)

    def admit(self, segment: str, kind: str, risk_class: str) -> bool:
        return (
            (not self.segments or segment in self.segments)
            and (not self.kinds or kind in self.kinds)
            and (not self.risk_classes or risk_class in self.risk_classes)
        )


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    # Days from the due date (negative before it); None for a pre-due step whose offset
    # follows the item's payment term (pre_due_offset).
    offset: int | None
    channels: tuple[StepChannel, ...]
    mode: StepMode
    template: str = ""
    conditions: Conditions = field(default_factory=Conditions)
    # What the communication claims and carries: the late-payment penalties and fixed
    # indemnity (business debtors), and the statement of account attached to emails.
    penalties: bool = False
    statement: bool = False

    @property
    def pre_due(self) -> bool:
        return self.offset is None or self.offset < 0

    @property
    def terminal(self) -> bool:
        """A hand-off takes the customer's case out of dunning."""
        return StepChannel.HANDOFF in self.channels

    def offset_for(self, term_days: int) -> int:
        return pre_due_offset(term_days) if self.offset is None else self.offset


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    name: str
    steps: tuple[Step, ...]
    min_gap_days: int = 5
    # Minimum overdue amount, per currency, in minor units: {"EUR": 1000} is 10 EUR.
    min_amount: dict[str, int] = field(default_factory=dict)


PRE_DUE_EARLIEST = -20  # days before the due date, for a term-based pre-due reminder


def pre_due_offset(term_days: int) -> int:
    """The pre-due reminder's offset: 7 days before for terms up to 30 days, about a
    quarter of the term for longer ones, never closer than 3 days nor earlier than 20."""
    if term_days <= 30:
        return -7
    quarter = int((Decimal(term_days) / 4).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(PRE_DUE_EARLIEST, -max(3, quarter))


E, L, R, C, S, H = (
    StepChannel.EMAIL,
    StepChannel.LETTER,
    StepChannel.REGISTERED_LETTER,
    StepChannel.CALL,
    StepChannel.SMS,
    StepChannel.HANDOFF,
)
AUTO, APPROVAL, TASK = StepMode.AUTO, StepMode.APPROVAL, StepMode.TASK


def _step(
    key: str,
    offset: int | None,
    channels: tuple[StepChannel, ...],
    mode: StepMode,
    *,
    penalties: bool = False,
    statement: bool = False,
) -> Step:
    return Step(key, offset, channels, mode, template=key, penalties=penalties, statement=statement)


# Firm steps send the statement of account; the last ones before court claim penalties.
FIRM = {"statement": True}
CLAIMING = {"statement": True, "penalties": True}


STANDARD_B2B = Scenario(
    "standard_b2b",
    "Standard B2B (France)",
    (
        _step("pre_due", None, (E,), AUTO),
        _step("first_reminder", 3, (E,), AUTO),
        _step("call", 10, (C,), TASK),
        _step("second_reminder", 20, (E, L), AUTO, **FIRM),
        _step("third_reminder", 30, (L,), APPROVAL, **CLAIMING),
        _step("formal_notice", 40, (R,), APPROVAL, **CLAIMING),
        _step("handoff", 55, (H,), APPROVAL),
    ),
    min_gap_days=5,
    min_amount={"EUR": 1000},
)

KEY_ACCOUNT = Scenario(
    "key_account",
    "Key account (gentle)",
    (
        _step("pre_due", None, (E,), AUTO),
        _step("first_reminder", 7, (E,), APPROVAL),
        _step("call", 15, (C,), TASK),
        _step("second_reminder", 30, (E,), APPROVAL, **FIRM),
        _step("third_reminder", 45, (L,), APPROVAL, **CLAIMING),
        _step("formal_notice", 60, (R,), APPROVAL, **CLAIMING),
        _step("handoff", 90, (H,), APPROVAL),
    ),
    min_gap_days=10,
    min_amount={"EUR": 5000},
)

RISKY = Scenario(
    "risky",
    "Risky customer (firm, short)",
    (
        _step("pre_due", None, (E,), AUTO),
        _step("first_reminder", 1, (E,), AUTO),
        _step("call", 5, (C,), TASK),
        _step("second_reminder", 10, (E, L), AUTO, **FIRM),
        _step("formal_notice", 20, (R,), APPROVAL, **CLAIMING),
        _step("handoff", 35, (H,), APPROVAL),
    ),
    min_gap_days=4,
    min_amount={"EUR": 1000},
)

CONSUMER = Scenario(
    "consumer",
    "Consumer (B2C)",
    (
        _step("pre_due", None, (E,), AUTO),
        _step("first_reminder", 5, (E, S), AUTO),
        _step("second_reminder", 15, (E, L), AUTO, **FIRM),
        _step("call", 22, (C,), TASK),
        _step("formal_notice", 30, (R,), APPROVAL, **CLAIMING),
        _step("handoff", 60, (H,), APPROVAL),
    ),
    min_gap_days=7,
    min_amount={"EUR": 1000},
)

DEFAULT_SCENARIOS: tuple[Scenario, ...] = (STANDARD_B2B, KEY_ACCOUNT, RISKY, CONSUMER)


def to_dict(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain data (for YAML): amounts in major units, as strings.

    >>> to_dict(RISKY)["steps"][1]
    {'key': 'first_reminder', 'offset': 1, 'channels': ['email'], 'mode': 'auto', 'template': 'first_reminder'}
    """

    def amounts(values: dict[str, int]) -> dict[str, str]:
        return {cur: format_minor(v, cur) for cur, v in values.items()}

    def step(s: Step) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": s.key, "offset": s.offset, "channels": [c.value for c in s.channels],
            "mode": s.mode.value, "template": s.template,
        }  # fmt: skip
        data.update({name: True for name in ("penalties", "statement") if getattr(s, name)})
        c = s.conditions
        conditions = {
            "segments": list(c.segments), "kinds": list(c.kinds),
            "risk_classes": list(c.risk_classes), "min_amount": amounts(c.min_amount),
        }  # fmt: skip
        if any(conditions.values()):
            data["conditions"] = {k: v for k, v in conditions.items() if v}
        return data

    return {
        "key": scenario.key,
        "name": scenario.name,
        "min_gap_days": scenario.min_gap_days,
        "min_amount": amounts(scenario.min_amount),
        "steps": [step(s) for s in scenario.steps],
    }


def from_dict(data: Any) -> Scenario:
    """A scenario from plain data, every field checked; errors name the field.

    >>> from_dict(to_dict(STANDARD_B2B)) == STANDARD_B2B
    True
    >>> from_dict({"key": "x", "name": "X", "steps": [{"key": "a", "offset": 3, "channels": ["fax"], "mode": "auto"}]})
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: steps[1].channels: 'fax' is not one of email, letter, registered_letter, call, sms, handoff
    """
    if not isinstance(data, dict):
        raise DomainError("a scenario is a mapping with key, name, steps")
    key = _slug(data.get("key"), "key")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DomainError("name: required")
    gap = data.get("min_gap_days", 5)
    if not isinstance(gap, int) or isinstance(gap, bool) or not 1 <= gap <= 365:
        raise DomainError("min_gap_days: a whole number of days, 1 to 365")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DomainError("steps: at least one step")
    steps = tuple(step_from_dict(s, f"steps[{n}]") for n, s in enumerate(raw_steps, start=1))
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        raise DomainError("steps: each step key once")
    offsets = [s.offset for s in steps if s.offset is not None and not s.pre_due]
    if offsets != sorted(offsets):
        raise DomainError("steps: escalation steps in the order of their offsets")
    return Scenario(key, name.strip(), steps, gap, _amounts(data.get("min_amount"), "min_amount"))


def _slug(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", value):
        raise DomainError(f"{where}: lowercase letters, digits, _ or -, at most 50")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value in (None, []):
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DomainError(f"{where}: a list of names")
    return tuple(value)


def _amounts(value: Any, where: str) -> dict[str, int]:
    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        raise DomainError(f"{where}: currency: amount, e.g. EUR: '10.00'")
    try:
        return {str(cur): Money.of(str(v), str(cur)).minor for cur, v in value.items()}
    except DomainError as exc:
        raise DomainError(f"{where}: {exc}") from None


def step_from_dict(data: Any, where: str) -> Step:
    if not isinstance(data, dict):
        raise DomainError(f"{where}: a mapping with key, offset, channels, mode")
    offset = data.get("offset")
    if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool)):
        raise DomainError(f"{where}.offset: whole days from the due date, or empty for pre-due")
    channels = data.get("channels")
    if isinstance(channels, str):
        channels = [channels]
    if not isinstance(channels, list) or not channels:
        raise DomainError(f"{where}.channels: at least one channel")
    known = ", ".join(c.value for c in StepChannel)
    for c in channels:
        if c not in StepChannel._value2member_map_:
            raise DomainError(f"{where}.channels: {c!r} is not one of {known}")
    mode = data.get("mode")
    if mode not in StepMode._value2member_map_:
        raise DomainError(f"{where}.mode: one of {', '.join(m.value for m in StepMode)}")
    conditions = data.get("conditions") or {}
    if not isinstance(conditions, dict):
        raise DomainError(f"{where}.conditions: a mapping")
    template = data.get("template") or ""
    key = _slug(data.get("key"), f"{where}.key")
    flags = {name: data.get(name, False) for name in ("penalties", "statement")}
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise DomainError(f"{where}.{name}: true or false")
    return Step(
        key,
        offset,
        tuple(StepChannel(c) for c in channels),
        StepMode(str(mode)),
        str(template) or key,
        Conditions(
            _strings(conditions.get("segments"), f"{where}.conditions.segments"),
            _strings(conditions.get("kinds"), f"{where}.conditions.kinds"),
            _strings(conditions.get("risk_classes"), f"{where}.conditions.risk_classes"),
            _amounts(conditions.get("min_amount"), f"{where}.conditions.min_amount"),
        ),
        **flags,
    )

"""Collection scenarios as data: ordered steps, each with an offset from the due date.

The four scenarios Relance ships come from French collection practice; "Standard B2B
(France)" is the table of DESIGN.md section 5.

>>> pre_due_offset(30), pre_due_offset(45), pre_due_offset(60), pre_due_offset(120)
(-7, -11, -15, -20)
>>> [s.key for s in STANDARD_B2B.steps]
['pre_due', 'first_reminder', 'call', 'second_reminder', 'third_reminder', 'formal_notice', 'handoff']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


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


def pre_due_offset(term_days: int) -> int:
    """The pre-due reminder's offset: 7 days before for terms up to 30 days, about a
    quarter of the term for longer ones, never closer than 3 days nor earlier than 20."""
    if term_days <= 30:
        return -7
    quarter = int((Decimal(term_days) / 4).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return -min(20, max(3, quarter))


E, L, R, C, S, H = (
    StepChannel.EMAIL,
    StepChannel.LETTER,
    StepChannel.REGISTERED_LETTER,
    StepChannel.CALL,
    StepChannel.SMS,
    StepChannel.HANDOFF,
)
AUTO, APPROVAL, TASK = StepMode.AUTO, StepMode.APPROVAL, StepMode.TASK


def _step(key: str, offset: int | None, channels: tuple[StepChannel, ...], mode: StepMode) -> Step:
    return Step(key, offset, channels, mode, template=key)


STANDARD_B2B = Scenario(
    "standard_b2b",
    "Standard B2B (France)",
    (
        _step("pre_due", None, (E,), AUTO),
        _step("first_reminder", 3, (E,), AUTO),
        _step("call", 10, (C,), TASK),
        _step("second_reminder", 20, (E, L), AUTO),
        _step("third_reminder", 30, (L,), APPROVAL),
        _step("formal_notice", 40, (R,), APPROVAL),
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
        _step("second_reminder", 30, (E,), APPROVAL),
        _step("third_reminder", 45, (L,), APPROVAL),
        _step("formal_notice", 60, (R,), APPROVAL),
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
        _step("second_reminder", 10, (E, L), AUTO),
        _step("formal_notice", 20, (R,), APPROVAL),
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
        _step("second_reminder", 15, (E, L), AUTO),
        _step("call", 22, (C,), TASK),
        _step("formal_notice", 30, (R,), APPROVAL),
        _step("handoff", 60, (H,), APPROVAL),
    ),
    min_gap_days=7,
    min_amount={"EUR": 1000},
)

DEFAULT_SCENARIOS: tuple[Scenario, ...] = (STANDARD_B2B, KEY_ACCOUNT, RISKY, CONSUMER)

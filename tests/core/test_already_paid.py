"""The hold after a debtor says they paid: decided in the core, the same for a call and
for the portal."""

from __future__ import annotations

from datetime import date

from relance.core.reasons import ALREADY_PAID_HOLD_DAYS, already_paid_hold

TODAY = date(2026, 3, 2)


def test_reminders_wait_a_week_for_the_payment_to_show_in_the_bank() -> None:
    assert ALREADY_PAID_HOLD_DAYS == 7
    assert already_paid_hold(TODAY, None) == date(2026, 3, 9)


def test_a_shorter_hold_is_extended_and_a_longer_one_is_kept() -> None:
    assert already_paid_hold(TODAY, date(2026, 3, 3)) == date(2026, 3, 9)
    assert already_paid_hold(TODAY, date(2026, 3, 9)) is None
    assert already_paid_hold(TODAY, date(2026, 6, 30)) is None

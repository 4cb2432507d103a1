"""Scenarios as YAML: the text people edit, export and import (checked by the core)."""

from __future__ import annotations

import yaml

from relance.collection import queries
from relance.collection.models import Scenario
from relance.core import scenarios as core
from relance.core.errors import DomainError
from relance.ledger.models import Creditor

HEADER = """\
# Relance scenario. offset: days from the due date (negative before it; empty for a
# pre-due reminder that follows the payment term). channels: email, letter,
# registered_letter, call, sms, handoff. mode: auto, approval, task.
# conditions (optional): segments, kinds (b2b, b2c, public), risk_classes, min_amount.
"""


def dump(key: str, creditor: Creditor) -> str | None:
    row = Scenario.objects.filter(creditor=creditor, key=key).prefetch_related("steps").first()
    if row is None:
        return None
    return HEADER + yaml.safe_dump(
        core.to_dict(queries.scenario(row)), allow_unicode=True, sort_keys=False
    )


def load(text: str) -> core.Scenario:
    """A checked scenario, or DomainError saying where the text is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise DomainError(f"{where}not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return core.from_dict(data)

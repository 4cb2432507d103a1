"""Writers of the collection context."""

from __future__ import annotations

from relance import audit
from relance.collection.models import Scenario, Step
from relance.core import scenarios as core
from relance.core.money import round_money
from relance.ledger.models import Creditor


def install_default_scenarios(creditor: Creditor, *, actor: str) -> list[Scenario]:
    """The scenarios Relance ships, for a creditor that has none of them yet."""
    made = []
    for spec in core.DEFAULT_SCENARIOS:
        if creditor.scenarios.filter(key=spec.key).exists():
            continue
        scenario = Scenario.objects.create(
            creditor=creditor,
            key=spec.key,
            name=spec.name,
            min_gap_days=spec.min_gap_days,
            min_amount={cur: round_money(v, cur) for cur, v in spec.min_amount.items()},
            is_default=spec is core.STANDARD_B2B,
        )
        Step.objects.bulk_create(
            Step(
                scenario=scenario,
                position=n,
                key=s.key,
                offset=s.offset,
                channels=[str(c) for c in s.channels],
                mode=str(s.mode),
                template=s.template,
            )
            for n, s in enumerate(spec.steps, start=1)
        )
        audit.record(
            actor, "scenario.created", scenario, {"key": spec.key, "steps": len(spec.steps)}
        )
        made.append(scenario)
    return made

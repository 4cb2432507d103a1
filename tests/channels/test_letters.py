"""Letters rendered to PDF for real, read back: the formal notice and its mentions, the
batch to print, the posting with its tracking number."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from relance.audit import Event
from relance.channels import outbox, services
from relance.channels.models import Message
from relance.cli import app
from relance.core.errors import DomainError
from relance.law.interest import interest

from .conftest import MONDAY, plain, queue

runner = CliRunner()
DAY = MONDAY + timedelta(days=45)  # 2026-04-16: the rate tables cover it


def text_of(pdf: bytes) -> str:
    return plain("\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages))


def formal_notice(customer) -> tuple[Message, str]:  # type: ignore[no-untyped-def]
    queue(customer, "formal_notice", ["registered_letter"], DAY)
    outbox.send(today=DAY)
    letter = Message.objects.get(channel="registered_letter")
    with letter.document.open("rb") as f:
        return letter, text_of(f.read())


def test_the_formal_notice_has_every_mention_the_law_and_practice_ask_for(creditor, billed, smtp):
    letter, text = formal_notice(billed)
    assert letter.status == "to_print"
    words = " ".join(text.split())
    expected = [
        "MISE EN DEMEURE DE PAYER",
        "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION",
        # both parties
        "Atelier Test SAS",
        "2 rue des Arts",
        "SIREN/SIRET 732829320",
        "Boulangerie Martin",
        "1 rue Haute",
        "69001 Lyon",
        "C001",
        "16 avril 2026",
        # each item: number, dates, amount net of part-payments
        "F1",
        "F2",
        "31 janvier 2026",
        "2 mars 2026",
        "1 200,00 €",
        "200,00 €",
        "300,00 €",
        "1 500,00 €",
        # penalties and the 40 EUR indemnity per invoice
        "80,00 €",
        "L441-10",
        # deadline, means of payment, next step
        "huit jours",
        "FR76 3000 6000 0112 3456 7890 189",
        "juridiction compétente",
    ]
    for mention in expected:
        assert mention in words, mention
    penalties = sum(
        float(interest(inv, DAY)["penalties"]) for inv in billed.invoices.all()
    )  # the letter's figure is the law module's, to the cent
    assert f"{penalties:.2f}".replace(".", ",") in words


def test_a_consumer_is_not_claimed_the_business_indemnity(creditor, billed, smtp):
    billed.kind = "b2c"
    billed.save()
    _, text = formal_notice(billed)
    words = " ".join(text.split())
    assert "MISE EN DEMEURE" in words
    assert "indemnité forfaitaire" not in words
    assert "80,00 €" not in words


def test_penalties_past_the_rate_tables_are_stated_up_to_their_last_day(creditor, billed, smtp):
    late = MONDAY + timedelta(days=400)
    queue(billed, "formal_notice", ["registered_letter"], late)
    outbox.send(today=late)
    with Message.objects.get().document.open("rb") as f:
        words = " ".join(text_of(f.read()).split())
    assert "calculées jusqu'au 30 juin 2026 (à parfaire)" in words


def test_letters_print_in_one_pdf_and_are_posted_with_their_tracking_number(
    creditor, billed, smtp, tmp_path
):
    letter, _ = formal_notice(billed)
    output = tmp_path / "letters.pdf"
    result = runner.invoke(app, ["letters", str(output)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "MISE EN DEMEURE" in text_of(output.read_bytes())
    with pytest.raises(DomainError, match="tracking number"):
        services.mark_posted(letter, on=DAY, tracking="", actor="test")
    result = runner.invoke(app, ["posted", str(letter.pk), "--tracking", "1A 123 456 7890 1",
                                 "--on", DAY.isoformat()], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    letter.refresh_from_db()
    assert (letter.status, letter.tracking_number, letter.posted_on) == (
        "posted",
        "1A12345678901",
        DAY,
    )
    assert Event.objects.filter(verb="message.posted").exists()
    assert runner.invoke(app, ["letters", str(output)]).exit_code == 1  # nothing left to print


def test_the_step_decides_whether_penalties_are_claimed_not_its_name(creditor, billed, smtp):
    from relance.collection.services import save_scenario
    from relance.core.scenarios import from_dict

    save_scenario(creditor, from_dict({"key": "own", "name": "Own", "steps": [
        {"key": "relance_ferme", "offset": 20, "channels": ["letter"], "mode": "auto",
         "template": "formal_notice", "penalties": True},
        {"key": "formal_notice", "offset": 40, "channels": ["letter"], "mode": "auto"},
    ]}), actor="test")  # fmt: skip
    texts = {}
    for step in ("relance_ferme", "formal_notice"):
        queue(billed, step, ["letter"], DAY, scenario="own")
        outbox.send(today=DAY)
        with Message.objects.get(action__step=step).document.open("rb") as f:
            texts[step] = " ".join(text_of(f.read()).split())
    assert "80,00 €" in texts["relance_ferme"]
    assert "80,00 €" not in texts["formal_notice"]


def test_posting_an_unknown_letter_says_so(creditor, smtp):
    result = runner.invoke(app, ["posted", "999", "--tracking", "1A"])
    assert result.exit_code == 1
    assert "no letter 999" in result.stderr

"""The sender: takes queued actions out of the outbox, prepares their messages, and
delivers them, each exactly once.

An action goes queued -> sending (claimed: this process prepares it) -> sent (its
messages are stored, content and all, in the same transaction). A message goes
ready -> sending -> sent. Each arrow is a compare-and-set committed before the next
step, so that:
- a sender killed while preparing leaves a claimed action with no message: the next
  sender takes it back to queued and prepares it again;
- a sender killed while talking to the mail server leaves a message in "sending": it
  may or may not have left, so it is never resent by itself; it becomes
  "interrupted", a task for a person, who resends it or marks it sent;
- two senders (two workers, or `relance send` beside the worker) never take the same
  row: on PostgreSQL rows are locked and skipped (SKIP LOCKED), on SQLite the
  compare-and-set runs under the single writer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import formataddr
from hashlib import sha256
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from relance import audit
from relance.channels import documents, sms
from relance.channels.models import Message, MessageStatus
from relance.collection import queries
from relance.collection.models import Action, ActionStatus, PaymentPlan
from relance.core.errors import DomainError
from relance.core.scenarios import Step
from relance.ledger.models import Creditor, Customer, EvidenceKind, Invoice

ACTOR = "sender"
log = logging.getLogger(__name__)
LETTERS = ("letter", "registered_letter")
# Channels the sender handles; calls and hand-offs are work for a person.
SENDABLE = ("email", "sms", *LETTERS)
SMTP_BACKEND = "relance.channels.smtp.EmailBackend"
BACKOFF_MINUTES = (1, 5, 30, 120, 360)  # then the message fails for good


def _process_start(pid: int) -> str | None:
    """The start time of process `pid` (Linux), to tell it from a later one with the
    same number; None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[19]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid()) or '?'}"


def _gone(claimed_by: str, claimed_at: datetime | None, now: datetime) -> bool:
    """Whether the sender that claimed a row is gone: on this machine, its process no
    longer runs; elsewhere, its lease has run out."""
    host, _, rest = claimed_by.partition(":")
    pid, _, started = rest.partition(":")
    if host == socket.gethostname() and pid.isdigit() and Path("/proc/self/stat").exists():
        return _process_start(int(pid)) not in (started, "?")
    lease = timedelta(minutes=settings.SEND_LEASE_MINUTES)
    return claimed_at is None or claimed_at < now - lease


@dataclass
class Report:
    prepared: int = 0
    sent: int = 0
    letters: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    recovered: int = 0
    interrupted: int = 0
    errors: list[str] = field(default_factory=list)
    next_attempt_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "next_attempt_at"}
        data["next_attempt_at"] = self.next_attempt_at.isoformat() if self.next_attempt_at else None
        return data


def send(
    *,
    today: date,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Recover what a stopped sender left, prepare every queued action, deliver every
    message that is due. `progress` is told of each action prepared."""
    report = Report()
    me = worker_name()
    recover(report)
    with Delivery(report, me) as delivery:
        for action in _claimed_actions(me, limit):
            for message in prepare(action, today, report):
                delivery.deliver(message)
            if progress:
                progress(1)
        for message in _due_messages():
            delivery.deliver(message)
    waiting = Message.objects.filter(status=MessageStatus.RETRY).order_by("next_attempt_at")
    report.next_attempt_at = waiting.values_list("next_attempt_at", flat=True).first()
    return report


def recover(report: Report) -> None:
    now = timezone.now()
    for action in Action.objects.filter(status=ActionStatus.SENDING):
        if _gone(action.claimed_by, action.claimed_at, now):
            n = Action.objects.filter(
                pk=action.pk, status=ActionStatus.SENDING, claimed_by=action.claimed_by
            ).update(status=ActionStatus.QUEUED, claimed_by="", claimed_at=None)
            report.recovered += n
    for message in Message.objects.filter(status=MessageStatus.SENDING):
        if _gone(message.claimed_by, message.claimed_at, now):
            with transaction.atomic():
                n = Message.objects.filter(
                    pk=message.pk, status=MessageStatus.SENDING, claimed_by=message.claimed_by
                ).update(
                    status=MessageStatus.INTERRUPTED,
                    error="the sender stopped while delivering it: it may have left; check "
                    "before sending it again",
                )
                if n:
                    audit.record(ACTOR, "message.interrupted", message, {"by": message.claimed_by})
            report.interrupted += n


def queued() -> QuerySet[Action]:
    """The actions waiting for the sender, in creation order (the status index gives it
    without sorting the whole queue at each claim); hand-offs wait for a person."""
    return (
        Action.objects.filter(status=ActionStatus.QUEUED).exclude(channel="handoff").order_by("pk")
    )


def _claimed_actions(me: str, limit: int | None) -> Iterator[Action]:
    taken = 0
    while limit is None or taken < limit:
        with transaction.atomic():
            row = queued().select_for_update(skip_locked=True).values_list("pk", flat=True).first()
            if row is None:
                return
            claimed = Action.objects.filter(pk=row, status=ActionStatus.QUEUED).update(
                status=ActionStatus.SENDING, claimed_by=me, claimed_at=timezone.now()
            )
        if claimed:
            taken += 1
            yield Action.objects.select_related("customer__creditor", "creditor").get(pk=row)


def _due_messages() -> Iterator[Message]:
    due = Q(status=MessageStatus.READY) | Q(
        status=MessageStatus.RETRY, next_attempt_at__lte=timezone.now()
    )
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            pk = (
                Message.objects.filter(due)
                .exclude(pk__in=seen)
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
                .first()
            )
        if pk is None:
            return
        seen.add(pk)
        yield Message.objects.select_related("creditor", "customer").get(pk=pk)


def prepare(action: Action, today: date, report: Report) -> list[Message]:
    """Render the action's messages and store them with the action marked sent, in one
    transaction; returns the messages to deliver now (emails and SMS)."""
    items = queries.live_items(action)
    if not items:
        _close(action, ActionStatus.CANCELLED, queries.NO_LONGER_DUE)
        report.cancelled += 1
        return []
    channels = [c for c in action.channels if c in SENDABLE]
    if not channels:
        # Approved as a call or hand-off: a person does it.
        _close(action, ActionStatus.PLANNED, "for a person")
        return []
    step = queries.step_of(action)
    try:
        built = [_build(action, step, items, channel, today) for channel in channels]
    except Exception as exc:
        # A wording that does not render (or a bug) must not leave the action claimed
        # by a sender that goes on: it fails, visibly, for a person to look at.
        if not isinstance(exc, DomainError):
            log.exception("preparing action %s", action.pk)
        _close(action, ActionStatus.FAILED, str(exc)[:200])
        report.failed += 1
        report.errors.append(f"{action.customer.code}: {exc}")
        return []
    try:
        return _store(action, items, built, report)
    except OSError as exc:
        # A full disk (or one that refuses): nothing of the action was kept, so it goes
        # back to the queue, and the run stops: the next actions would fail alike.
        reason = f"could not store the reminder to {action.customer.code}: {exc}"
        _close(action, ActionStatus.QUEUED, reason[:200])
        raise DomainError(f"{reason}. It waits in the queue: make room, then send again.") from exc


def _store(
    action: Action,
    items: list[Invoice],
    built: list[tuple[Message, tuple[str, bytes] | None]],
    report: Report,
) -> list[Message]:
    """The messages and their documents saved with the action marked sent, or none of
    them: the documents already written go with rolled-back rows."""
    written: list[Message] = []
    kept = False
    try:
        with transaction.atomic():
            saved = []
            for message, document in built:
                if document is not None:
                    message.document.save(document[0], ContentFile(document[1]), save=False)
                    written.append(message)
                    message.document_sha256 = sha256(document[1]).hexdigest()
                message.save()
                saved.append(message)
            n = Action.objects.filter(
                pk=action.pk, status=ActionStatus.SENDING, claimed_by=action.claimed_by
            ).update(status=ActionStatus.SENT, status_reason="")
            if not n:  # recovered by another sender meanwhile: it prepares it
                transaction.set_rollback(True)
                return []
            audit.record(ACTOR, "action.sent", action, {
                "messages": [{"channel": m.channel, "recipient": m.recipient} for m in saved],
                "items": [i.number for i in items],
            })  # fmt: skip
            kept = True
    finally:
        if not kept:
            for message in written:
                message.document.delete(save=False)
    report.prepared += 1
    report.letters += sum(m.channel in LETTERS for m in saved)
    return [m for m in saved if m.status == MessageStatus.READY]


def _close(action: Action, status: str, reason: str) -> None:
    with transaction.atomic():
        if Action.objects.filter(pk=action.pk, status=ActionStatus.SENDING).update(
            status=status, status_reason=reason, claimed_by="", claimed_at=None
        ):
            audit.record(ACTOR, f"action.{status}", action, {"reason": reason})


def _build(
    action: Action, step: Step | None, items: list[Invoice], channel: str, today: date
) -> tuple[Message, tuple[str, bytes] | None]:
    customer: Customer = action.customer
    lang = documents.language_of(customer)
    template = "sms" if channel == "sms" else (step.template if step else action.step)
    plan = _plan_of(action)
    if plan is not None and channel == "sms":
        template = "plan_sms"
    facts = documents.Facts(
        customer, items, template, today, lang,
        penalties=bool(step and step.penalties), information=action.information, sending=True,
        plan=None if plan is None else documents.plan_facts(
            plan, today, lang, action.information.get("instalment")
        ),
    )  # fmt: skip
    doc = documents.compose(facts, channel=channel, creditor=action.creditor)
    message = Message(
        action=action, creditor=action.creditor, customer=customer, channel=channel,
        template=facts.template, language=lang, subject=doc.subject, text=doc.text, html=doc.html,
    )  # fmt: skip
    if channel in LETTERS:
        message.status = MessageStatus.TO_PRINT
        message.recipient = _postal(customer)
        return message, (f"{action.step}-{customer.code}-{action.pk}.pdf", documents.pdf(doc.html))
    message.status = MessageStatus.READY
    if channel == "sms":
        message.recipient = customer.phone
        return message, None
    message.recipient = customer.email
    domain = _sender(action.creditor).rpartition("@")[2]
    message.message_id = f"<relance.{action.pk}.{channel}@{domain or 'localhost'}>"
    statement = bool(step and step.statement)
    eml = _email(message, doc, items, facts, statement).message().as_bytes(linesep="\r\n")
    return message, (f"{action.step}-{customer.code}-{action.pk}.eml", eml)


def _plan_of(action: Action) -> PaymentPlan | None:
    """The payment plan a plan's message (agreement letter, reminder) is about."""
    pk = action.information.get("plan") if action.step.startswith("plan_") else None
    return None if pk is None else PaymentPlan.objects.filter(pk=pk).first()


def _postal(customer: Customer) -> str:
    return "\n".join(
        p for p in (customer.name, customer.address, f"{customer.postal_code} {customer.city}".strip()) if p
    )  # fmt: skip


def _sender(creditor: Creditor) -> str:
    return creditor.sender_email or settings.DEFAULT_FROM_EMAIL


def _email(
    message: Message,
    doc: documents.Document,
    items: list[Invoice],
    facts: documents.Facts,
    statement: bool,
) -> EmailMultiAlternatives:
    from email.mime.image import MIMEImage

    creditor = message.creditor
    sender = formataddr((creditor.name, _sender(creditor)))
    email = EmailMultiAlternatives(
        message.subject, message.text, sender, [message.recipient],
        reply_to=[creditor.email] if creditor.email else None,
        headers={"Message-ID": message.message_id},
    )  # fmt: skip
    email.attach_alternative(message.html, "text/html")
    if doc.qr_png:
        image = MIMEImage(doc.qr_png, "png")
        image.add_header("Content-ID", "<qr>")
        image.add_header("Content-Disposition", "inline", filename="sepa-qr.png")
        email.attach(image)
    if statement:
        account = documents.statement_facts(
            facts.customer, facts.today, facts.language, items[0].currency
        )
        page = documents.compose(account, channel="statement", creditor=creditor)
        name = f"{documents.statement_name(facts.language)}-{facts.customer.code}.pdf"
        email.attach(name, documents.pdf(page.html), "application/pdf")
    if facts.plan is not None and facts.plan["agreement"]:
        # The agreement to sign and send back, as the letter a printer would post.
        letter = documents.compose(facts, channel="letter", creditor=creditor)
        plan = PaymentPlan.objects.get(pk=facts.plan["id"])
        name = documents.plan_letter_name(plan, facts.language)
        email.attach(name, documents.pdf(letter.html), "application/pdf")
    for inv in items:
        for evidence in inv.evidence.filter(kind=EvidenceKind.INVOICE):
            with evidence.file.open("rb") as f:
                email.attach(evidence.filename, f.read(), "application/pdf")
    return email


class Delivery:
    """Delivers messages over one SMTP connection, opened on the first email."""

    def __init__(self, report: Report, me: str) -> None:
        self.report, self.me = report, me
        self.connection: Any = None
        self.smtp_down = False

    def __enter__(self) -> Delivery:
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop_connection()

    def deliver(self, message: Message) -> None:
        if message.channel == "email" and self.smtp_down:
            return  # the mail server is unreachable: the next pass tries again
        # Everything that can be done before the exchange with the server is done before
        # the claim: a kill between the claim and the answer is the only doubt left.
        data = b""
        if message.channel == "email":
            with message.document.open("rb") as f:
                data = f.read()
            try:
                self._connect()
            except Failure as exc:
                self.smtp_down = True
                message.attempts += 1
                self._failed(message, exc)
                return
        with transaction.atomic():
            claimed = Message.objects.filter(
                pk=message.pk, status__in=[MessageStatus.READY, MessageStatus.RETRY]
            ).update(
                status=MessageStatus.SENDING, claimed_by=self.me, claimed_at=timezone.now(),
                attempts=message.attempts + 1,
            )  # fmt: skip
        if not claimed:
            return
        message.attempts += 1
        try:
            provider_id = (
                self._email(message, data) if message.channel == "email" else self._sms(message)
            )
        except Failure as exc:
            self._failed(message, exc)
        else:
            with transaction.atomic():
                Message.objects.filter(pk=message.pk).update(
                    status=MessageStatus.SENT, sent_at=timezone.now(), provider_id=provider_id,
                    error="", claimed_by="",
                )  # fmt: skip
                audit.record(ACTOR, "message.sent", message,
                             {"channel": message.channel, "to": message.recipient})  # fmt: skip
            self.report.sent += 1

    def _connect(self) -> None:
        if self.connection is None:
            # SMTP itself: the stored message goes out byte for byte.
            connection = get_connection(SMTP_BACKEND, fail_silently=False)
            try:
                connection.open()
            except (smtplib.SMTPException, OSError) as exc:
                raise Failure(f"mail server unreachable: {exc}", permanent=False) from None
            self.connection = connection

    def _email(self, message: Message, data: bytes) -> str:
        if not message.recipient:
            raise Failure("no email address", permanent=True)
        try:
            self._connect()
            refused = self.connection.connection.sendmail(
                _sender(message.creditor), [message.recipient], data
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            raise Failure(f"{code} {_text(reason)}", permanent=code >= 500) from None
        except smtplib.SMTPResponseException as exc:
            self._drop_connection()
            raise Failure(
                f"{exc.smtp_code} {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            doubtful = self.connection is not None and self.connection.connection.body_sent
            self._drop_connection()
            self.smtp_down = True
            if doubtful:
                raise Failure(
                    f"the mail server stopped answering once it had the message ({exc}): it "
                    "may have left; check before sending it again",
                    permanent=False,
                    doubtful=True,
                ) from None
            raise Failure(f"mail server unreachable: {exc}", permanent=False) from None
        if refused:
            raise Failure(str(refused), permanent=True)
        return message.message_id

    def _drop_connection(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()
        self.connection = None

    def _sms(self, message: Message) -> str:
        if not message.recipient:
            raise Failure("no phone number", permanent=True)
        try:
            return sms.backend().send(message.recipient, message.text)
        except sms.SmsError as exc:
            raise Failure(str(exc), permanent=exc.permanent) from None

    def _failed(self, message: Message, exc: Failure) -> None:
        def mark(status: str, **more: Any) -> None:
            Message.objects.filter(pk=message.pk).update(
                status=status, error=exc.reason[:500], claimed_by="", attempts=message.attempts,
                **more,
            )  # fmt: skip

        retry = not exc.permanent and message.attempts <= len(BACKOFF_MINUTES)
        try:
            with transaction.atomic():
                if exc.doubtful:
                    # As if the sender had been killed there (`recover`): a person decides.
                    mark(MessageStatus.INTERRUPTED)
                    audit.record(ACTOR, "message.interrupted", message,
                                 {"error": exc.reason[:500]})  # fmt: skip
                    self.report.interrupted += 1
                    return
                if retry:
                    at = timezone.now() + timedelta(minutes=BACKOFF_MINUTES[message.attempts - 1])
                    mark(MessageStatus.RETRY, next_attempt_at=at)
                    self.report.retrying += 1
                    return
                mark(MessageStatus.FAILED)
                audit.record(ACTOR, "message.failed", message, {"error": exc.reason[:500]})
                self.report.failed += 1
                self.report.errors.append(
                    f"{message.customer.code} {message.channel}: {exc.reason}"
                )
                if message.action_id and message.channel in ("email", "sms"):
                    message.error = exc.reason
                    self._fall_back(message)
        except OSError as error:
            # The letter replacing a refused message could not be stored: nothing of the
            # failure was kept. The message waits to be tried again (refused again, it is
            # replaced then), and the send stops: the next letters would fail alike.
            mark(MessageStatus.RETRY, next_attempt_at=timezone.now())
            raise DomainError(
                f"could not store the letter replacing the {message.channel} to "
                f"{message.customer.code}: {error}. The {message.channel} waits to be tried "
                "again: make room, then send again."
            ) from error

    def _fall_back(self, message: Message) -> None:
        """A refused email or SMS becomes a letter to print (when the action has none)."""
        action = message.action
        assert action is not None
        if action.messages.filter(channel__in=LETTERS).exists():
            return
        items = queries.live_items(action)
        if not items:
            return
        step = queries.step_of(action)
        letter, (name, data) = _build(action, step, items, "letter", timezone.localdate())  # type: ignore[misc]
        letter.document.save(name, ContentFile(data), save=False)
        letter.document_sha256 = sha256(data).hexdigest()
        try:
            with transaction.atomic():
                letter.save()
                audit.record(ACTOR, "message.fallback", letter,
                             {"instead_of": message.channel, "error": message.error})  # fmt: skip
        except IntegrityError:  # another sender made it first
            letter.document.delete(save=False)
            return
        self.report.letters += 1


class Failure(Exception):
    """`permanent`: sending again cannot help; `doubtful`: the message may have left."""

    def __init__(self, reason: str, *, permanent: bool, doubtful: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent, self.doubtful = reason, permanent, doubtful


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value

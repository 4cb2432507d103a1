"""SMS providers behind one interface, chosen by RELANCE_SMS_BACKEND.

- "file" (default): each SMS is appended as a JSON line to RELANCE_SMS_FILE
  (default: sms.jsonl beside the database), for trials and demos.
- "twilio": Twilio's Messages REST API (form POST with HTTP basic auth), or any
  provider that speaks it; RELANCE_SMS_URL points elsewhere for such a provider (and
  for tests, a local server).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings


class SmsError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Backend(Protocol):
    def send(self, to: str, text: str) -> str:
        """Send `text` to the number `to`; returns the provider's message id."""
        ...


@dataclass(frozen=True)
class FileBackend:
    path: Path

    def send(self, to: str, text: str) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"to": to, "text": text}, ensure_ascii=False) + "\n")
            return f"file:{out.tell()}"


@dataclass(frozen=True)
class TwilioBackend:
    url: str  # https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json
    account: str
    token: str
    sender: str
    timeout: float = 15.0

    def send(self, to: str, text: str) -> str:
        body = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": text}).encode()
        auth = b64encode(f"{self.account}:{self.token}".encode()).decode()
        request = urllib.request.Request(
            self.url.format(account=self.account), data=body, method="POST",
            headers={"Authorization": f"Basic {auth}",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return str(json.load(response).get("sid", ""))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            # 4xx: the number or the message is refused, retrying changes nothing;
            # 429 and 5xx: the provider is busy or down.
            permanent = 400 <= exc.code < 500 and exc.code != 429
            raise SmsError(f"HTTP {exc.code}: {detail}", permanent=permanent) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"provider unreachable: {exc}", permanent=False) from None


def backend() -> Backend:
    if settings.SMS_BACKEND == "twilio":
        return TwilioBackend(
            settings.SMS_URL, settings.SMS_ACCOUNT, settings.SMS_TOKEN, settings.SMS_FROM
        )
    return FileBackend(Path(settings.SMS_FILE))

"""Django's SMTP backend, which also tells whether a message's body reached the server.

A mail server that stops answering after it received the body (a timeout waiting for
its "250", a dropped connection) may have accepted the message: sending it again could
deliver it twice. Before the body, nothing can have left and a retry is safe. smtplib
does not say which it was, so the connection notes when the body, ended by the
"<CRLF>.<CRLF>" line, went out.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail.backends import smtp


class _Noting:
    body_sent = False  # of the message being sent, or last sent

    def sendmail(self, *args: Any, **kwargs: Any) -> Any:
        self.body_sent = False
        return super().sendmail(*args, **kwargs)  # type: ignore[misc]

    def send(self, s: Any) -> None:
        super().send(s)  # type: ignore[misc]
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.body_sent = True


class NotingSMTP(_Noting, smtplib.SMTP):
    pass


class NotingSMTP_SSL(_Noting, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return NotingSMTP_SSL if self.use_ssl else NotingSMTP

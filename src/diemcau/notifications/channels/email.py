"""E-mail over SMTP with Django's e-mail framework: one connection for a whole batch.

The SMTP conversation is driven step by step (MAIL, RCPT, DATA) on the connection Django's SMTP
backend opened (its TLS/SSL, login and timeout settings), so a refusal is known by its step: a
refusal before DATA was accepted is a plain failure (4xx: try again later; 5xx: failed), while a
connection lost *during* DATA may have delivered the message — that delivery is "unknown", never
sent again by itself. Each message carries a Message-ID made from its delivery key.
"""

import email.policy
import hashlib
import smtplib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.validators import validate_email

from diemcau.notifications.channels.base import Closing, Outcome, Outgoing


def message_id(key: str) -> str:
    domain = (settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost").strip("> ")
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def _answer(code: int, text: bytes | str) -> str:
    body = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {body}".strip()[:500]


class UnknownOutcome(Exception):
    pass


class EmailBatch(Closing):
    def __init__(self, reuse: bool = True) -> None:
        self.backend: Any = None
        self.reuse = reuse  # False: a connection per message (the naive path, for the bench)

    def _close(self) -> None:
        if self.backend is not None:
            try:
                self.backend.close()
            finally:
                self.backend = None

    def _open(self) -> Any:
        if self.backend is None:
            backend = mailers["default"]  # Django's MAILERS: SMTP host, TLS, login, timeout
            backend.open()
            self.backend = backend
        return self.backend

    def send(self, message: Outgoing) -> Outcome:
        email_message = EmailMessage(
            subject=message.subject,
            body=message.text,
            from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            reply_to=[message.reply_to] if message.reply_to else None,
            headers={"Message-ID": message_id(message.key), **message.headers},
        )
        try:
            backend = self._open()
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            return Outcome(False, answer=f"{type(exc).__name__}: {exc}"[:500], retry=True)
        try:
            if isinstance(backend, SmtpBackend):
                outcome = self._smtp(backend, email_message)
            else:  # an in-memory or file backend (tests of other apps, development)
                backend.send_messages([email_message])
                outcome = Outcome(True, answer="accepted")
        except UnknownOutcome as exc:
            self._close()
            return Outcome(False, answer=str(exc)[:500], retry=False, gateway_id="?")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._close()
            return Outcome(False, answer=f"{type(exc).__name__}: {exc}"[:500], retry=True)
        if not self.reuse:
            self._close()
        return outcome

    def _smtp(self, backend: SmtpBackend, email_message: EmailMessage) -> Outcome:
        smtp = backend.connection
        assert smtp is not None
        sender = backend.prep_address(email_message.from_email)
        recipient = backend.prep_address(email_message.to[0])
        smtp.ehlo_or_helo_if_needed()
        code, text = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            return Outcome(False, answer=_answer(code, text), retry=400 <= code < 500)
        code, text = smtp.rcpt(recipient)
        if code not in (250, 251):
            smtp.rset()
            return Outcome(False, answer=_answer(code, text), retry=400 <= code < 500)
        data = email_message.message(policy=email.policy.SMTP).as_bytes()
        try:
            code, text = smtp.data(data)
        except smtplib.SMTPDataError as exc:
            return Outcome(False, answer=_answer(exc.smtp_code, exc.smtp_error), retry=False)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise UnknownOutcome(
                f"connection lost during DATA, the server may have taken it: {exc}"
            ) from exc
        if code != 250:
            return Outcome(False, answer=_answer(code, text), retry=400 <= code < 500)
        return Outcome(True, answer=_answer(code, text))


class EmailChannel:
    name = "email"

    def normalise(self, address: str) -> str:
        value = (address or "").strip()
        try:
            validate_email(value)
        except ValidationError:
            return ""
        return value.lower()

    def prepare(self, text: str) -> str:
        return text

    def batch(self, reuse: bool = True) -> EmailBatch:
        return EmailBatch(reuse)

"""SMS through a brandname gateway's HTTP API — one generic adapter, set up by settings.

Vietnamese SMS gateways (VNPT, Viettel, VMG, eSMS, SpeedSMS…) all take an HTTP POST with the
number, the text, the brandname and a client reference, signed by basic auth or a token; they
differ in field names and number format, which DIEMCAU_SMS_BODY (a body with $to, $text,
$sender, $ref) and DIEMCAU_SMS_PHONE_FORMAT say. An HTTP 2xx is "accepted"; 429 and 5xx, or no
connection, are tried again later; another 4xx is a failure with the gateway's own answer. A
connection lost after the request went out may have been taken by the gateway: "unknown", never
resent by itself (the reference lets a gateway drop a duplicate if someone resends by hand).

One keep-alive connection serves a whole batch.
"""

import base64
import http.client
import json
import string
from typing import Any
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from diemcau.notifications.channels.base import ChannelError, Closing, Outcome, Outgoing
from diemcau.notifications.channels.smstext import size as sms_size
from diemcau.notifications.channels.smstext import strip_diacritics


def normalise_phone(value: str) -> str:
    """A Vietnamese mobile number as 0XXXXXXXXX (as the site imports store it), or ""."""
    from diemcau.sites.fields import clean_phone

    try:
        phone = clean_phone(value or "")
    except ValueError:
        return ""
    return phone if len(phone) == 10 else ""  # landlines (02…) take no SMS


def gateway_number(phone: str) -> str:
    return "84" + phone[1:] if settings.DIEMCAU_SMS_PHONE_FORMAT == "84" else phone


def prepare_text(text: str) -> str:
    text = text.strip()
    return strip_diacritics(text) if settings.DIEMCAU_SMS_DIACRITICS == "strip" else text


def render_body(to: str, text: str, sender: str, ref: str) -> bytes:
    as_json = "json" in settings.DIEMCAU_SMS_CONTENT_TYPE

    def esc(v: str) -> str:
        return json.dumps(v, ensure_ascii=False)[1:-1] if as_json else quote_plus(v)

    values = {"to": esc(to), "text": esc(text), "sender": esc(sender), "ref": esc(ref)}
    return string.Template(settings.DIEMCAU_SMS_BODY).safe_substitute(values).encode()


def _gateway_id(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        for name in ("id", "message_id", "msgid", "sms_id", "SMSID"):
            if data.get(name):
                return str(data[name])[:120]
    return ""


class SmsBatch(Closing):
    def __init__(self) -> None:
        url = settings.DIEMCAU_SMS_URL
        if not url:
            raise ChannelError(_("No SMS gateway is set up (DIEMCAU_SMS_URL)."))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChannelError(_("The SMS gateway address is not an http(s) URL."))
        self.parts = parts
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0  # requests made on the current connection
        self.headers = {"Content-Type": settings.DIEMCAU_SMS_CONTENT_TYPE}
        if settings.DIEMCAU_SMS_TOKEN:
            self.headers["Authorization"] = f"Bearer {settings.DIEMCAU_SMS_TOKEN}"
        elif settings.DIEMCAU_SMS_USER:
            pair = f"{settings.DIEMCAU_SMS_USER}:{settings.DIEMCAU_SMS_PASSWORD}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    def _close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            cls: Any = (
                http.client.HTTPSConnection
                if self.parts.scheme == "https"
                else http.client.HTTPConnection
            )
            self.conn = cls(
                self.parts.hostname, self.parts.port, timeout=settings.DIEMCAU_SMS_TIMEOUT
            )
            self.conn.connect()
            self.used = 0
        return self.conn

    def send(self, message: Outgoing) -> Outcome:
        size = sms_size(message.text)
        if size.parts > settings.DIEMCAU_SMS_MAX_PARTS:
            return Outcome(
                False,
                answer=_("The text needs %(n)s SMS parts; at most %(max)s are allowed.")
                % {"n": size.parts, "max": settings.DIEMCAU_SMS_MAX_PARTS},
                parts=size.parts,
            )
        body = render_body(
            gateway_number(message.address), message.text, settings.DIEMCAU_SMS_SENDER, message.key
        )
        return self._post(body, size.parts)

    def _post(self, body: bytes, parts: int) -> Outcome:
        try:
            conn = self._connection()
        except OSError as exc:
            self._close()
            return Outcome(False, answer=f"{type(exc).__name__}: {exc}"[:500], retry=True)
        reused = self.used > 0
        try:
            conn.request("POST", self.path, body=body, headers=self.headers)
        except OSError as exc:
            self._close()
            return Outcome(False, answer=f"{type(exc).__name__}: {exc}"[:500], retry=True)
        self.used += 1
        try:
            response = conn.getresponse()
            answer_bytes = response.read()
        except http.client.RemoteDisconnected as exc:
            self._close()
            # On a reused connection, the gateway closed it while idle: the request was not read.
            return Outcome(
                False, answer=f"{exc}"[:500], retry=reused, gateway_id="" if reused else "?"
            )
        except (OSError, http.client.HTTPException) as exc:
            self._close()
            return Outcome(False, answer=f"no answer from the gateway: {exc}"[:500], gateway_id="?")
        if response.getheader("Connection", "").lower() == "close":
            self._close()
        answer = f"HTTP {response.status}: {answer_bytes.decode(errors='replace')}"[:500]
        if 200 <= response.status < 300:
            return Outcome(True, answer=answer, gateway_id=_gateway_id(answer_bytes), parts=parts)
        retry = response.status == 429 or response.status >= 500
        return Outcome(False, answer=answer, retry=retry, parts=parts)


class SmsChannel:
    name = "sms"

    def normalise(self, address: str) -> str:
        return normalise_phone(address)

    def prepare(self, text: str) -> str:
        return prepare_text(text)

    def batch(self, reuse: bool = True) -> SmsBatch:
        return SmsBatch()

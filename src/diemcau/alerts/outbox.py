"""The one door from automatic messages to the notifications app.

Every escalation and reminder goes through `send`, which hands one message for one site and one
recipient role to the notifications app's `send_direct`: it records a delivery once per
idempotency key and queues the send (channel, gateway, retries and opt-outs are its business).
Nothing here knows a gateway; a test or a bench may replace `send_direct` below.
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Unpack

if TYPE_CHECKING:
    from diemcau.notifications.services import DirectSend

log = logging.getLogger(__name__)

SendDirect = Callable[..., Any]


def _notifications_send_direct() -> SendDirect | None:
    try:
        from diemcau.notifications.services import send_direct
    except ImportError:  # the notifications app is not installed: record only
        return None
    return send_direct


def send(**message: Unpack["DirectSend"]) -> int | None:
    """Hand one message to the notifications app (`send_direct`'s keywords, see DirectSend);
    the delivery's id, or None when nothing could carry it (no notifications app). Raises what
    send_direct raises: the caller's transaction then rolls back and the next tick tries again."""
    send_direct = _notifications_send_direct()
    if send_direct is None:
        log.warning(
            "no notifications app: message %s recorded, not sent", message["idempotency_key"]
        )
        return None
    delivery = send_direct(**message)
    return getattr(delivery, "pk", None)

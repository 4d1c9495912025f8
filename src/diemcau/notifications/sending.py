"""Hand queued deliveries to their channels: claimed one by one, rate-limited, retried with
backoff, each sent at most once.

A delivery is claimed (queued → sending, with the claiming task's id) in its own committed
UPDATE before the channel sees it, and recorded (sent / failed / queued again for a retry) right
after. A task killed between the two leaves the delivery "sending"; the next run finds its
claimer dead (the task finished or failed, or the claim older than CLAIM_LEASE) and marks it
"unknown" — shown to the organiser, never resent by itself, since the server or gateway may
already have taken it. Everything still queued is sent by the next run, so a killed send that is
started again reaches every recipient once.
"""

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.notifications import channels
from diemcau.notifications.channels import Batch, ChannelError, Outcome, Outgoing
from diemcau.notifications.models import FINISHED, Delivery, DeliveryStatus, OptOut

log = logging.getLogger("diemcau.notifications")

CLAIM_LEASE = dt.timedelta(minutes=10)
CHUNK = 500
MAX_WAIT_S = 5.0
DEFER_AFTER = dt.timedelta(seconds=2)
GIVE_WAY_EVERY_S = 1.0  # how often a send asks whether an urgent job waits behind it

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


# -- rate limits ------------------------------------------------------------------------------
def wait_turn(channel: str) -> None:
    """Wait until `channel` may take one more message this second (shared through the cache,
    which is Redis in production: the limit holds over every worker)."""
    rate = float(settings.DIEMCAU_NOTIFY_RATES.get(channel, 0) or 0)
    if rate <= 0:
        return
    limit = max(1, int(rate))
    while True:
        now = time.time()
        key = f"notify:rate:{channel}:{int(now)}"
        cache.add(key, 0, timeout=5)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            continue
        if used <= limit:
            return
        time.sleep(max(0.001, int(now) + 1 - time.time()))


# -- opt-out ----------------------------------------------------------------------------------
def opted_out(channel: str, address: str) -> bool:
    return OptOut.objects.filter(channel=channel, address=address).exists()


# -- dead claims ------------------------------------------------------------------------------
DEAD_CLAIM = (
    "Việc gửi bị dừng giữa chừng khi tin này đang được chuyển đi: không rõ máy chủ đã nhận "
    "hay chưa, nên tin không được gửi lại tự động."
)


def release_dead_claims(deliveries: QuerySet[Delivery]) -> int:
    """Mark "unknown" the deliveries left "sending" by a task that is no longer running."""
    from diemcau.tasks.models import Task, TaskStatus

    sending = list(
        deliveries.filter(status=DeliveryStatus.SENDING).values_list(
            "pk", "claimed_by", "claimed_at"
        )
    )
    if not sending:
        return 0
    live = set(
        Task.objects.filter(
            pk__in={c for _pk, c, _at in sending if c},
            status__in=[TaskStatus.QUEUED, TaskStatus.RUNNING],
        ).values_list("pk", flat=True)
    )
    old = timezone.now() - CLAIM_LEASE
    dead = [pk for pk, claimer, at in sending if claimer not in live or (at and at < old)]
    if not dead:
        return 0
    return Delivery.objects.filter(pk__in=dead, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.UNKNOWN, answer=DEAD_CLAIM, claimed_by=None
    )


# -- one run ----------------------------------------------------------------------------------
def _ready(deliveries: QuerySet[Delivery]) -> list[Delivery]:
    now = timezone.now()
    return list(
        deliveries.filter(status=DeliveryStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("message")
        .only(
            "pk",
            "key",
            "channel",
            "address",
            "subject",
            "text",
            "attempts",
            "message__from_email",
            "message__reply_to",
        )
        .order_by("pk")[:CHUNK]
    )


def _claim(delivery: Delivery, claimer: uuid.UUID) -> bool:
    claimed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING,
        claimed_by=claimer,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    delivery.attempts += 1
    return claimed == 1


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.DIEMCAU_NOTIFY_BACKOFF_S * 2 ** max(0, attempts - 1))


def _record(delivery: Delivery, outcome: Outcome) -> bool:
    """Store the outcome; True when the delivery is finished (not queued for another try)."""
    now = timezone.now()
    fields: dict[str, Any] = {"answer": outcome.answer, "claimed_by": None, "updated_at": now}
    if outcome.parts:
        fields["parts"] = outcome.parts
    if outcome.ok:
        fields.update(status=DeliveryStatus.SENT, sent_at=now, gateway_id=outcome.gateway_id)
    elif outcome.gateway_id == "?":
        fields.update(status=DeliveryStatus.UNKNOWN)
    elif outcome.retry and delivery.attempts < settings.DIEMCAU_NOTIFY_ATTEMPTS:
        fields.update(
            status=DeliveryStatus.QUEUED, next_attempt_at=now + backoff(delivery.attempts)
        )
    else:
        fields.update(status=DeliveryStatus.FAILED)
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**fields)
    return fields["status"] != DeliveryStatus.QUEUED


def run(
    deliveries: QuerySet[Delivery],
    claimer: uuid.UUID,
    progress: Progress = _no_progress,
    *,
    reuse: bool = True,
    defer: Callable[[dt.datetime], None] | None = None,
    give_way: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Send every queued delivery of `deliveries` (a filter), waiting out retries' backoff;
    returns the counts by status at the end.

    With `defer`, a wait longer than DEFER_AFTER is not slept in the worker (it would hold up
    every other job, an escalation's SMS among them): `defer(when)` queues the rest for later
    and this run ends. With `defer` and `give_way` too, the run asks `give_way()` about once
    a second between two messages; when it says yes (an escalation waits in the queue), the
    rest is deferred to now and this run ends, so the worker takes the waiting job first and
    an 11,000-message send does not hold an escalation's SMS for minutes.

    One transaction per message: the outcome of the previous one and the claim of the next
    commit together, so at most one delivery is ever "sending" and a kill costs at most one
    "unknown".
    """
    release_dead_claims(deliveries)
    sender = _Sender(claimer, progress, reuse, give_way if defer is not None else None)
    sender.total = deliveries.count()
    sender.done = deliveries.filter(status__in=FINISHED).count()
    progress(sender.done, sender.total)
    try:
        while True:
            ready = _ready(deliveries)
            if ready:
                if sender.chunk(ready):
                    continue
                assert defer is not None  # only a run that can defer gives way
                defer(timezone.now())
                break
            later = deliveries.filter(status=DeliveryStatus.QUEUED).aggregate(
                at=Min("next_attempt_at")
            )["at"]
            if later is None:
                break
            wait = (later - timezone.now()).total_seconds()
            if defer is not None and wait > DEFER_AFTER.total_seconds():
                defer(later)
                break
            time.sleep(min(MAX_WAIT_S, max(0.01, wait)))
    finally:
        sender.close()
    return counts(deliveries)


class _Sender:
    def __init__(
        self,
        claimer: uuid.UUID,
        progress: Progress,
        reuse: bool,
        give_way: Callable[[], bool] | None = None,
    ) -> None:
        self.claimer, self.progress, self.reuse = claimer, progress, reuse
        self.give_way, self.looked = give_way, time.monotonic()
        self.total = self.done = 0
        self.batches: dict[str, Batch] = {}
        self.broken: dict[str, str] = {}
        self.pending: tuple[Delivery, Outcome] | None = None

    def _flush(self) -> None:
        if self.pending is not None and _record(*self.pending):
            self.done += 1
        self.pending = None

    def _gives_way(self) -> bool:
        if self.give_way is None or time.monotonic() - self.looked < GIVE_WAY_EVERY_S:
            return False
        self.looked = time.monotonic()
        return self.give_way()

    def chunk(self, ready: list[Delivery]) -> bool:
        """Send a chunk; False when it stopped early to give way to an urgent job."""
        opted = _opted_out(ready)
        for delivery in ready:
            if self._gives_way():
                self._flush()
                self.progress(self.done, self.total)
                return False
            with transaction.atomic():
                self._flush()
                claimed = _claim(delivery, self.claimer)
            self.progress(self.done, self.total)
            if not claimed:
                continue
            if (delivery.channel, delivery.address) in opted:
                outcome = Outcome(False, answer=_("The recipient asked not to receive messages."))
            else:
                outcome = _send_one(delivery, self.batches, self.broken, self.reuse)
            self.pending = (delivery, outcome)
        self._flush()
        self.progress(self.done, self.total)
        return True

    def close(self) -> None:
        self._flush()  # after an exception too: a message handed over keeps its outcome
        for batch in self.batches.values():
            try:
                batch.__exit__(None, None, None)
            except Exception:  # closing a broken connection must not hide the result
                log.warning("closing a channel batch failed", exc_info=True)


def _opted_out(ready: list[Delivery]) -> set[tuple[str, str]]:
    """The (channel, address) pairs of this chunk that opted out: one query a chunk."""
    q = Q()
    for channel in {d.channel for d in ready}:
        q |= Q(channel=channel, address__in={d.address for d in ready if d.channel == channel})
    return set(OptOut.objects.filter(q).values_list("channel", "address"))


def _send_one(
    delivery: Delivery, batches: dict[str, Batch], broken: dict[str, str], reuse: bool
) -> Outcome:
    if delivery.channel in broken:
        return Outcome(False, answer=broken[delivery.channel])
    batch = batches.get(delivery.channel)
    if batch is None:
        try:
            batch = channels.get(delivery.channel).batch(reuse=reuse)
        except ChannelError as exc:
            broken[delivery.channel] = str(exc)
            return Outcome(False, answer=str(exc))
        batch.__enter__()
        batches[delivery.channel] = batch
    wait_turn(delivery.channel)
    message = delivery.message
    return batch.send(
        Outgoing(
            key=delivery.key,
            address=delivery.address,
            text=delivery.text,
            subject=delivery.subject,
            from_email=message.from_email if message else "",
            reply_to=message.reply_to if message else "",
        )
    )


def counts(deliveries: QuerySet[Delivery]) -> dict[str, int]:
    out = {s.value: 0 for s in DeliveryStatus}
    for status, n in deliveries.order_by().values_list("status").annotate(n=Count("pk")):
        out[status] = n
    return out

"""A session's time window as two moments: the reports, the operations counters and their
timelines all cut the day's history by it, and must cut it the same way."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from diemcau.programme.models import Session


def session_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    """The session's start and end as moments: its times are the conference's local times."""
    zone = ZoneInfo(settings.TIME_ZONE)
    day = session.day.date
    start = dt.datetime.combine(day, session.starts_at, tzinfo=zone)
    end = dt.datetime.combine(day, session.ends_at, tzinfo=zone)
    if end <= start:  # runs past midnight
        end += dt.timedelta(days=1)
    return start, end

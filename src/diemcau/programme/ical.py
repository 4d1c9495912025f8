"""The agenda as an iCalendar feed, written by hand (RFC 5545): CRLF line ends, lines folded at
75 octets without splitting a letter, TEXT values escaped, times in UTC, one VEVENT per session.
"""

import datetime as dt

from django.utils import timezone

from diemcau.programme.models import Conference, Day, Topic
from diemcau.programme.services import session_bounds


def _speakers_text(topic: Topic) -> str:
    return "; ".join(f"{s.title} {s.name}" if s.title else s.name for s in topic.speakers.all())


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 letter."""
    pieces: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            pieces.append(current)
            current = " "
            limit = 75
        current += char
    pieces.append(current)
    return pieces


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def agenda_ical(conference: Conference, days: list[Day], host: str = "diemcau") -> str:
    """One VEVENT per session, its topics and speakers in the description."""
    stamp = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//diemcau//programme//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(conference.name)}",
    ]
    for day in days:
        for session in day.sessions.all():
            start, end = session_bounds(session)
            topics = [
                f"{t.number}. {t.title}" + (f" — {_speakers_text(t)}" if t.speakers.all() else "")
                for t in session.topics.all()
            ]
            summary = f"{conference.name}: {session.title}"
            lines += [
                "BEGIN:VEVENT",
                f"UID:session-{session.pk}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{_utc(start)}",
                f"DTEND:{_utc(end)}",
                f"SUMMARY:{_escape(summary)}",
                f"DESCRIPTION:{_escape(chr(10).join(topics))}",
                f"LOCATION:{_escape(conference.host)}",
                "STATUS:CONFIRMED",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line))

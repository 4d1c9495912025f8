"""The headline paragraph, in the words of the model event's report, from the figures alone.

"… 11.003 điểm cầu đăng ký, 10.950 điểm cầu đã kết nối, hơn 1,5 triệu đại biểu tham dự" — each
number in it is a figure of one table and links to it, so whoever quotes the paragraph can show
where each number comes from. It states only what is true and known: sites registered are never
called connected, and a figure that is zero or not measured is left out rather than printed as
an achievement. Rounded figures only ever round down and say "hơn" (more than), never up.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diemcau import vnformat
from diemcau.reports.tables import Figures


@dataclass(frozen=True)
class Part:
    text: str
    table: str = ""  # the table the number comes from (its anchor); empty for plain words


def number(n: int) -> str:
    """11000 → "11.000" (Vietnamese thousands separator)."""
    return vnformat.number(n)


def about(n: int) -> str:
    """A press figure that is never more than the truth: 1,523,400 → "hơn 1,5 triệu"."""
    if n < 1_000_000:
        return number(n)
    tenths = n // 100_000
    whole, tenth = divmod(tenths, 10)
    figure = f"{whole},{tenth}" if tenth else f"{whole}"
    text = _("%(n)s million") % {"n": figure}
    return _("more than %(n)s") % {"n": text} if n > tenths * 100_000 else text


def _connected(figures: Figures) -> tuple[int, str]:
    """Sites connected: during the session for a session's report, else ever (live table)."""
    t = figures.totals
    if figures.session_id is not None:
        key = f"connected_session_{figures.session_id}"
        if key in t:
            return t[key], "ket-noi-phien"
    return t.get("connected", 0), "ket-noi"


def headline(figures: Figures, conference: str, topics: int) -> list[Part]:
    t = figures.totals
    parts = [Part(_("%(conference)s was held in person and online") % {"conference": conference})]
    if topics:
        parts.append(
            Part(ngettext(", with %(n)s topic", ", with %(n)s topics", topics) % {"n": topics})
        )
    parts.append(Part("."))
    if t.get("sites"):
        parts += [
            Part(" "),
            Part(_("%(n)s sites registered") % {"n": number(t["sites"])}, "diem-cau"),
        ]
        if t.get("sites_commune"):
            parts.append(
                Part(
                    _(" (of which %(n)s at commune level)") % {"n": number(t["sites_commune"])},
                    "diem-cau",
                )
            )
        connected, table = _connected(figures)
        if connected:
            parts += [
                Part(", "),
                Part(_("%(n)s of them connected") % {"n": number(connected)}, table),
            ]
        parts.append(Part("."))
    if t.get("present"):
        parts += [
            Part(" "),
            Part(_("%(n)s delegates present") % {"n": about(t["present"])}, "dai-bieu"),
        ]
        if t.get("registered"):
            parts.append(
                Part(_(" out of %(n)s registered") % {"n": number(t["registered"])}, "dai-bieu")
            )
        parts.append(Part("."))
    elif t.get("registered"):
        parts += [
            Part(" "),
            Part(_("%(n)s delegates registered") % {"n": number(t["registered"])}, "dai-bieu"),
            Part("."),
        ]
    if t.get("questions"):
        parts += [
            Part(" "),
            Part(
                _("The sites sent %(n)s questions and difficulties")
                % {"n": number(t["questions"])},
                "cau-hoi",
            ),
        ]
        if t.get("answered"):
            parts.append(
                Part(_(", %(n)s of them answered") % {"n": number(t["answered"])}, "cau-hoi")
            )
        parts.append(Part("."))
    if t.get("completed"):
        parts += [
            Part(" "),
            Part(
                _("%(n)s delegates have completed the learning programme")
                % {"n": number(t["completed"])},
                "hoc-tap",
            ),
            Part("."),
        ]
    return parts


def plain(parts: list[Part]) -> str:
    return "".join(p.text for p in parts)

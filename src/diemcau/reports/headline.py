"""The headline paragraph, in the words of the model event's report, from the figures alone.

"… được kết nối tới 11.000 điểm cầu, với hơn 1,5 triệu đại biểu tham dự" — each number in it is
a figure of one table and links to it, so whoever quotes the paragraph can show where each
number comes from. Rounded figures only ever round down and say "hơn" (more than), never up.
"""

from dataclasses import dataclass

from diemcau.reports.tables import Figures


@dataclass(frozen=True)
class Part:
    text: str
    table: str = ""  # the table the number comes from (its anchor); empty for plain words


def number(n: int) -> str:
    """11000 → "11.000" (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def about(n: int) -> str:
    """A press figure that is never more than the truth: 1,523,400 → "hơn 1,5 triệu"."""
    if n < 1_000_000:
        return number(n)
    tenths = n // 100_000
    whole, tenth = divmod(tenths, 10)
    text = f"{whole},{tenth} triệu" if tenth else f"{whole} triệu"
    return f"hơn {text}" if n > tenths * 100_000 else text


def headline(figures: Figures, conference: str, topics: int) -> list[Part]:
    t = figures.totals
    parts = [Part(f"{conference} được tổ chức theo hình thức trực tiếp kết hợp trực tuyến")]
    if topics:
        parts += [Part(", gồm "), Part(f"{topics} chuyên đề"), Part(",")]
    if "sites" in t:
        parts += [Part(" kết nối tới "), Part(f"{number(t['sites'])} điểm cầu", "diem-cau")]
        if t.get("sites_commune"):
            parts += [
                Part(" (trong đó "),
                Part(f"{number(t['sites_commune'])} điểm cầu cấp xã", "diem-cau"),
                Part(")"),
            ]
    if "present" in t:
        parts += [Part(", với "), Part(f"{about(t['present'])} đại biểu tham dự", "dai-bieu")]
        if t.get("registered"):
            parts += [
                Part(" trên "),
                Part(f"{number(t['registered'])} đại biểu đăng ký", "dai-bieu"),
            ]
    parts.append(Part("."))
    if t.get("questions"):
        parts += [
            Part(" Các điểm cầu đã gửi "),
            Part(f"{number(t['questions'])} câu hỏi, vướng mắc", "cau-hoi"),
            Part(", trong đó "),
            Part(f"{number(t.get('answered', 0))} đã được trả lời", "cau-hoi"),
            Part("."),
        ]
    if t.get("completed"):
        parts += [
            Part(" Đã có "),
            Part(f"{number(t['completed'])} đại biểu hoàn thành chương trình học tập", "hoc-tap"),
            Part("."),
        ]
    return parts


def plain(parts: list[Part]) -> str:
    return "".join(p.text for p in parts)

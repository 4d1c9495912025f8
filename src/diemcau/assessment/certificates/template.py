"""The certificate template an organiser edits: title, text with fields, signer, emblem, seal.

The text is checked when saved, not when printed: an unknown {field} or an unclosed brace is
refused then, in the organiser's language, so a batch of 150,000 certificates never fails (or
prints "{ho_tne}") half-way. Images are PNG or JPEG recognised by their bytes and decoded once
by Pillow before they are kept under the data folder; the PDF draws them from there. Any change
drops the kept PDFs' paths so certificates are redrawn with the new template on next download.
"""

import datetime as dt
import io
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference, require_central, require_organiser
from diemcau.assessment.certificates import pdf as certpdf
from diemcau.assessment.conference_settings import saved_settings_for, settings_for
from diemcau.assessment.models import DEFAULT_CERTIFICATE_BODY, AssessmentSettings, Certificate
from diemcau.errors import Invalid

# field → what it prints (the Vietnamese names organisers type)
FIELDS = {
    "ho_ten": "họ và tên người được cấp",
    "don_vi": "đơn vị công tác (hoặc điểm cầu)",
    "chuc_vu": "chức vụ",
    "hoi_nghi": "tên hội nghị",
    "to_chuc": "cơ quan tổ chức",
    "ngay": "ngày cấp",
}
MAX_BODY_CHARS = 800
MAX_BODY_LINES = 8
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
IMAGES = ("emblem", "seal")
TEXT_FIELDS = ("certificate_title", "certificate_body", "signer_name", "signer_title")


def templates_dir() -> Path:
    return Path(settings.DATA_DIR) / "assessment" / "templates"


# -- the text ---------------------------------------------------------------------------------
def _parsed(body: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(body))
    except ValueError as exc:
        raise Invalid(
            _("A brace { or } is not closed in the certificate text; write {{ or }} for a brace."),
            {"certificate_body": str(exc)},
        ) from exc


def check_body(body: str) -> str:
    """The text, cleaned, or Invalid naming every unknown field."""
    text = "\n".join(line.rstrip() for line in body.strip().splitlines())
    if len(text) > MAX_BODY_CHARS or len(text.splitlines()) > MAX_BODY_LINES:
        raise Invalid(
            _("The certificate text is too long: at most %(lines)s lines and %(chars)s characters.")
            % {"lines": MAX_BODY_LINES, "chars": MAX_BODY_CHARS},
            {"certificate_body": ""},
        )
    unknown = []
    for _literal, name, spec, conversion in _parsed(text):
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            unknown.append("{" + name + (f"!{conversion}" if conversion else "") + "}")
    if unknown:
        message = _("Unknown field(s) %(names)s in the certificate text; fields: %(known)s.") % {
            "names": ", ".join(unknown),
            "known": ", ".join("{" + f + "}" for f in FIELDS),
        }
        raise Invalid(message, {"certificate_body": message})
    return text


def date_text(day: dt.date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def body_lines(body: str, values: Mapping[str, str]) -> tuple[certpdf.BodyLine, ...]:
    """Filled lines; a line that is one field alone is printed large (the name) or bold."""
    lines = []
    for line in body.splitlines():
        parts = _parsed(line)
        names = [name for _lit, name, _s, _c in parts if name is not None]
        alone = len(names) == 1 and line.strip() == "{" + names[0] + "}"
        style = ("name" if names[0] == "ho_ten" else "strong") if alone else "normal"
        text = line.format_map({k: values.get(k, "") for k in FIELDS})
        lines.append(certpdf.BodyLine(text, style))
    return tuple(lines)


# -- images -----------------------------------------------------------------------------------
def sniff_image(data: bytes) -> str:
    """'png' or 'jpg' when the bytes are a decodable image of that kind, else Invalid."""
    if len(data) > MAX_IMAGE_BYTES:
        raise Invalid(
            _("The image is too large: at most %(mb)s MB.") % {"mb": MAX_IMAGE_BYTES // 2**20}
        )
    kind = (
        "png"
        if data.startswith(b"\x89PNG\r\n\x1a\n")
        else "jpg"
        if data.startswith(b"\xff\xd8\xff")
        else None
    )
    if kind is None:
        raise Invalid(_("Only PNG or JPEG images are accepted."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            width, height = image.size
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Invalid(_("The image cannot be read.")) from exc
    if fmt not in ("PNG", "JPEG"):
        raise Invalid(_("Only PNG or JPEG images are accepted."))
    if max(width, height) > MAX_IMAGE_SIDE:
        raise Invalid(
            _("The image is too large: at most %(px)s pixels a side.") % {"px": MAX_IMAGE_SIDE}
        )
    return kind


def image_path(relative: str) -> str | None:
    if not relative:
        return None
    path = templates_dir() / relative
    return str(path) if path.exists() else None


def _store(conf: AssessmentSettings, values: Mapping[str, str]) -> None:
    """An UPDATE of the template's columns alone: the completion rule did not change, so the
    settings' save signal (which marks every site's completion stale) is not sent."""
    AssessmentSettings.objects.filter(pk=conf.pk).update(**values)
    for key, value in values.items():
        setattr(conf, key, value)


def _forget_kept_pdfs(conference_id: int) -> None:
    Certificate.objects.filter(conference_id=conference_id).exclude(pdf_path="").update(pdf_path="")


def save_image(scope: Scope, conference_id: int, which: str, data: bytes) -> AssessmentSettings:
    require_central(scope)
    get_conference(conference_id)
    if which not in IMAGES:
        raise Invalid(_("Unknown image."), {"image": which})
    kind = sniff_image(data)
    conf = saved_settings_for(conference_id)
    folder = templates_dir() / str(conference_id)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{which}.*"):
        old.unlink()
    (folder / f"{which}.{kind}").write_bytes(data)
    _store(conf, {f"certificate_{which}": f"{conference_id}/{which}.{kind}"})
    _forget_kept_pdfs(conference_id)
    return conf


def remove_image(scope: Scope, conference_id: int, which: str) -> AssessmentSettings:
    require_central(scope)
    get_conference(conference_id)
    if which not in IMAGES:
        raise Invalid(_("Unknown image."), {"image": which})
    conf = saved_settings_for(conference_id)
    for old in (templates_dir() / str(conference_id)).glob(f"{which}.*"):
        old.unlink()
    _store(conf, {f"certificate_{which}": ""})
    _forget_kept_pdfs(conference_id)
    return conf


# -- the template as a whole ------------------------------------------------------------------
def update(scope: Scope, conference_id: int, values: Mapping[str, Any]) -> AssessmentSettings:
    """Save the text fields given (central organisers: one certificate for the nation)."""
    require_central(scope)
    get_conference(conference_id)
    conf = saved_settings_for(conference_id)
    changed = {k: str(v or "").strip() for k, v in values.items() if k in TEXT_FIELDS}
    if "certificate_body" in changed:
        changed["certificate_body"] = (
            check_body(changed["certificate_body"]) or DEFAULT_CERTIFICATE_BODY
        )
    if "certificate_title" in changed and not changed["certificate_title"]:
        raise Invalid(_("This field is required."), {"certificate_title": ""})
    _store(conf, {k: v if k == "certificate_body" else v[:200] for k, v in changed.items()})
    _forget_kept_pdfs(conference_id)
    return conf


def read(scope: Scope, conference_id: int) -> AssessmentSettings:
    require_organiser(scope)
    get_conference(conference_id)
    return settings_for(conference_id)


def as_dict(conf: AssessmentSettings) -> dict[str, Any]:
    return {
        "conference": conf.conference_id,
        **{k: getattr(conf, k) for k in TEXT_FIELDS},
        "emblem": bool(image_path(conf.certificate_emblem)),
        "seal": bool(image_path(conf.certificate_seal)),
        "fields": FIELDS,
    }


def preview_pdf(scope: Scope, conference_id: int) -> bytes:
    """The template filled with a sample holder, marked as a preview (its code verifies nothing)."""
    conf = read(scope, conference_id)
    conference = get_conference(conference_id)
    today = dt.date.today()
    values = {
        "ho_ten": "Nguyễn Văn An",
        "don_vi": "Ủy ban nhân dân xã Mẫu",
        "chuc_vu": "Chủ tịch",
        "hoi_nghi": conference.name,
        "to_chuc": conference.host,
        "ngay": date_text(today),
    }
    page = certpdf.CertificatePage(
        title=conf.certificate_title,
        holder_name=values["ho_ten"],
        conference=conference.name,
        host=conference.host,
        issued_on=today,
        signer_name=conf.signer_name,
        signer_title=conf.signer_title,
        verify_url="BẢN XEM THỬ",
        code="BẢN XEM THỬ — KHÔNG CÓ GIÁ TRỊ",
        body=body_lines(conf.certificate_body, values),
        emblem=image_path(conf.certificate_emblem),
        seal=image_path(conf.certificate_seal),
    )
    return certpdf.render([page], title="Bản xem thử")

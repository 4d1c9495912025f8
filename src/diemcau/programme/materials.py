"""Materials (tài liệu): upload by central organisers, download by sites, counted per site.

Files live under DATA_DIR/materials, one file per version (`<material>/v<version>-<sha>.<ext>`),
written only after the upload passed every check: a known extension, the magic bytes of that
type (PDF "%PDF"; DOCX and PPTX are ZIP files holding word/ or ppt/), and the size limit. A
refused upload writes neither a file nor a row.
"""

import hashlib
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.programme.models import Material, MaterialDownload, MaterialKind
from diemcau.programme.services import get_topic, require_editor, require_reader
from diemcau.sites.models import Site
from diemcau.sites.services import get_site, visible_sites

MAX_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024
CONTENT_TYPES: dict[str, str] = {
    MaterialKind.PDF: "application/pdf",
    MaterialKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    MaterialKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_ZIP_PART = {MaterialKind.DOCX: "word/", MaterialKind.PPTX: "ppt/"}


def storage() -> FileSystemStorage:
    """The materials store, read from settings on each call so tests can point it elsewhere."""
    return FileSystemStorage(location=Path(settings.DATA_DIR) / "materials")


def _refuse(message: str) -> Invalid:
    return Invalid(message, {"file": message})


def check_file(name: str, size: int, stream: IO[bytes]) -> MaterialKind:
    """The kind of an uploaded file, or Invalid saying in the user's language what is wrong."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in MaterialKind.values:
        raise _refuse(_("Only PDF, PPTX and DOCX files can be uploaded."))
    kind = MaterialKind(suffix)
    if size <= 0:
        raise _refuse(_("The file is empty."))
    if size > MAX_BYTES:
        raise _refuse(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    mismatch = _("The file content is not a %(kind)s file; check that it was saved as one.") % {
        "kind": kind.label
    }
    if kind == MaterialKind.PDF:
        if not head.startswith(b"%PDF"):
            raise _refuse(mismatch)
        return kind
    if not head.startswith(b"PK\x03\x04"):
        raise _refuse(mismatch)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise _refuse(mismatch) from exc
    finally:
        stream.seek(0)
    if not any(n.startswith(_ZIP_PART[kind]) for n in names):
        raise _refuse(mismatch)
    return kind


def _digest(stream: IO[bytes]) -> str:
    stream.seek(0)
    sha = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        sha.update(chunk)
    stream.seek(0)
    return sha.hexdigest()


def upload_material(
    scope: Scope,
    topic_pk: int,
    upload: Any,
    *,
    title: str = "",
    material_pk: int | None = None,
) -> Material:
    """Store a new material of a topic, or a new version of `material_pk`.

    `upload` is a Django UploadedFile (or any File with `.name`, `.size`, `.read`, `.seek`).
    """
    require_editor(scope)
    topic = get_topic(scope, topic_pk)
    material: Material | None = None
    if material_pk is not None:
        material = topic.materials.filter(pk=material_pk).first()
        if material is None:
            raise NotFound(_("Material %(id)s not found.") % {"id": material_pk})
    name = Path(str(upload.name)).name
    kind = check_file(name, int(upload.size), upload)
    sha = _digest(upload)
    store = storage()
    saved = ""
    try:
        with transaction.atomic():
            if material is None:
                material = Material(topic=topic, version=1, path="")
            else:
                material = Material.objects.select_for_update().get(pk=material.pk)
                material.version += 1
            material.title = title.strip() or material.title or Path(name).stem
            material.kind = kind
            material.filename = name
            material.size = int(upload.size)
            material.sha256 = sha
            material.uploaded_at = timezone.now()
            material.uploaded_by_id = scope.user_id or None
            material.save()
            wanted = f"{material.pk}/v{material.version}-{sha[:12]}.{kind.value}"
            saved = store.save(wanted, File(upload, name=wanted))
            material.path = saved
            material.save(update_fields=["path"])
    except Exception:
        if saved:  # the row was rolled back: do not leave its file behind
            store.delete(saved)
        raise
    return material


def get_material(scope: Scope, pk: int) -> Material:
    require_reader(scope)
    material = Material.objects.select_related("topic__session__day__conference").filter(pk=pk)
    found = material.first()
    if found is None:
        raise NotFound(_("Material %(id)s not found.") % {"id": pk})
    return found


def download_material(scope: Scope, pk: int, site_code: str) -> tuple[Material, IO[bytes]]:
    """Open a material for a site in the caller's scope and record the download."""
    material = get_material(scope, pk)
    if not site_code:
        raise Invalid(_("Say for which site you download."), {"site": _("This field is required.")})
    site = get_site(scope, site_code)
    try:
        handle = storage().open(material.path, "rb")
    except FileNotFoundError as exc:
        raise NotFound(_("The file of this material is missing.")) from exc
    MaterialDownload.objects.create(material=material, site=site, version=material.version)
    return material, handle


def require_report_reader(scope: Scope) -> None:
    if not scope.is_organiser:
        raise Forbidden(_("Only organisers see who has downloaded the materials."))


def sites_missing(scope: Scope, pk: int) -> QuerySet[Site]:
    """Sites in the caller's scope that have not downloaded the current version."""
    require_report_reader(scope)
    material = get_material(scope, pk)
    done = MaterialDownload.objects.filter(material=material, version=material.version)
    return visible_sites(scope).exclude(pk__in=done.values("site_id")).order_by("code")


def download_counts(scope: Scope, pk: int) -> list[dict[str, Any]]:
    """Per site in the caller's scope: code, name and number of downloads (all versions)."""
    require_report_reader(scope)
    material = get_material(scope, pk)
    rows = (
        MaterialDownload.objects.filter(material=material, site__in=visible_sites(scope))
        .values("site__code", "site__name")
        .annotate(downloads=Count("pk"))
        .order_by("site__code")
    )
    return [
        {"code": r["site__code"], "name": r["site__name"], "downloads": r["downloads"]}
        for r in rows
    ]

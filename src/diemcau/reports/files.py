"""A report as a file: the bytes, type and name for each format, shared by the API, the CLI and
the background export, so the three never write a different file for the same report."""

import json
from typing import Any

from diemcau.reports import exporting, pdf

FORMATS = ("xlsx", "pdf", "csv", "json")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
LABELS = {"xlsx": "Excel (XLSX)", "pdf": "PDF", "csv": "CSV", "json": "JSON"}


def render(data: dict[str, Any], fmt: str) -> bytes:
    if fmt == "xlsx":
        return exporting.to_xlsx(data)
    if fmt == "pdf":
        return pdf.to_pdf(data)
    if fmt == "csv":
        return exporting.to_csv(data).encode()
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    raise ValueError(f"unknown report format {fmt!r}")


def filename(data: dict[str, Any], fmt: str) -> str:
    frozen = data.get("frozen")
    stem = f"bao-cao-chot-{frozen['id']}" if frozen else f"bao-cao-{data['node']['code']}"
    return f"{stem}.{fmt}"

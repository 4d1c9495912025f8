"""Files as people send them: CSV bytes in any shape, XLSX written with numbers in cells."""

import csv
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

HEADER = ["Mã điểm cầu", "Họ và tên", "Số CCCD", "Chức vụ", "Đơn vị công tác", "Số điện thoại"]


def csv_file(
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = HEADER,
    above: Sequence[Sequence[str]] = (),
    delimiter: str = ",",
) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    for line in above:
        writer.writerow(line)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    data = io.BytesIO(text.getvalue().encode("utf-8-sig"))
    data.name = "dai-bieu.csv"
    return data


def xlsx_file(
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = HEADER,
    above: Sequence[Sequence[str]] = (),
) -> io.BytesIO:
    data = io.BytesIO()
    workbook = xlsxwriter.Workbook(data, {"in_memory": True})
    sheet = workbook.add_worksheet()
    r = 0
    for line in above:
        sheet.write_row(r, 0, line)
        r += 1
    sheet.write_row(r, 0, header)
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(r, c, value)  # as Excel keeps a number typed into a cell
            elif value:
                sheet.write_string(r, c, value)
    workbook.close()
    data.seek(0)
    data.name = "dai-bieu.xlsx"
    return data

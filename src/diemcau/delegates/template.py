"""The downloadable XLSX template for delegate imports, in Vietnamese.

A title block above the header (as real lists have), the header row the import reads, the CCCD
and phone columns formatted as text so Excel keeps their leading zeros, and a guide sheet.
"""

from typing import IO

from diemcau import csvsafe
from diemcau.delegates.importing import COLUMNS, HEADERS

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEYS: tuple[str, ...] = tuple(COLUMNS)
TEXT_KEYS = {"site", "national_id", "phone"}
WIDTHS = {
    "site": 16,
    "full_name": 28,
    "national_id": 16,
    "position": 24,
    "workplace": 34,
    "group": 16,
    "phone": 15,
    "email": 28,
}
EXAMPLE = {
    "site": "HN-00070-01",
    "full_name": "Nguyễn Thị Lan",
    "national_id": "001190012345",
    "position": "Phó Chủ tịch UBND",
    "workplace": "UBND phường Hoàn Kiếm",
    "group": "Chính quyền",
    "phone": "0912345678",
    "email": "lan.nt@hoankiem.hanoi.gov.vn",
}
GUIDE = {
    "site": ("Bắt buộc", "Mã điểm cầu nơi đại biểu dự (xem danh sách điểm cầu của bạn)."),
    "full_name": ("Bắt buộc", "Họ và tên đầy đủ, có dấu."),
    "national_id": (
        "Bắt buộc",
        "Số CCCD/định danh cá nhân 12 chữ số, giữ số 0 ở đầu. Định dạng ô là Văn bản (Text); "
        "số bị Excel đổi sang dạng 1,23457E+11 đã mất chữ số và sẽ bị từ chối. Mỗi người chỉ "
        "đăng ký một lần. Hệ thống không lưu số CCCD ở dạng đọc được.",
    ),
    "position": ("Không bắt buộc", "Chức vụ, chức danh."),
    "workplace": ("Không bắt buộc", "Cơ quan, đơn vị công tác."),
    "group": ("Không bắt buộc", "Nhóm/thành phần đại biểu (ví dụ: Đảng, Chính quyền, Mặt trận)."),
    "phone": ("Không bắt buộc", "Số điện thoại Việt Nam: 0912345678 hoặc +84912345678."),
    "email": ("Không bắt buộc", "Địa chỉ email."),
}


def write_template(out: IO[bytes]) -> None:
    workbook = csvsafe.xlsx_workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Đại biểu")
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    sheet.write_string(0, 0, "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ", title)
    sheet.write_string(1, 0, "Điểm cầu: ……………  (giữ nguyên dòng tiêu đề ở dòng 4; nhập từ dòng 5)")
    for col, key in enumerate(KEYS):
        sheet.set_column(col, col, WIDTHS[key], text if key in TEXT_KEYS else None)
        sheet.write_string(3, col, HEADERS[key], bold)
        sheet.write_string(4, col, EXAMPLE[key], text if key in TEXT_KEYS else None)
    sheet.freeze_panes(4, 0)
    guide = workbook.add_worksheet("Hướng dẫn")
    guide.set_column(0, 0, 22)
    guide.set_column(1, 1, 16)
    guide.set_column(2, 2, 100)
    for col, name in enumerate(("Cột", "Bắt buộc?", "Cách ghi")):
        guide.write_string(0, col, name, bold)
    for row, key in enumerate(KEYS, start=1):
        required, how = GUIDE[key]
        guide.write_string(row, 0, HEADERS[key])
        guide.write_string(row, 1, required)
        guide.write_string(row, 2, how)
    guide.write_string(
        len(KEYS) + 2,
        0,
        "Xóa dòng ví dụ (dòng 5) trước khi nhập. Tên cột có thể viết có hoặc không dấu; "
        "có thể thêm cột STT, các cột khác bị bỏ qua.",
    )
    workbook.close()

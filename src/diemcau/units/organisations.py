"""Bodies that run sites but are not administrative divisions: ministries, party and Front.

Central bodies: the Government structure of the 15th National Assembly after the 2025
streamlining (Nghị quyết 176/2025/QH15: 14 ministries and 3 ministry-level agencies), the central
Party bodies after Kết luận 121-KL/TW (2025), and the Fatherland Front. Province bodies are built
from each province's own name in `vietnam-provinces`, so no province name is typed here.
"""

from typing import NamedTuple


class Body(NamedTuple):
    suffix: str  # appended to the parent's code: TW.BNV, 01.TU
    name: str
    division_type: str  # shown as the kind of body


CENTRAL_CODE = "TW"
CENTRAL_NAME = "Trung ương"

CENTRAL_BODIES: tuple[Body, ...] = (
    Body("BQP", "Bộ Quốc phòng", "bộ"),
    Body("BCA", "Bộ Công an", "bộ"),
    Body("BNG", "Bộ Ngoại giao", "bộ"),
    Body("BNV", "Bộ Nội vụ", "bộ"),
    Body("BTP", "Bộ Tư pháp", "bộ"),
    Body("BTC", "Bộ Tài chính", "bộ"),
    Body("BCT", "Bộ Công Thương", "bộ"),
    Body("BNNMT", "Bộ Nông nghiệp và Môi trường", "bộ"),
    Body("BXD", "Bộ Xây dựng", "bộ"),
    Body("BVHTTDL", "Bộ Văn hóa, Thể thao và Du lịch", "bộ"),
    Body("BKHCN", "Bộ Khoa học và Công nghệ", "bộ"),
    Body("BGDDT", "Bộ Giáo dục và Đào tạo", "bộ"),
    Body("BYT", "Bộ Y tế", "bộ"),
    Body("BDTTG", "Bộ Dân tộc và Tôn giáo", "bộ"),
    Body("NHNN", "Ngân hàng Nhà nước Việt Nam", "cơ quan ngang bộ"),
    Body("TTCP", "Thanh tra Chính phủ", "cơ quan ngang bộ"),
    Body("VPCP", "Văn phòng Chính phủ", "cơ quan ngang bộ"),
    Body("BTCTW", "Ban Tổ chức Trung ương", "cơ quan Đảng"),
    Body("BTGDVTW", "Ban Tuyên giáo và Dân vận Trung ương", "cơ quan Đảng"),
    Body("BNCTW", "Ban Nội chính Trung ương", "cơ quan Đảng"),
    Body("BCSCLTW", "Ban Chính sách, chiến lược Trung ương", "cơ quan Đảng"),
    Body("UBKTTW", "Ủy ban Kiểm tra Trung ương", "cơ quan Đảng"),
    Body("VPTW", "Văn phòng Trung ương Đảng", "cơ quan Đảng"),
    Body("HVCTQG", "Học viện Chính trị quốc gia Hồ Chí Minh", "cơ quan Đảng"),
    Body("MTTQ", "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam", "Mặt trận"),
)


def province_bodies(province_name: str, division_type: str) -> tuple[Body, ...]:
    """The party committee and Fatherland Front committee of one province.

    A centrally-run city has a "Thành ủy", a province a "Tỉnh ủy"; the short name is the
    province's own name without its division prefix.
    """
    short = province_name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    is_city = division_type.startswith("thành phố")
    committee = "Thành ủy" if is_city else "Tỉnh ủy"
    lowered = province_name[:1].lower() + province_name[1:]
    return (
        Body("TU", f"{committee} {short}", "cấp ủy Đảng"),
        Body("MTTQ", f"Ủy ban Mặt trận Tổ quốc Việt Nam {lowered}", "Mặt trận"),
    )

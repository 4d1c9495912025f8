"""The responsible sectors (lĩnh vực) as first seeded; the list is editable afterwards.

Codes are what a sector answerer's grant holds (`diemcau user add … sector_answerer noi-vu`).
Keywords describe each sector's business in plain words: they seed routing before any route is
confirmed, and moderators may refine them.
"""

SEED: tuple[tuple[str, str, str], ...] = (
    (
        "noi-vu",
        "Nội vụ",
        "cán bộ công chức viên chức biên chế dôi dư tinh giản chính sách nghỉ việc tiền lương "
        "xếp lương phụ cấp tổ chức bộ máy phòng chuyên môn chủ tịch phó chủ tịch ủy ban nhân dân "
        "hội đồng nhân dân địa giới đơn vị hành chính tên gọi đặt tên thôn tổ dân phố "
        "người hoạt động không chuyên trách thi đua khen thưởng",
    ),
    (
        "tai-chinh",
        "Tài chính",
        "ngân sách dự toán kinh phí tài sản công trụ sở kho bạc tài khoản thuế phí quyết toán "
        "chi trả nguồn vốn đầu tư công mã số quan hệ ngân sách số dư",
    ),
    (
        "nong-nghiep-moi-truong",
        "Nông nghiệp và Môi trường",
        "đất đai giấy chứng nhận quyền sử dụng đất sổ đỏ địa chính bản đồ chuyển mục đích đất "
        "thu hồi đất bồi thường môi trường rác thải xử phạt nông nghiệp thủy lợi khuyến nông "
        "lâm nghiệp đất ở đất nông nghiệp",
    ),
    (
        "tu-phap",
        "Tư pháp",
        "hộ tịch khai sinh kết hôn khai tử sổ hộ tịch chứng thực công chứng hợp đồng hòa giải "
        "cơ sở phổ biến giáo dục pháp luật lý lịch tư pháp văn bản quy phạm pháp luật",
    ),
    (
        "xay-dung",
        "Xây dựng",
        "xây dựng giấy phép xây dựng quy hoạch đô thị nhà ở giao thông đường bộ đường huyện "
        "bảo trì công trình hạ tầng kiến trúc vận tải",
    ),
    (
        "giao-duc",
        "Giáo dục và Đào tạo",
        "trường học giáo viên học sinh mầm non tiểu học trung học cơ sở giáo dục đào tạo "
        "tuyển sinh tuyển dụng giáo viên phòng giáo dục",
    ),
    (
        "y-te",
        "Y tế",
        "trạm y tế trung tâm y tế bệnh viện khám chữa bệnh bảo hiểm y tế dân số tiêm chủng "
        "dịch bệnh sở y tế",
    ),
    (
        "cong-an",
        "Công an",
        "căn cước công dân cư trú thường trú tạm trú công an an ninh trật tự dữ liệu dân cư "
        "định danh điện tử phòng cháy chữa cháy",
    ),
    (
        "quoc-phong",
        "Quốc phòng",
        "quân sự nghĩa vụ quân sự dân quân tự vệ ban chỉ huy quân sự quốc phòng tuyển quân "
        "nhập ngũ chỉ huy",
    ),
    (
        "khoa-hoc-cong-nghe",
        "Khoa học và Công nghệ",
        "chuyển đổi số chữ ký số chứng thư số phần mềm hệ thống thông tin điều hành điện tử "
        "tài khoản dịch vụ công trực tuyến mạng internet công nghệ thông tin bưu chính",
    ),
    (
        "van-hoa",
        "Văn hóa, Thể thao và Du lịch",
        "văn hóa di tích lễ hội thể thao du lịch nhà văn hóa thông tin cơ sở truyền thanh "
        "gia đình di sản",
    ),
    (
        "cong-thuong",
        "Công Thương",
        "chợ thương mại kinh doanh bán lẻ rượu thuốc lá điện năng công nghiệp khuyến công "
        "an toàn thực phẩm xăng dầu",
    ),
    (
        "dan-toc-ton-giao",
        "Dân tộc và Tôn giáo",
        "dân tộc thiểu số đồng bào miền núi đặc biệt khó khăn tôn giáo tín ngưỡng sinh hoạt "
        "tôn giáo tập trung cơ sở thờ tự giảm nghèo",
    ),
    (
        "van-phong-chinh-phu",
        "Văn phòng Chính phủ, thủ tục hành chính",
        "thủ tục hành chính một cửa trung tâm phục vụ hành chính công con dấu khắc dấu văn thư "
        "lưu trữ văn bản hồ sơ hành chính giải quyết hồ sơ kiểm soát thủ tục",
    ),
    (
        "to-chuc-dang",
        "Tổ chức đảng",
        "đảng ủy đảng bộ chi bộ đảng viên cấp ủy bí thư sinh hoạt đảng ban chấp hành kiểm tra "
        "đảng chỉ định lâm thời",
    ),
    (
        "mat-tran",
        "Mặt trận Tổ quốc",
        "mặt trận tổ quốc đoàn thể chính trị xã hội hội phụ nữ đoàn thanh niên hội nông dân "
        "hội cựu chiến binh công đoàn ban công tác mặt trận khu dân cư giám sát phản biện",
    ),
)

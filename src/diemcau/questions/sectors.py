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

# More of each sector's everyday vocabulary (issue 18), beside the editable keywords: what
# officials write when a question belongs there. Routing reads both; a sector created later
# routes from its own keywords alone.
VOCABULARY: dict[str, str] = {
    "noi-vu": "tổ chức bộ máy chính quyền địa phương hai cấp biên chế công chức viên chức cán bộ "
    "dôi dư nghỉ việc nghỉ hưu trước tuổi tinh giản nghị định 178 nghị định 154 chế độ chính "
    "sách lương phụ cấp xếp lương ngạch bậc nâng lương tuyển dụng thi tuyển điều động luân "
    "chuyển biệt phái bổ nhiệm miễn nhiệm vị trí việc làm đánh giá xếp loại kỷ luật công chức "
    "chủ tịch phó chủ tịch ủy viên ủy ban nhân dân hội đồng nhân dân đại biểu thường trực "
    "phòng chuyên môn văn phòng hội đồng nhân dân và ủy ban nhân dân phòng kinh tế phòng văn "
    "hóa xã hội đơn vị hành chính địa giới tên gọi đặt tên thôn tổ dân phố trưởng thôn người "
    "hoạt động không chuyên trách thi đua khen thưởng hội quần chúng lao động việc làm bảo "
    "hiểm xã hội người có công thương binh liệt sĩ bảo trợ xã hội giảm nghèo trẻ em",
    "tai-chinh": "ngân sách dự toán quyết toán kinh phí nguồn kinh phí chi trả cấp phát tài "
    "sản công trụ sở dôi dư xe ô tô công sắp xếp lại xử lý nhà đất kho bạc tài khoản dự toán "
    "mã số thuế mã quan hệ ngân sách số dư chuyển nguồn kế toán tiền lương quỹ thuế phí lệ phí "
    "đầu tư công vốn giải ngân thanh toán mua sắm tài sản định mức chi",
    "nong-nghiep-moi-truong": "đất đai giấy chứng nhận quyền sử dụng đất sổ đỏ sổ hồng đăng ký "
    "đất đai văn phòng đăng ký đất đai địa chính bản đồ địa chính hồ sơ địa chính chuyển mục "
    "đích sử dụng đất thu hồi đất bồi thường giải phóng mặt bằng giá đất tranh chấp đất đai "
    "môi trường rác thải chất thải ô nhiễm xử phạt vi phạm môi trường khoáng sản tài nguyên "
    "nước nông nghiệp trồng trọt chăn nuôi thú y dịch bệnh gia súc thủy sản thủy lợi đê điều "
    "phòng chống thiên tai lâm nghiệp rừng khuyến nông nông thôn mới hợp tác xã",
    "tu-phap": "hộ tịch khai sinh khai tử kết hôn ly hôn nhận cha mẹ con giám hộ sổ hộ tịch "
    "trích lục chứng thực bản sao chữ ký hợp đồng giao dịch công chứng hòa giải ở cơ sở tổ "
    "hòa giải phổ biến giáo dục pháp luật tiếp cận pháp luật trợ giúp pháp lý lý lịch tư pháp "
    "văn bản quy phạm pháp luật kiểm tra rà soát văn bản thi hành án xử lý vi phạm hành chính "
    "quốc tịch nuôi con nuôi",
    "xay-dung": "xây dựng giấy phép xây dựng cấp phép xây dựng trật tự xây dựng quy hoạch quy "
    "hoạch chung quy hoạch chi tiết đô thị nhà ở nhà ở riêng lẻ nhà ở xã hội kiến trúc hạ tầng "
    "kỹ thuật cấp thoát nước chiếu sáng công viên giao thông đường bộ đường huyện đường xã cầu "
    "bảo trì công trình vận tải đăng kiểm chất lượng công trình dự án đầu tư xây "
    "dựng",
    "giao-duc": "giáo dục đào tạo trường học trường mầm non tiểu học trung học cơ sở trung học "
    "phổ thông giáo viên nhà giáo học sinh tuyển sinh tuyển dụng giáo viên điều động giáo "
    "viên hiệu trưởng phòng giáo dục sở giáo dục sách giáo khoa học phí phổ cập giáo dục "
    "xóa mù chữ trung tâm học tập cộng đồng giáo dục nghề nghiệp",
    "y-te": "y tế trạm y tế trung tâm y tế bệnh viện phòng khám khám chữa bệnh bảo hiểm y tế "
    "thẻ bảo hiểm y tế dân số kế hoạch hóa gia đình tiêm chủng vắc xin dịch bệnh phòng chống "
    "dịch y tế dự phòng bác sĩ nhân viên y tế thuốc dược an toàn vệ sinh thực phẩm sở y tế",
    "cong-an": "công an căn cước căn cước công dân cư trú thường trú tạm trú hộ khẩu dữ liệu "
    "dân cư định danh điện tử vneid an ninh trật tự an toàn xã hội phòng cháy chữa cháy cứu "
    "nạn cứu hộ công an xã công an cấp xã đăng ký xe tội phạm ma túy bảo vệ dân phố lực "
    "lượng tham gia bảo vệ an ninh trật tự ở cơ sở",
    "quoc-phong": "quốc phòng quân sự ban chỉ huy quân sự chỉ huy trưởng chỉ huy phó dân quân "
    "tự vệ nghĩa vụ quân sự tuyển quân nhập ngũ khám tuyển đăng ký nghĩa vụ quân sự quân "
    "nhân dự bị động viên xuất ngũ giáo dục quốc phòng an ninh khu vực phòng thủ ban chỉ huy "
    "phòng thủ khu vực bộ chỉ huy quân sự tỉnh",
    "khoa-hoc-cong-nghe": "khoa học công nghệ chuyển đổi số chữ ký số chứng thư số phần mềm "
    "hệ thống thông tin quản lý văn bản điều hành điện tử tài khoản hệ thống dịch vụ công trực "
    "tuyến cổng dịch vụ công mạng internet đường truyền hạ tầng số công nghệ thông tin an toàn "
    "thông tin dữ liệu số hóa bưu chính viễn thông tần số sở hữu trí tuệ đo lường chất lượng "
    "hội nghị truyền hình trực tuyến",
    "van-hoa": "văn hóa thể thao du lịch di tích lễ hội di sản nhà văn hóa thiết chế văn hóa "
    "thư viện gia đình bạo lực gia đình thông tin cơ sở đài truyền thanh loa truyền thanh "
    "báo chí xuất bản quảng cáo biển hiệu karaoke dịch vụ văn hóa tuyên truyền cổ động",
    "cong-thuong": "công thương chợ thương mại kinh doanh bán lẻ bán buôn rượu thuốc lá xăng dầu "
    "khí hóa lỏng điện năng điện lưới công nghiệp cụm công nghiệp khuyến công an toàn thực "
    "phẩm quản lý thị trường hàng giả xúc tiến thương mại làng nghề",
    "dan-toc-ton-giao": "dân tộc thiểu số đồng bào dân tộc vùng dân tộc thiểu số và miền núi "
    "xã đặc biệt khó khăn thôn đặc biệt khó khăn chương trình mục tiêu quốc gia người có uy tín "
    "tôn giáo tín ngưỡng sinh hoạt tôn giáo tập trung cơ sở thờ tự chức sắc chức việc nhà thờ "
    "chùa giảm nghèo",
    "van-phong-chinh-phu": "thủ tục hành chính một cửa một cửa liên thông trung tâm phục vụ "
    "hành chính công bộ phận tiếp nhận và trả kết quả hồ sơ hành chính giải quyết hồ sơ kiểm "
    "soát thủ tục hành chính cải cách hành chính con dấu khắc dấu mẫu dấu văn thư lưu trữ văn "
    "bản hiệu lực văn bản thể thức văn bản ban hành văn bản chế độ báo cáo quy chế làm việc "
    "phản ánh kiến nghị",
    "to-chuc-dang": "đảng đảng ủy đảng bộ chi bộ đảng viên cấp ủy bí thư phó bí thư ban thường "
    "vụ ban chấp hành đại hội đảng bộ nhiệm kỳ sinh hoạt đảng chuyển sinh hoạt đảng kết nạp "
    "đảng viên thẻ đảng đảng phí kiểm tra giám sát ủy ban kiểm tra kỷ luật đảng viên chỉ định "
    "lâm thời tổ chức cơ sở đảng văn phòng đảng ủy ban xây dựng đảng nghị quyết đảng công tác "
    "cán bộ của đảng",
    "mat-tran": "mặt trận tổ quốc ủy ban mặt trận đoàn thể chính trị xã hội hội liên hiệp phụ "
    "nữ đoàn thanh niên cộng sản hồ chí minh hội nông dân hội cựu chiến binh công đoàn ban "
    "công tác mặt trận khu dân cư giám sát phản biện xã hội vận động quỹ vì người nghèo đại "
    "đoàn kết toàn dân tộc trưởng ban công tác mặt trận",
}

"""Seed the editable list of responsible sectors (codes as in sector answerers' grants)."""

from django.db import migrations

# Codes and names copied by value so later edits do not rewrite history; the keyword text
# (routing seed, editable by moderators) comes from diemcau.questions.sectors.
SECTORS = [
    ("noi-vu", "Nội vụ"),
    ("tai-chinh", "Tài chính"),
    ("nong-nghiep-moi-truong", "Nông nghiệp và Môi trường"),
    ("tu-phap", "Tư pháp"),
    ("xay-dung", "Xây dựng"),
    ("giao-duc", "Giáo dục và Đào tạo"),
    ("y-te", "Y tế"),
    ("cong-an", "Công an"),
    ("quoc-phong", "Quốc phòng"),
    ("khoa-hoc-cong-nghe", "Khoa học và Công nghệ"),
    ("van-hoa", "Văn hóa, Thể thao và Du lịch"),
    ("cong-thuong", "Công Thương"),
    ("dan-toc-ton-giao", "Dân tộc và Tôn giáo"),
    ("van-phong-chinh-phu", "Văn phòng Chính phủ, thủ tục hành chính"),
    ("to-chuc-dang", "Tổ chức đảng"),
    ("mat-tran", "Mặt trận Tổ quốc"),
]


def seed(apps, schema_editor):
    from diemcau.questions.sectors import SEED

    keywords = {code: words for code, _name, words in SEED}
    Sector = apps.get_model("questions", "Sector")
    for order, (code, name) in enumerate(SECTORS, start=1):
        Sector.objects.update_or_create(
            code=code, defaults={"name": name, "order": order, "keywords": keywords.get(code, "")}
        )


def unseed(apps, schema_editor):
    apps.get_model("questions", "Sector").objects.filter(code__in=[c for c, _ in SECTORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("questions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

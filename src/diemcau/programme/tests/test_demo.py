"""The demo programme follows the source article and invents no official."""

import pytest

from diemcau.programme.demo import load_demo_programme
from diemcau.programme.models import Conference, Speaker, Topic

pytestmark = pytest.mark.django_db


def test_demo_programme_is_the_model_event_and_idempotent():
    message = load_demo_programme()
    assert "15 chuyên đề" in message and "tin bài ngày 14/6/2025" in message
    assert "shared/" not in message and ".txt" not in message  # the article, not a file
    again = load_demo_programme()
    assert "đã có" in again
    assert Conference.objects.count() == 1
    conference = Conference.objects.get()
    assert str(conference.starts_on) == "2025-06-14" and str(conference.ends_on) == "2025-06-15"
    assert conference.host == "Học viện Chính trị quốc gia Hồ Chí Minh"
    assert (conference.target_sites, conference.target_delegates) == (11_000, 1_500_000)
    topics = Topic.objects.filter(session__day__conference=conference)
    assert topics.count() == 15
    named = topics.filter(is_sample=False)
    assert sorted(s.name for t in named for s in t.speakers.all()) == [
        "Nguyễn Quang Dương",
        "Nguyễn Thị Thu Hà",
        "Phạm Thị Thanh Trà",
    ]
    samples = topics.filter(is_sample=True)
    assert samples.count() == 12
    assert all(t.title.startswith("[Chuyên đề mẫu]") for t in samples)
    assert not Speaker.objects.filter(topics__in=samples).exists()
    assert Speaker.objects.count() == 3

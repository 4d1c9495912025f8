"""Stored merge proposals stay true: a pair whose cluster was merged away, split or lost
questions since the batch is not offered, and the page, the API and the CLI say how many."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.questions.models import Question
from diemcau.questions.services import merge_offers
from diemcau.questions.tests.helpers import ask
from diemcau.questions.tests.test_proposals import MARKET, MARKET_OTHER

Make = Callable[..., Any]
PAGE = "/questions/moderate/merges/"
API = "/api/v1/questions/merge-proposals"
LAND = "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp ở đâu sau khi sáp nhập?"


def offered(page: str, target: int, source: int) -> bool:
    """The page's merge button for this pair."""
    return (
        f'action="/questions/clusters/{target}/merge/"' in page
        and f'name="other" value="{source}"' in page
    )


@pytest.fixture
def clusters(make_site: Make, api_as: Make) -> dict[str, int]:
    """Hà Nội's twins (market, asked twice, and its paraphrase) and an unrelated land cluster;
    the batch proposes the twins only."""
    sites = [make_site(HOAN_KIEM) for _ in range(4)]
    client = [api_as("site_operator", s.code) for s in sites]
    market = ask(client[0], sites[0].code, MARKET)["cluster"]
    again = ask(client[1], sites[1].code, MARKET)["cluster"]
    other = ask(client[2], sites[2].code, MARKET_OTHER)["cluster"]
    land = ask(client[3], sites[3].code, LAND)["cluster"]
    assert market == again and len({market, other, land}) == 3
    merge_offers.compute()
    every = merge_offers.Scope(user_id=0, everything=True)
    assert [(o.target.pk, o.source.pk) for o in merge_offers.merge_offers(every)] == [
        (market, other)
    ]
    return {"market": market, "other": other, "land": land}


@pytest.mark.django_db
def test_a_pair_whose_cluster_was_merged_elsewhere_by_hand_is_dropped_and_counted(
    clusters: dict[str, int], web_as: Make, api_as: Make
) -> None:
    organiser = web_as("province_organiser", HANOI)
    assert offered(organiser.get(PAGE).content.decode(), clusters["market"], clusters["other"])
    assert "đã cũ" not in organiser.get(PAGE).content.decode()

    # the paraphrase's cluster absorbed by hand into the land cluster: no longer the stored one
    organiser.post(f"/questions/clusters/{clusters['land']}/merge/", {"other": clusters["other"]})
    page = organiser.get(PAGE).content.decode()
    assert not offered(page, clusters["market"], clusters["other"])
    assert "1 đề xuất đã cũ, bấm Tính lại" in page
    listed = api_as("province_organiser", HANOI).get(API).json()
    assert listed["items"] == [] and listed["outdated"] == 1

    merge_offers.compute()  # a new batch: nothing outdated any more
    assert "đã cũ" not in organiser.get(PAGE).content.decode()


@pytest.mark.django_db
def test_a_pair_whose_cluster_was_split_is_dropped_and_counted(
    clusters: dict[str, int], web_as: Make
) -> None:
    organiser = web_as("province_organiser", HANOI)
    second = Question.objects.filter(cluster_id=clusters["market"]).order_by("pk").last()
    assert second is not None
    split = organiser.post(
        f"/questions/clusters/{clusters['market']}/split/", {"questions": [second.pk]}
    )
    assert split.status_code == 302
    page = organiser.get(PAGE).content.decode()
    assert not offered(page, clusters["market"], clusters["other"])
    assert "1 đề xuất đã cũ, bấm Tính lại" in page


@pytest.mark.django_db
def test_accepting_is_not_outdated_and_a_cluster_that_only_grew_keeps_its_proposal(
    clusters: dict[str, int], make_site: Make, api_as: Make, web_as: Make
) -> None:
    organiser = web_as("province_organiser", HANOI)
    site = make_site(HOAN_KIEM)
    grown = ask(api_as("site_operator", site.code), site.code, MARKET)["cluster"]
    assert grown == clusters["market"]  # a new arrival joined the target: still the same pair
    page = organiser.get(PAGE).content.decode()
    assert offered(page, clusters["market"], clusters["other"]) and "đã cũ" not in page

    organiser.post(f"/questions/clusters/{clusters['market']}/merge/", {"other": clusters["other"]})
    page = organiser.get(PAGE).content.decode()
    assert not offered(page, clusters["market"], clusters["other"])
    assert "đã cũ" not in page  # merged as proposed: done, nothing to recompute for


@pytest.mark.django_db
def test_the_cli_says_when_and_how_many_are_outdated(
    clusters: dict[str, int], make_user: Make, web_as: Make
) -> None:
    web_as("province_organiser", HANOI).post(
        f"/questions/clusters/{clusters['land']}/merge/", {"other": clusters["other"]}
    )
    hanoi = make_user("province_organiser", HANOI)
    runner = CliRunner()
    text = runner.invoke(main, ["questions", "propose-merges", "--as-user", hanoi.username])
    assert text.exit_code == 0, text.output
    assert "Tính lúc " in text.stdout and "1 đề xuất đã cũ" in text.stdout
    listed = runner.invoke(
        main, ["questions", "propose-merges", "--json", "--as-user", hanoi.username]
    )
    assert json.loads(listed.stdout) == [] and "1 đề xuất đã cũ" in listed.stderr

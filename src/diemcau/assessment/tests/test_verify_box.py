"""/xac-minh/ has a box to type a certificate's code (issue 17): someone holding the paper but
no phone camera checks it by hand and lands on the page the QR code opens."""

from typing import Any

import pytest
from django.test import Client

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.tests.helpers import world
from diemcau.assessment.tests.test_completion import complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(make_site: Any, make_user: Any, settings: Any, tmp_path: Any) -> str:
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    complete(found, "an", scope_for(make_user("central_organiser")))
    return certificates.issue(found["an"], found["conference"].pk).code


def test_the_page_has_a_code_box_that_sends_a_get(code: str) -> None:
    page = Client().get("/xac-minh/").content.decode()
    assert '<form method="get" action="/xac-minh/"' in page
    assert 'name="ma"' in page
    assert "BEGIN PUBLIC KEY" in page  # the key stays on the page, below the box


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "  {lower}  ",  # typed in lower case, with spaces around
        "{head}\n{tail}",  # copied across the two printed lines
        "https://hoinghi.example.gov.vn/xac-minh/{code}/",  # the QR code's address pasted
    ],
)
def test_a_typed_code_leads_to_the_verification_result(code: str, typed: str) -> None:
    text = typed.format(code=code, lower=code.lower(), head=code[:60], tail=code[60:])
    answer = Client().get("/xac-minh/", {"ma": text})
    assert answer.status_code == 302
    assert answer["Location"] == f"/xac-minh/{code}/"
    result = Client().get(answer["Location"]).content.decode()
    assert "Nguyễn V. A." in result  # valid: the masked holder is shown
    assert 'name="ma"' in result  # and a box for the next one


def test_a_code_that_is_not_one_is_answered_on_the_same_page(code: str) -> None:
    for typed in ("   ", "///", "%$#"):
        page = Client().get("/xac-minh/", {"ma": typed})
        assert page.status_code == 200
        assert 'aria-invalid="true"' in page.content.decode()
    odd = Client().get("/xac-minh/", {"ma": "<script>x</script>"})
    assert odd["Location"] == "/xac-minh/SCRIPTXSCRIPT/"  # letters only: a code never breaks out
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    result = Client().get("/xac-minh/", {"ma": altered}, follow=True).content.decode()
    assert "Nguyễn V. A." not in result  # an altered code is unknown, not someone's certificate

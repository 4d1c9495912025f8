"""The same question resent by two workers at once is still recorded once, without an error."""

import threading

from django.db import connection

from diemcau.accounts.scopes import Scope
from diemcau.questions.models import Question
from diemcau.questions.services import create_question

EVERYTHING = Scope(user_id=0, everything=True)


def test_concurrent_resends_of_one_client_id_give_one_question(live_db, make_site):
    site = make_site(code="RACE-1")
    barrier = threading.Barrier(4)
    got: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            q = create_question(
                EVERYTHING, None, site=site.code, text="Trụ sở dôi dư xử lý ra sao?", client_id="c1"
            )
            got.append(q.pk)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Question.objects.filter(site=site, client_id="c1").count() == 1
    assert len(set(got)) == 1 and len(got) == 4

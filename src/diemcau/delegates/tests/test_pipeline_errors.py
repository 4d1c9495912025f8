"""A checking process that fails or dies tells the person importing in Vietnamese; the
Python error (English) only goes to the log."""

import os
import signal

import pytest

from diemcau.delegates import pipeline
from diemcau.tabular import TableError

pytestmark = pytest.mark.filterwarnings("ignore:.*multi-threaded.*:DeprecationWarning")


class Report:
    pass


def _fails(**_kwargs):
    raise KeyError("national_id_hash")


def _dies(**_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("check", [_fails, _dies])
def test_a_failed_check_is_a_vietnamese_table_error(check, caplog) -> None:
    with pytest.raises(TableError) as raised:
        pipeline.check_in_child(check, [], Report(), sink=lambda chunk: None, progress=None)
    assert raised.value.message.startswith("Không kiểm tra xong tệp")
    assert "national_id_hash" not in raised.value.message
    assert "checking process" in caplog.text  # the cause is logged for the administrators

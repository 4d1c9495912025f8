import pytest

from diemcau.notifications.testing import FakeGateway, SmtpSink


@pytest.fixture
def gateway(settings):
    """A fake SMS gateway on loopback, with retries that do not wait."""
    with FakeGateway() as gw:
        settings.DIEMCAU_SMS_URL = gw.url
        settings.DIEMCAU_SMS_TOKEN = "bi-mat"
        settings.DIEMCAU_SMS_SENDER = "HOINGHI"
        settings.DIEMCAU_NOTIFY_BACKOFF_S = 0.01
        yield gw


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback as the default mailer."""
    with SmtpSink() as sink:
        settings.MAILERS = sink.mailers()
        settings.DEFAULT_FROM_EMAIL = "hoinghi@example.gov.vn"
        yield sink

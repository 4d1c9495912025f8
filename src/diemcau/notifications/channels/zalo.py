"""Zalo ZNS (Zalo Notification Service): NOT IMPLEMENTED — the place for it, written like SMS.

How it would work: ZNS sends a *template approved in advance by Zalo* (not free text) to a phone
number, through https://business.openapi.zalo.me/message/template with an OA access token
(refreshed with the app's secret), a `template_id` and `template_data` (the fields). So an
adapter needs: the token and its refresh (settings DIEMCAU_ZALO_APP_ID, DIEMCAU_ZALO_SECRET,
DIEMCAU_ZALO_REFRESH_TOKEN), a mapping from our template fields to the approved template's
parameters, phones as 84XXXXXXXXX, and Zalo's error codes sorted into retry / failed as
`SmsBatch` does for HTTP status codes. Until then a Zalo delivery fails with this message.
"""

from diemcau.notifications.channels.base import Closing, Outcome, Outgoing
from diemcau.notifications.channels.sms import normalise_phone

NOT_IMPLEMENTED = "Zalo ZNS chưa được hỗ trợ (chưa cài đặt); tin này không được gửi."


class ZaloBatch(Closing):
    def send(self, message: Outgoing) -> Outcome:
        return Outcome(False, answer=NOT_IMPLEMENTED, retry=False)


class ZaloChannel:
    name = "zalo"

    def normalise(self, address: str) -> str:
        return normalise_phone(address)

    def prepare(self, text: str) -> str:
        return text

    def batch(self, reuse: bool = True) -> ZaloBatch:
        return ZaloBatch()

"""The channels a message can go by, each written to `base.Channel`."""

from diemcau.notifications.channels.base import Batch, Channel, ChannelError, Outcome, Outgoing
from diemcau.notifications.channels.email import EmailChannel
from diemcau.notifications.channels.sms import SmsChannel
from diemcau.notifications.channels.zalo import ZaloChannel

CHANNELS: dict[str, Channel] = {
    "email": EmailChannel(),
    "sms": SmsChannel(),
    "zalo": ZaloChannel(),
}

__all__ = ["CHANNELS", "Batch", "Channel", "ChannelError", "Outcome", "Outgoing", "get"]


def get(name: str) -> Channel:
    return CHANNELS[name]

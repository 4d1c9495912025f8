"""What the pages that print say about the public address (diemcau/publicurl.py).

The words live in this app, whose badges are the first thing printed with the address, so that
its catalogue's makemessages finds them: a module outside every app has no catalogue, and its
translations end up commented out the next time one is regenerated.
"""

from django.utils.translation import gettext as _


def unset(url: str) -> str:
    return _(
        "DIEMCAU_PUBLIC_URL is not set: printed QR codes and links use %(url)s, the address "
        "this page was opened at. Ask the administrator to set the public address before "
        "printing."
    ) % {"url": url}


def loopback(url: str) -> str:
    return _(
        "Printed QR codes and links point at %(url)s, which only this computer can open: "
        "set DIEMCAU_PUBLIC_URL to the address delegates' phones reach before printing."
    ) % {"url": url}

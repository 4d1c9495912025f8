"""The console script's messages, translated on the server and sent with the page.

The script has no gettext of its own; keeping its words here lets `makemessages` find them and the
page work offline in the language it was loaded in.
"""

from django.utils.translation import gettext as _


def messages() -> dict[str, str]:
    return {
        "online": _("Online"),
        "ready": _("Ready: the check passed."),
        "not_ready": _("Not ready yet: fix the stream or the sound and check again."),
        "check_failed": _("The check could not be sent: %(why)s"),
        "offline": _("Offline"),
        "no_server": _("Network up, server not answering"),
        "never": _("never"),
        "auto": _("Automatic (current session)"),
        "no_session": _("No session on the programme."),
        "now": _("now"),
        "next": _("next"),
        "ended": _("ended"),
        "no_topic": _("(no topic)"),
        "no_materials": _("No materials for this session."),
        "queued": _("Queued"),
        "sent": _("Sent"),
        "duplicate": _("Already recorded"),
        "rejected": _("Rejected"),
        "checkin": _("Check-in"),
        "headcount": _("Headcount"),
        "question": _("Question"),
        "genuine": _("Badge of this site"),
        "unverified": _("not verified"),
        "mismatch": _("Badge does not match the roster (revoked or forged?): the server decides"),
        "unknown": _("Not in this site's roster: the server decides"),
        "typed": _("Code typed by hand"),
        "unreadable": _(
            "Cannot read the code on the badge: saved, the server checks it when the network "
            "is back"
        ),
        "again": _("Scanned already"),
        "other_site": _("Delegate of another site"),
        "roster_count": _("Roster: %(n)s delegates (saved %(at)s)"),
        "roster_missing": _("No roster yet: badges are checked by the server."),
        "roster_offline": _("Roster from %(at)s (offline copy)."),
        "endpoint_missing": _(
            "The server does not take %(what)s yet; they stay in the queue and are sent later."
        ),
        "login_again": _(
            "The session has expired or lacks the right: sign in again; the queue is kept."
        ),
        "retry": _("Will retry in %(s)s s"),
        "empty_queue": _("Nothing waiting."),
        "more": _("… and %(n)s earlier items"),
        "no_rejections": _("No rejections."),
        "dismiss": _("Dismiss"),
        "count_invalid": _("Enter a number of people (0 or more)."),
        "text_required": _("Write the question."),
        "pick_session": _("Pick a session first."),
        "camera_failed": _("Cannot open the camera."),
        "camera_stop": _("Stop camera"),
        "camera_start": _("Camera"),
        "saved": _("Saved in the queue."),
        "offline_ready": _("This page also opens without network."),
        "count": _("%(n)s/%(total)s checked in"),
        "guests": _("+ %(n)s from other sites"),
        "count_session": _("for %(session)s"),
        "closed_before": _("Check-in is not open yet: it opens at %(at)s."),
        "closed_after": _("Check-in is closed: the session ended at %(at)s."),
        "closed_none": _("No session to check in to."),
        "sent_ok": _("Sent to the server."),
        "refused": _("Refused: %(why)s"),
        "no_questions": _("This site has not sent a question yet."),
        "answer_from": _("Answer from %(sector)s, %(at)s"),
        "no_answer": _("No published answer yet."),
        "asked_by": _("asked by %(name)s"),
    }


def reasons() -> dict[str, str]:
    """Why the server refused a scan (the codes of attendance/reasons.py), in the UI language."""
    return {
        "invalid": _("Malformed scan"),
        "unknown": _("Unknown badge or delegate code"),
        "revoked_or_forged": _("Badge revoked or forged"),
        "typed_other_site": _("Typed code of another site's delegate: show the badge"),
        "session_unknown": _("No such session"),
        "session_closed": _("Outside the session's check-in time"),
        "site_forbidden": _("You may not write at this site"),
        "already_checked_in": _("Already checked in for this session"),
    }

"""Why a scan was not accepted: short codes the site console shows and counts.

The codes are part of the API contract (the console is built against them); the text beside
each is what the OpenAPI document and the docs table say.
"""

INVALID = "invalid"
UNKNOWN = "unknown"
REVOKED_OR_FORGED = "revoked_or_forged"
TYPED_OTHER_SITE = "typed_other_site"
SESSION_UNKNOWN = "session_unknown"
SESSION_CLOSED = "session_closed"
SITE_FORBIDDEN = "site_forbidden"
ALREADY_CHECKED_IN = "already_checked_in"

EXPLAINED: dict[str, str] = {
    INVALID: "Malformed scan (id not a UUID, scanned_at not ISO 8601 with a time zone, unknown "
    "site code) or scanned_at more than 5 minutes in the future.",
    UNKNOWN: "The badge text is neither a QR payload nor a delegate code, or no such delegate.",
    REVOKED_OR_FORGED: "The QR code's MAC does not match the delegate's current secret (badge "
    "revoked and reprinted, or forged).",
    TYPED_OTHER_SITE: "A typed code (no MAC) of a delegate registered at another site: not "
    "accepted, the delegate must show the badge.",
    SESSION_UNKNOWN: "No such session.",
    SESSION_CLOSED: "scanned_at lies outside the session's check-in window: from 3 h before its "
    "start to its end, on its day (the session's status does not matter, so scans made offline "
    "and synced late are accepted).",
    SITE_FORBIDDEN: "You may not write at that site.",
    ALREADY_CHECKED_IN: "The delegate already has a valid check-in for this session (not "
    "counted twice).",
}


def table_markdown() -> str:
    rows = "\n".join(f"| `{code}` | {text} |" for code, text in EXPLAINED.items())
    return "| reason | meaning |\n|---|---|\n" + rows

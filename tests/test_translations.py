"""The Vietnamese interface has no English left in it (issue 17, finding 2).

Two checks a reviewer cannot do by eye:
- every message of every app, as the code and templates use it today, has a Vietnamese
  translation in that app's catalogue: not missing, not empty, not "fuzzy" (a guess gettext
  made, which Django never shows). The messages are extracted afresh with makemessages in a copy
  of each app, so a string added to the code but never to the catalogue counts as untranslated;
- the reader gets the translation each catalogue gives: Django merges every app's catalogue into
  one, and where two give the same English different meanings, the first app listed in
  INSTALLED_APPS wins for everyone (the streaming table's "State" read "Chính quyền", the sites'
  word for a government body; Django's own "version" stays "version");
- the main pages, rendered in Vietnamese for the central organiser on a small event, show none
  of the catalogues' English source strings in their visible text ("registered", "Whole
  conference", "Refreshed every 5 s." on the attendance page were such).
"""

import contextlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import django
import pytest
from django.core.management import call_command
from django.test import Client
from pofile import Entry, parse
from security.conftest import world  # the permission table's small event
from security.harness import call, client_for
from security.table import PAGES

from diemcau.web.tests.catalogues import compiled_catalogues

__all__ = ["compiled_catalogues", "world"]

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "diemcau"
CATALOGUES = sorted(PACKAGE.glob("*/locale/vi/LC_MESSAGES/django.po"))
APPS = sorted(p.parent for p in PACKAGE.glob("*/apps.py"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
WORD = re.compile(r"[A-Za-z]{3,}")
# Not files a person reads as pages.
NOT_PAGES = (".pdf", ".csv", ".xlsx", ".ics", ".js", "/export/")


def extracted(tmp: Path, app: Path) -> list[Entry]:
    """The app's catalogue merged with the messages its code and templates use now."""
    copy = tmp / app.name
    shutil.copytree(
        app,
        copy,
        ignore=shutil.ignore_patterns("tests", "__pycache__", "migrations", "static", "*.mo"),
    )
    if app.name == "web":  # the package root's modules (api_errors.py…) speak through web's
        for module in PACKAGE.glob("*.py"):
            shutil.copy(module, copy / f"package_root_{module.name}")
    catalogue = copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    catalogue.parent.mkdir(parents=True, exist_ok=True)  # an app without one yet
    with contextlib.chdir(copy):
        call_command("makemessages", locale=["vi"], no_obsolete=True, verbosity=0)
    return parse(catalogue) if catalogue.exists() else []


def test_every_message_has_a_vietnamese_translation(tmp_path: Path) -> None:
    assert len(CATALOGUES) >= 10 and len(APPS) >= len(CATALOGUES)
    missing = [
        f"{app.name}: {e.msgctxt + ' | ' if e.msgctxt else ''}{e.msgid!r}"
        + (" (fuzzy)" if e.fuzzy else "")
        for app in APPS
        for e in extracted(tmp_path, app)
        if e.untranslated
    ]
    assert not missing, "untranslated in the Vietnamese catalogues:\n" + "\n".join(missing)


# Old and new places of the tone mark (hoà/hòa) are the same word to a reader.
OLD_TONES = {"oá": "óa", "oà": "òa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "uý": "úy", "uỳ": "ùy"}


def _same(a: str, b: str) -> bool:
    """Equal for a reader: case and where the tone mark sits do not matter."""

    def norm(text: str) -> str:
        text = text.casefold()
        for old, new in OLD_TONES.items():
            text = text.replace(old, new)
        return text

    return norm(a) == norm(b)


def test_the_reader_gets_each_catalogues_translation(compiled_catalogues: None) -> None:
    from django.utils import translation
    from django.utils.translation import gettext, ngettext, npgettext, pgettext

    wrong = []
    with translation.override("vi"):
        for po in CATALOGUES:
            for e in parse(po):
                if e.untranslated:
                    continue
                if e.msgid_plural:
                    shown = (
                        npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
                        if e.msgctxt
                        else ngettext(e.msgid, e.msgid_plural, 1)
                    )
                else:
                    shown = pgettext(e.msgctxt, e.msgid) if e.msgctxt else gettext(e.msgid)
                if not _same(shown, e.msgstr[0]):
                    wrong.append(
                        f"{po.parents[3].name}: {e.msgid!r} → {shown!r}, not {e.msgstr[0]!r}"
                    )
    assert not wrong, (
        "translated by another catalogue (give one a context, pgettext, or agree on one "
        "wording):\n" + "\n".join(wrong)
    )


def english_strings() -> list[str]:
    """The catalogues' English source strings that must never show on a Vietnamese page.

    Left out: strings translated as themselves (PDF, Email), technical tokens and names (all
    capitals, or no word of three letters), anything written with Vietnamese letters, and
    strings that a Vietnamese translation itself quotes (e.g. "(heartbeat)"). A string with
    placeholders is looked for by its fixed parts of two words or more.
    """
    entries = [e for po in CATALOGUES for e in parse(po) if not e.untranslated]
    translations = "\n".join(s for e in entries for s in e.msgstr)
    found: set[str] = set()
    for e in entries:
        if e.msgid in e.msgstr or not e.msgid.isascii():
            continue
        for part in PLACEHOLDER.split(e.msgid):
            text = part.strip(" .,:;()–-“”\"'")
            words = WORD.findall(text)
            if not words or all(w.isupper() for w in words):
                continue
            if part != e.msgid and len(text.split()) < 2:
                continue  # "s." of "every %(s)s s." says nothing alone
            if _occurs(text, translations):
                continue
            found.add(text)
    return sorted(found, key=len, reverse=True)


def django_english_strings() -> list[str]:
    """Django's own messages (its core and the contrib apps installed) that no catalogue
    translates into Vietnamese, cut as english_strings() cuts ours.

    Django's Vietnamese catalogue lags behind its releases (Django 6.1's "- Select an option -",
    the admin's new labels): what it lacks, the project's catalogue (src/diemcau/locale) gives.
    Languages' names are left out (no page shows them in English). Libraries without any
    Vietnamese catalogue (django-axes, django-otp, …) are not looked at: their admin pages are
    English throughout.
    """
    from django.apps import apps
    from django.conf import global_settings
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    languages = {str(name) for _, name in global_settings.LANGUAGES}

    roots = [Path(django.__file__).parent / "conf"]
    roots += [Path(c.path) for c in apps.get_app_configs() if c.name.startswith("django.contrib")]
    entries = []
    for root in roots:
        sources = sorted(root.glob("locale/*/LC_MESSAGES/django.po"))
        english = [p for p in sources if p.parts[-3] == "en"] or sources[:1]
        entries += [e for po in english for e in parse(po) if e.msgid]
    ours = "\n".join(s for po in CATALOGUES for e in parse(po) for s in e.msgstr)
    found: set[str] = set()
    with translation.override("vi"):
        for e in entries:
            shown = pgettext(e.msgctxt, e.msgid) if e.msgctxt else gettext(e.msgid)
            if shown != e.msgid or e.msgid in languages:
                continue
            for part in PLACEHOLDER.split(e.msgid):
                text = part.strip(" .,:;()–-“”\"'…")
                words = WORD.findall(text)
                if not words or all(w.isupper() for w in words):
                    continue
                if part != e.msgid and len(text.split()) < 2:
                    continue
                if _occurs(text, ours):  # a word we use as Vietnamese too ("Email")
                    continue
                found.add(text)
    return sorted(found, key=len, reverse=True)


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(text)}(?![\w-])")


def _occurs(text: str, haystack: str) -> bool:
    return _pattern(text).search(haystack) is not None


def _around(text: str, body: str) -> str:
    """The words around the first occurrence, to find it on the page."""
    found = _pattern(text).search(body)
    return body[max(0, found.start() - 40) : found.end() + 40] if found else ""


class _Visible(HTMLParser):
    """The text a reader sees or hears: text nodes and the attributes read aloud or shown,
    without scripts, styles and JSON."""

    SKIP = frozenset({"script", "style", "template", "noscript"})
    SPOKEN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        values = dict(attrs)
        self.parts += [values[a] or "" for a in self.SPOKEN if values.get(a)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def pages() -> list[Any]:
    """Every page of the permission table that the central organiser opens (no file, no
    delegate link, no sign-in form)."""
    return [
        entry
        for entry in PAGES
        if entry.method == "GET"
        and entry.expect[0] == "A"
        and entry.kind == "read"
        and not entry.path.endswith(NOT_PAGES)
        and not set(entry.keys()) & {"link", "site_link", "task", "badge_task"}
    ]


@pytest.mark.django_db  # the world fixture holds the data
def test_vietnamese_pages_show_no_english_source_string(
    world: Any, compiled_catalogues: None
) -> None:
    client: Client = client_for(world, "C", api=False)
    rendered: dict[str, str] = {}
    broken: list[str] = []
    for entry in pages():
        response = call(entry, world, "C", True, client)
        if response.status_code >= 500:
            broken.append(f"{entry}: {response.status_code}")
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            rendered[str(entry)] = visible_text(response.content.decode())
    assert len(rendered) >= 30, sorted(rendered)
    assert any("Điểm danh" in text for text in rendered.values())  # Vietnamese, not English
    english = english_strings() + django_english_strings()
    assert "Whole conference" in english and "registered" in english  # the check can fail
    shown = [
        f"{page}: {text!r} in …{_around(text, body)}…"
        for page, body in sorted(rendered.items())
        for text in english
        if _occurs(text, body)
    ]
    assert not (broken or shown), "\n".join(["Pages that failed:", *broken]) + "\n".join(
        ["", "English on Vietnamese pages:", *shown]
    )


@pytest.mark.django_db  # the world fixture holds the data
def test_vietnamese_admin_pages_show_no_english(world: Any, compiled_catalogues: None) -> None:
    """The admin in Vietnamese: its index, and each model's list, add form and first object's
    form, show neither our catalogues' nor Django's and the libraries' untranslated English."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("quan-tri-dich", password="x")
    client = Client()
    client.force_login(admin_user)
    client.cookies["django_language"] = "vi"
    urls = ["/admin/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [base, f"{base}add/"]
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            urls.append(f"{base}{first}/change/")
    rendered = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code in (200, 403), (url, response.status_code)
        if response.status_code == 200:
            rendered[url] = visible_text(response.content.decode())
    assert "Quản trị" in rendered["/admin/"] or "quản trị" in rendered["/admin/"]
    english = django_english_strings()
    assert "Select an option" not in english  # translated; the check looks at what is not:
    assert "CSRF verification failed. Request aborted" in english
    shown = [
        f"{url}: {text!r} in …{_around(text, body)}…"
        for url, body in sorted(rendered.items())
        for text in english
        if _occurs(text, body)
    ]
    assert not shown, "English on Vietnamese admin pages:\n" + "\n".join(shown)

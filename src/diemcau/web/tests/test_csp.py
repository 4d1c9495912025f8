"""The Content Security Policy holds: no script runs unless it is ours or carries the nonce."""

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
# onclick=, onsubmit=, onchange=… and javascript: URLs would be blocked by the policy (and are
# the usual way an injected string becomes script): none may appear in a template.
_EVENT_ATTR = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)
# Template tags inside an attribute ({% blocktranslate with online=… %}) are not attributes.
_TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)


def _templates() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("templates/**/*.html"))


def test_templates_have_no_event_attributes_and_every_inline_script_has_the_nonce():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        if _EVENT_ATTR.search(_TEMPLATE_TAG.sub("", text)) or "javascript:" in text:
            offenders.append(f"{path.relative_to(PACKAGE)}: event attribute or javascript: URL")
        for match in _INLINE_SCRIPT.finditer(text):
            if "csp_nonce" not in match.group(1):
                offenders.append(f"{path.relative_to(PACKAGE)}: inline <script> without nonce")
    assert len(_templates()) > 50
    assert offenders == []


@pytest.mark.django_db
def test_pages_send_the_policy_and_inline_scripts_carry_its_nonce(client, make_user):
    user = make_user("central_organiser")
    client.force_login(user)
    page = client.get("/")  # any page; the header is on every response
    policy = page.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    # A page with an inline script: its nonce is the header's.
    from diemcau.tasks.models import Task

    task = Task.objects.create(kind="test", owner=user)
    page = client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", page.content.decode())
    inline = [s for s in scripts if "src=" not in s]
    assert inline and all(f'nonce="{nonce}"' in s for s in inline)

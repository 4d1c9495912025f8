"""A role's walk through the product in Debian's Chromium: every page it opens is checked the way
a user and an auditor would check it, and photographed.

Each step (`Walk.visit`, `Walk.check`) asserts that the page answered without a server error,
raised no JavaScript exception, and — with axe-core, injected from tests/vendor (scripts/vendor
fetches it pinned and checksummed from the npm registry) — has no serious or critical
accessibility violation (WCAG 2.1 A and AA rules). Axe runs through the DevTools protocol
(`page.evaluate`), so the pages keep their strict Content Security Policy while being checked.

Screenshots go to DIEMCAU_WALKTHROUGH_DIR (default: a `walkthrough/` folder in the pytest temp
directory), one folder per role, numbered in the order of the walk.
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
SERIOUS = {"serious", "critical"}
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def axe_source() -> str:
    if not AXE.is_file():
        raise AssertionError(
            f"axe-core is missing at {AXE}: run scripts/vendor (it fetches axe-core 4.14.1 from "
            "the npm registry, checked against its sha512)."
        )
    return AXE.read_text(encoding="utf-8")


@dataclass
class Finding:
    step: str
    url: str
    what: str


@dataclass
class Walk:
    """One person's walk: a Playwright page, where its pictures go, what went wrong on the way."""

    page: Any
    base_url: str
    out: Path
    findings: list[Finding] = field(default_factory=list)
    steps: int = 0
    _errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.page.on("pageerror", lambda exc: self._errors.append(str(exc)))

    def visit(self, path: str, name: str, expect: str | None = None) -> Any:
        """Open `path`, then check it; `expect` is a text the page must show."""
        response = self.page.goto(self.base_url + path, wait_until="load")
        status = response.status if response is not None else 0
        if status >= 400:
            self.findings.append(Finding(name, path, f"HTTP {status}"))
        return self.check(name, expect)

    def check(self, name: str, expect: str | None = None) -> Any:
        """Check the page as it is now (after a click or a form), and photograph it."""
        self.steps += 1
        url = self.page.url
        self.page.wait_for_load_state("load")
        if expect is not None and expect not in self.page.inner_text("body"):
            self.findings.append(Finding(name, url, f"does not show {expect!r}"))
        for error in self._errors:
            self.findings.append(Finding(name, url, f"JavaScript error: {error}"))
        self._errors.clear()
        for violation in self.axe():
            nodes = ", ".join(n["target"][0] for n in violation["nodes"][:3])
            self.findings.append(
                Finding(name, url, f"axe {violation['impact']}: {violation['id']} ({nodes})")
            )
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=str(self.out / f"{self.steps:02d}-{slug}.png"), full_page=True)
        return self.page

    def axe(self) -> list[dict[str, Any]]:
        """Serious and critical violations of WCAG 2.1 A/AA on the page as it stands."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(axe_source())
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {
                    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                    resultTypes: ['violations'],
                });
                return JSON.stringify(r.violations);
            }"""
        )
        return [v for v in json.loads(result) if v.get("impact") in SERIOUS]

    def sign_in(self, username: str, password: str, otp: str | None = None) -> None:
        """Through the real sign-in page (and the second factor's, for organisers)."""
        self.visit("/login/", "sign in")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.press("#id_password", "Enter")  # the header's language form comes first
        self.page.wait_for_load_state("load")
        if otp is not None and "/accounts/2fa/" in self.page.url:
            self.check("second factor")
            self.page.fill("input[name=code]", otp)
            self.page.press("input[name=code]", "Enter")
            self.page.wait_for_load_state("load")
        if "/login/" in self.page.url or "/accounts/2fa/" in self.page.url:
            raise AssertionError(f"{username} could not sign in: {self.page.inner_text('main')}")

    def assert_clean(self) -> None:
        assert not self.findings, "\n".join(f"[{f.step}] {f.url}: {f.what}" for f in self.findings)


def out_dir(tmp_root: Path, role: str) -> Path:
    root = Path(os.environ.get("DIEMCAU_WALKTHROUGH_DIR", str(tmp_root / "walkthrough")))
    return root / role

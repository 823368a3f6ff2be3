"""The register in Debian's headless chromium, in Dutch and in English: publish, then follow
what the pages show from the overview to a product's history, the difference between two runs,
a certificate and the badge, asserting the text on screen at each step."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from register_env import ADMIN_TOKEN, Register
from register_signing import pem, signed
from support.chromium import dump_dom, screenshot


@dataclass
class Element:
    tag: str
    classes: set[str]
    attributes: dict[str, str]
    text: str = ""


@dataclass
class Page(HTMLParser):
    """The elements of a dumped DOM with their text (enough to read a page without scripts)."""

    elements: list[Element] = field(default_factory=list)
    _open: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in ("td", "th", "dd", "dt", "p", "li"):
            for element in self._open:
                element.text += " "  # cells read apart, as on screen
        element = Element(tag, set(attributes.get("class", "").split()), attributes)
        self.elements.append(element)
        if tag not in ("img", "input", "meta", "link", "br", "circle", "polyline"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str, css_class: str | None = None) -> list[Element]:
        return [
            item
            for item in self.elements
            if item.tag == tag and (css_class is None or css_class in item.classes)
        ]

    def texts(self, tag: str, css_class: str | None = None) -> list[str]:
        return [" ".join(item.text.split()) for item in self.find(tag, css_class)]

    @property
    def body(self) -> str:
        return " ".join(self.texts("main")[0].split())


def visit(tmp_path: Path, url: str, language: str) -> Page:
    page = Page()
    page.feed(dump_dom(tmp_path, url, f"--accept-lang={language}"))
    assert page.find("html")[0].attributes["lang"] == language
    return page


WORDS = {
    "en": {
        "overview": "Overview",
        "not-certified": "not certified",
        "certified": "certified",
        "verified": "Verified: the signature is valid",
        "self": "self-assessed",
        "score": "Score change: 100 → 75 (-25)",
        "switch": "NL",
    },
    "nl": {
        "overview": "Overzicht",
        "not-certified": "niet gecertificeerd",
        "certified": "gecertificeerd",
        "verified": "Geverifieerd: de handtekening is geldig",
        "self": "zelfbeoordeling",
        "score": "Verandering van de score: 100 → 75 (-25)",
        "switch": "EN",
    },
}


@pytest.fixture
def published(register: Register) -> Register:
    own = Ed25519PrivateKey.generate()
    with register.client(ADMIN_TOKEN) as admin:
        body = {"publicKey": pem(own), "kind": "vendor", "vendor": "Beta BV", "label": "Beta"}
        assert admin.post("/api/v1/keys", json=body).status_code == 201
        items = [
            signed(register.authority, run=1, issued_at="2026-11-01T10:00:00Z"),
            signed(
                register.authority,
                run=2,
                failed=("GDI-MSG-001",),
                version="2.5.0",
                issued_at="2026-11-10T10:00:00Z",
            ),
            signed(own, vendor="Beta BV", product="Beta Box", run=3),
        ]
        for item in items:
            assert admin.post("/api/v1/publications", json=item.body()).status_code == 201
    return register


@pytest.mark.parametrize("language", ["en", "nl"])
def test_overview_product_diff_certificate_and_badge_on_screen(
    published: Register, tmp_path: Path, language: str
) -> None:
    words = WORDS[language]
    origin = published.origin
    overview = visit(tmp_path, origin + "/", language)
    assert overview.texts("h1") == [words["overview"]]
    rows = overview.texts("tr", "cell")
    assert len(rows) == 2
    acme = next(row for row in rows if row.startswith("Acme BV"))
    assert f"Acme Berichten messaging 1.0.0 {words['not-certified']} 75 2026-11-10" in acme
    beta = next(row for row in rows if row.startswith("Beta BV"))
    assert words["self"] in beta, "a self-assessed entry is marked as such"
    switch = overview.find("a", "lang-switch")
    assert [item.text for item in switch] == [words["switch"]]
    filtered = visit(tmp_path, origin + "/?verdict=not-certified&lang=" + language, language)
    assert [row.split()[0] for row in filtered.texts("tr", "cell")] == ["Acme"]

    link = next(
        item for item in overview.find("a", "product-link") if item.text == "Acme Berichten"
    )
    product = visit(tmp_path, origin + link.attributes["href"], language)
    assert product.texts("h1") == ["Acme Berichten Acme BV"]
    runs = product.texts("tr", "run")
    assert runs[0].startswith(f"2026-11-10 2.5.0 1.0.0 {words['not-certified']} 75")
    assert runs[1].startswith(f"2026-11-01 2.4.1 1.0.0 {words['certified']} 100")

    diff_link = product.find("a", "diff-link")[0].attributes["href"]
    diff = visit(tmp_path, origin + diff_link, language)
    assert diff.texts("p", "score-change") == [words["score"]]
    (change,) = diff.texts("tr", "change")
    assert change.startswith("GDI-MSG-001 MUST")

    certificate_link = next(
        item.attributes["href"]
        for item in diff.find("a")
        if item.attributes.get("href", "").startswith("/certificates/")
    )
    certificate = visit(tmp_path, origin + certificate_link, language)
    assert certificate.texts("p", "verification")[0].endswith(words["verified"])
    assert "SHA256:" in certificate.texts("dd", "key")[0]
    assert certificate.texts("dd", "target") == ["http://127.0.0.1:8123/messaging/v1"]
    rule = certificate.find("a", "adr-rule")[0]
    assert (rule.text, rule.attributes["href"]) == (
        "/core/version-header",
        "https://logius-standaarden.github.io/API-Design-Rules/#%2Fcore%2Fversion-header",
    )
    badge_src = certificate.find("img", "badge")[0].attributes["src"]
    assert badge_src == "/badges/acme-bv/acme-berichten/messaging.svg"

    svg = Page()
    svg.feed(dump_dom(tmp_path, origin + badge_src))
    assert svg.texts("title") == ["GDI messaging: not certified · 75"]

    requirement_link = next(
        item.attributes["href"]
        for item in certificate.find("a")
        if item.attributes.get("href", "").startswith("/requirements/GDI-MSG-001")
    )
    requirement = visit(tmp_path, origin + requirement_link, language)
    (source,) = requirement.find("a", "source-adr")
    assert source.text == "/core/version-header"
    assert source.attributes["href"].startswith(
        "https://logius-standaarden.github.io/API-Design-Rules/#"
    )


def test_the_overview_is_a_real_picture(published: Register, tmp_path: Path) -> None:
    data = screenshot(tmp_path, published.origin + "/?lang=nl", tmp_path / "overview.png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000

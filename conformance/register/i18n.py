"""Dutch and English: the words of the pages, and which language a request gets.

``?lang=nl`` or ``?lang=en`` (the switch on every page) wins; otherwise the browser's
Accept-Language decides; English when it names neither.
"""

from __future__ import annotations

LANGUAGES = ("en", "nl")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "register": "GDI conformance register",
        "overview": "Overview",
        "overview_intro": "Every product in the register, per building block and profile "
        "version: the latest verdict and score, and the scores of its recent runs.",
        "vendor": "Vendor",
        "product": "Product",
        "block": "Building block",
        "profile": "Profile version",
        "verdict": "Verdict",
        "score": "Score",
        "date": "Date",
        "history": "History",
        "standing": "Standing",
        "assessment": "Signed by",
        "all": "all",
        "filter": "Filter",
        "no_entries": "Nothing in the register matches.",
        "runs": "Runs",
        "product_version": "Product version",
        "compare": "Compare two runs",
        "compare_button": "Show the differences",
        "from": "from",
        "to": "to",
        "diff_title": "Differences between two runs",
        "score_change": "Score change",
        "no_changes": "No requirement changed its outcome.",
        "requirement": "Requirement",
        "requirements": "Requirements",
        "level": "Level",
        "statement": "Statement",
        "sources": "Sources",
        "outcome": "Outcome",
        "products_judged": "Products judged on this requirement",
        "certificate": "Certificate",
        "verified": "Verified: the signature is valid",
        "not_verified": "Not verified",
        "signed_by_key": "Signed by key",
        "key_label": "Key",
        "self_assessed": "self-assessed",
        "self_assessed_note": "Self-assessed: signed with the vendor's own key, not by a "
        "certifying authority.",
        "authority": "certifying authority",
        "issued": "Issued",
        "expires": "Expires",
        "published": "Published",
        "run_id": "Run",
        "download_certificate": "certificate.json",
        "download_report": "report.json",
        "badge": "Badge",
        "valid": "valid",
        "expired": "expired",
        "outdated": "outdated",
        "expired_note": "This certificate has expired.",
        "outdated_note": "This certificate is outdated: profile version {version} of this block "
        "is in the register.",
        "certified": "certified",
        "certified-with-remarks": "certified with remarks",
        "not-certified": "not certified",
        "incomplete": "incomplete",
        "passed": "passed",
        "failed": "failed",
        "skipped": "skipped",
        "error": "error",
        "not-applicable": "not applicable",
        "absent": "absent",
        "language": "Language",
        "api": "JSON API (OpenAPI)",
        "not_found": "Not found",
        "tested_at": "Tested at",
        "run_facts": "The run",
        "run_summary": "{cases} cases, seed {seed}, {seconds} s, gdi-conformance {harness}",
        "previous": "previous",
        "next": "next",
        "page_of": "page {page} of {pages}",
    },
    "nl": {
        "register": "GDI-conformiteitsregister",
        "overview": "Overzicht",
        "overview_intro": "Elk product in het register, per bouwblok en profielversie: het "
        "laatste oordeel en de score, en de scores van de recente runs.",
        "vendor": "Leverancier",
        "product": "Product",
        "block": "Bouwblok",
        "profile": "Profielversie",
        "verdict": "Oordeel",
        "score": "Score",
        "date": "Datum",
        "history": "Verloop",
        "standing": "Status",
        "assessment": "Ondertekend door",
        "all": "alle",
        "filter": "Filteren",
        "no_entries": "Niets in het register voldoet hieraan.",
        "runs": "Runs",
        "product_version": "Productversie",
        "compare": "Twee runs vergelijken",
        "compare_button": "Toon de verschillen",
        "from": "van",
        "to": "naar",
        "diff_title": "Verschillen tussen twee runs",
        "score_change": "Verandering van de score",
        "no_changes": "Geen enkele eis veranderde van uitkomst.",
        "requirement": "Eis",
        "requirements": "Eisen",
        "level": "Niveau",
        "statement": "Omschrijving",
        "sources": "Bronnen",
        "outcome": "Uitkomst",
        "products_judged": "Producten beoordeeld op deze eis",
        "certificate": "Certificaat",
        "verified": "Geverifieerd: de handtekening is geldig",
        "not_verified": "Niet geverifieerd",
        "signed_by_key": "Ondertekend met sleutel",
        "key_label": "Sleutel",
        "self_assessed": "zelfbeoordeling",
        "self_assessed_note": "Zelfbeoordeling: ondertekend met de eigen sleutel van de "
        "leverancier, niet door een certificerende instantie.",
        "authority": "certificerende instantie",
        "issued": "Uitgegeven",
        "expires": "Verloopt",
        "published": "Gepubliceerd",
        "run_id": "Run",
        "download_certificate": "certificate.json",
        "download_report": "report.json",
        "badge": "Badge",
        "valid": "geldig",
        "expired": "verlopen",
        "outdated": "verouderd",
        "expired_note": "Dit certificaat is verlopen.",
        "outdated_note": "Dit certificaat is verouderd: profielversie {version} van dit bouwblok "
        "staat in het register.",
        "certified": "gecertificeerd",
        "certified-with-remarks": "gecertificeerd met opmerkingen",
        "not-certified": "niet gecertificeerd",
        "incomplete": "onvolledig",
        "passed": "geslaagd",
        "failed": "gefaald",
        "skipped": "overgeslagen",
        "error": "fout",
        "not-applicable": "niet van toepassing",
        "absent": "ontbreekt",
        "language": "Taal",
        "api": "JSON-API (OpenAPI)",
        "not_found": "Niet gevonden",
        "tested_at": "Getest op",
        "run_facts": "De run",
        "run_summary": "{cases} gevallen, seed {seed}, {seconds} s, gdi-conformance {harness}",
        "previous": "vorige",
        "next": "volgende",
        "page_of": "pagina {page} van {pages}",
    },
}


def choose(explicit: str | None, accept_language: str | None) -> str:
    """The page language: the switch's choice, else the best Accept-Language match."""
    if explicit in LANGUAGES:
        return str(explicit)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower().split("-")[0]
        weight = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag in LANGUAGES and weight > 0:
            ranked.append((-weight, position, tag))
    return min(ranked)[2] if ranked else "en"


def words(language: str) -> dict[str, str]:
    return WORDS[language]

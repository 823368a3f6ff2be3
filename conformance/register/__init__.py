"""The conformance register: a web service where signed certificates and their reports are
published, verified against the keys the register trusts, kept over time and shown to
architects (overview, product history, differences between runs, requirements, certificates,
badges) in Dutch and English, with a JSON API described by its own OpenAPI document.

A layer beside the reports: it reads certificates and reports with ``conformance.reports`` and
``conformance.results`` and never imports the engine. How to run it: docs/register.md.
"""

"""Hooks for the Schemathesis CLI (``SCHEMATHESIS_HOOKS=cli_formats``): the string formats the
GDI specs declare (``format: bsn``, ``kvk``, ``oin``, ``postcode``), taught to the CLI as our
engine knows them. Without them the CLI draws any nine digits for a BSN, which a conformant
block rightly refuses, so both sides would not be testing the same spec."""

from __future__ import annotations

from conformance.engine.generation.formats import register_formats

register_formats()

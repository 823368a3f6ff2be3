"""The generic GDI profile the engine checks a spec against when no building block is named.

The profile model and its validation are the spec layer's (``conformance.spec.profile``); this
module only ships the generic profile, ``data/generic-profile.yaml`` (requirement ids GDI-GEN-0xx).
"""

from __future__ import annotations

from importlib import resources

from conformance.spec.profile import Profile, read_profile

GENERIC_PROFILE = "data/generic-profile.yaml"


def generic_profile() -> Profile:
    """The generic GDI profile, checked like any other (a broken one is a ProfileError)."""
    text = resources.files("conformance.engine").joinpath(GENERIC_PROFILE).read_text("utf-8")
    return read_profile(text, "generic-profile.yaml")

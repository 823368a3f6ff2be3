"""The scopes this identity block issues, and the resource (audience) each one is for."""

from __future__ import annotations

OPENID = "openid"

# A token's ``aud`` lists the resource identifier of every requested scope; ``openid`` makes
# the token usable at this provider's own userinfo endpoint, so it adds the issuer.
RESOURCE_OF_SCOPE: dict[str, str] = {
    "messaging:send": "urn:nld:gdi:messaging",
    "messaging:read": "urn:nld:gdi:messaging",
    "messaging:subscribe": "urn:nld:gdi:messaging",
    "registries:read": "urn:nld:gdi:registries",
    "registries:declare": "urn:nld:gdi:registries",
    "registries:search": "urn:nld:gdi:registries",
    # A purpose (doelbinding) the register checks before it lets an organisation search;
    # granted only to the organisations registered for it.
    "doelbinding:burgerzaken": "urn:nld:gdi:registries",
}

KNOWN_SCOPES: frozenset[str] = frozenset({OPENID, *RESOURCE_OF_SCOPE})


def audiences(scopes: list[str], issuer: str) -> list[str]:
    """The ``aud`` of an access token for these scopes, in a stable order."""
    result: list[str] = []
    for scope in scopes:
        audience = issuer if scope == OPENID else RESOURCE_OF_SCOPE[scope]
        if audience not in result:
            result.append(audience)
    return result

"""Behaviour checks of the identity building block (``bb:identity:*``, profile GDI-IDN).

They judge any OAuth 2.0 / OpenID Connect provider by the standards and the NL GOV profiles,
acting as the harness's test clients (``clients``) and logging the synthetic test citizen in
through a pluggable login driver (``conformance.client.login``). Where the standards
allow a choice (the token endpoint or the issuer as assertion audience, the wording of an
error_description, which of two applicable error codes), every allowed answer passes.
"""

from conformance.client.harness_clients import TestClient, TestClients, load_test_clients
from conformance.engine.behaviour.identity import (  # noqa: F401  (registers the checks)
    client_auth,
    discovery,
    grants,
    introspection,
    tokens,
)
from conformance.engine.behaviour.identity.registration import IDENTITY_CHECKS, identity_check

__all__ = ["IDENTITY_CHECKS", "TestClient", "TestClients", "identity_check", "load_test_clients"]

"""Behaviour checks of the identity building block (``bb:identity:*``, profile GDI-IDN).

They judge any OAuth 2.0 / OpenID Connect provider by the standards and the NL GOV profiles,
acting as the harness's test clients (``conformance.client.harness_clients``) and logging the
synthetic test citizen in through a pluggable login driver (``conformance.client.login``).
Where the standards allow a choice (the token endpoint or the issuer as assertion audience,
the wording of an error_description, which of two applicable error codes), every allowed
answer passes.
"""

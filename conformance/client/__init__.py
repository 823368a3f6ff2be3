"""client layer (see ARCHITECTURE.md): how the harness speaks to a block as a client would.

Credentials per subject (``credentials``, ``other_subjects``), the OAuth client with
private_key_jwt and PKCE (``oauth``), the login drivers that log a test citizen in
(``login``, ``login_form``, ``login_browser``), the harness's registered test clients
(``harness_clients``), the receiver of callbacks (``receiver``), a reply as a role received it
(``reply``), the rules of Dutch identifiers a client reads (``identifiers``) and the JOSE
helpers they share (``jose``). Every request goes out through ``conformance.httplimits``.
Nothing here imports the engine, Schemathesis or Hypothesis, so the life events and the
reference blocks' tests can use it on their own.
"""

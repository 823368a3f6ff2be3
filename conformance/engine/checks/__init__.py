"""The engine's own checks (ids declared in ``conformance.engine.catalogue``).

``active`` is how a check sends requests of its own; the rest are checks or their parts: on
every response (``responses``, ``leaks``, ``exchanges``), probes before generation
(``probes``), active scenarios (``security`` with ``forged_tokens`` and ``bola``,
``availability``, ``pagination`` with ``creation``, ``sensitive_uris``) and the spec's own
lint inside a run (``static``).
"""

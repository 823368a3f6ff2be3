"""engine layer (see ARCHITECTURE.md): dynamic conformance checks against a running API.

``conformance.engine.running.runner.run(RunConfig(...)) -> RunReport`` is the whole engine: active
probes, Schemathesis's phases with its checks and ours, and the assessment of every
requirement of the profile. The sub-packages are its parts: ``checks`` (our own checks),
``behaviour`` (the building blocks' behaviour checks), ``verdict`` (preconditions, evidence,
assessment), ``openapi`` (what the engine reads from the spec under test) and ``generation``
(what Schemathesis and Hypothesis generate). ``catalogue`` declares every check; importing
this package registers none.
"""

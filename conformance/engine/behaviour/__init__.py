"""Building-block behaviour checks (``bb:<block>:<name>``), registered as active checks.

One module per concern of a block; each check proves what a profile requirement demands of
the block's behaviour, beyond what its spec can express: query semantics, life events,
idempotency, object-level authorisation, notifications. Checks act as several roles
(``roles``), draw their inputs with Hypothesis seeded by the run (``explore``), and record
every exchange that shows a failure as evidence. The engine runs the ones a profile names;
the modules that hold them are listed in ``conformance.engine.catalogue.CHECK_MODULES``.
"""

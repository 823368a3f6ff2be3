"""The Schemathesis integration of the engine: its phases, transport, event stream and shards.

Every reliance on what Schemathesis or Hypothesis do not publish is in ``internals``. Nothing is
imported here, so that a module may use one part without loading the others.
"""

"""One conformance run, in its parts: stop control and budget, reachability, the target as the
run sees it, the probes, assessment and report assembly; ``runner.run`` puts them in order.
Schemathesis's phases are in ``conformance.engine.fuzzing``. Nothing is imported here, so that
a part may be used without loading the others.
"""

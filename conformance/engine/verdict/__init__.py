"""From exchanges to verdicts: when an exchange is evidence for a check (``facts``), the
redacted evidence of one (``evidence``) and the outcome of every check and requirement
(``assess``)."""

"""Why a run could not start: raised before any test request is sent."""


class TargetUnreachable(Exception):
    """The target does not answer at all; nothing was tested."""


class RunSetupError(Exception):
    """The run cannot start (unusable spec for Schemathesis, credentials, base URL)."""

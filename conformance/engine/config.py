"""What one run is asked to do: ``RunConfig``, immutable once made.

The entry points (the command line, the pytest plugin) build it from their parsed options; the
engine reads it and never changes it, so a config can be handed to a second run (the report of
an unreachable target) and means the same there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conformance.client.credentials import Subjects
from conformance.engine.fuzzing.collector import TESTING_PHASES
from conformance.engine.fuzzing.sharding import Shard
from conformance.results import ProductInfo
from conformance.spec import LoadedSpec
from conformance.spec.profile import Profile
from conformance.spec.vendor import VendorConfig

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_REQUEST_TIMEOUT = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RunConfig:
    spec: LoadedSpec
    base_url: str
    profile: Profile | None = None  # None: the generic GDI profile
    subjects: Subjects = field(default_factory=Subjects)
    seed: int | None = None  # None: a random seed, recorded in the report
    max_examples: int = DEFAULT_MAX_EXAMPLES
    max_time: float | None = None  # seconds for the whole run; None: no limit
    # Schemathesis's worker threads within this one process (the command line's --threads).
    threads: int = 1
    # How many shard processes the whole run is split into (--workers); a shard's own run is
    # one of them. Recorded in the report's budget; this process runs only its part.
    processes: int = 1
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    phases: tuple[str, ...] = TESTING_PHASES
    hypothesis_dir: Path | None = None  # None: the user's cache (see hypothesis_cache_dir)
    spec_label: str | None = None  # how the report names the spec (default: a portable label)
    product: ProductInfo | None = None  # whose implementation is tested, as its vendor names it
    shard: Shard | None = None  # test only this part of the API (see sharding)
    # Crash the implementation and start it again (see ActiveContext.restart); None: no way to.
    restart: Callable[[], None] | None = None
    # How the identity checks log test citizens in (see behaviour.login): test-login,
    # module:callable or an entry point name; None: the environment's choice, else test-login.
    login_driver: str | None = None
    # The vendor file: test clients, test users and login for the identity checks (see
    # conformance.spec.vendor); None: the harness's own set-up.
    vendor: VendorConfig | None = None
    # When max_time began to run (time.monotonic()); None: when run() is called. The command
    # line starts it with the process, so that loading a large spec counts too.
    budget_started: float | None = None

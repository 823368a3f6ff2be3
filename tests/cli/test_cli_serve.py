"""``gdi-conformance serve``: what it says when the test login is off."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from conformance.cli.serve import TEST_LOGIN_OFF


@pytest.mark.slow
@pytest.mark.parametrize(("flags", "said"), [((), True), (("--enable-test-login",), False)])
def test_serve_all_says_how_to_turn_the_test_login_on(flags: tuple[str, ...], said: bool) -> None:
    command = [sys.executable, "-m", "conformance", "serve", "all", *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # a block is ready: the notice, if any, came before
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert first.startswith(("identity http", "messaging http", "registries http")), first + err
    assert (TEST_LOGIN_OFF in err) is said, err
    if said:
        assert "--enable-test-login" in err

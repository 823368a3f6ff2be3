"""Crash a block (SIGKILL) and start it again: the restart command of the durability tests.

    python crash_restart.py PIDFILE LOGFILE PORT SERVER-ARGV...

Kills the process named in PIDFILE (if any), waits until its PORT is free, starts SERVER-ARGV
in a session of its own (so it outlives this command) with its output in LOGFILE, and writes
its pid to PIDFILE. The harness then waits until the block answers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main(argv: list[str]) -> int:
    pidfile, logfile, port, *server = argv
    if Path(pidfile).exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(Path(pidfile).read_text()), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while port_in_use(int(port)) and time.monotonic() < deadline:
            time.sleep(0.05)
    with open(logfile, "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            server, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    Path(pidfile).write_text(str(process.pid))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

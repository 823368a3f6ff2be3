"""A free TCP port on loopback, for a server a test starts with an explicit port."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick); a server may still lose it to another
    process before it binds, so prefer port 0 where the server can report what it got."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

"""Where the web chat (ui.py) listens: its host and port checked before the model loads (a mistake is said at
once, not after about 20 s in a Gradio traceback), and a clean stop on SIGTERM."""
from __future__ import annotations

import argparse
import ipaddress
import signal
import socket
import sys


def port_number(value: str) -> int:
    """A port to listen on, 1-65535: 0 (any free port) would be announced as ":0" and never reached."""
    if value.strip().isdecimal() and 1 <= int(value) <= 65535:
        return int(value)
    raise argparse.ArgumentTypeError(f"invalid port {value!r} (--port or GRADIO_SERVER_PORT): give a number "
                                     "from 1 to 65535")


def url_host(value: str) -> str:
    """The host as Gradio puts it in its URL: an IPv6 address in brackets (it failed to parse "http://::1:7860")."""
    try:
        return f"[{value}]" if ipaddress.ip_address(value).version == 6 else value
    except ValueError:  # a name
        return value


def cannot_listen(host: str, port: int) -> str | None:
    """Why a server could not listen on host:port (None if it can), bound as the server binds (reusing a port
    whose old connections are closing)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(address)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def stop_cleanly_on_sigterm() -> None:
    """`kill`, systemd and docker stop a server with SIGTERM, which by default ends Python without cleanup:
    the sessions' uploaded documents would stay in /tmp. As SystemExit, their temporary folders are removed."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

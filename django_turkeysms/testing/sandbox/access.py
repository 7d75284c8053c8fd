"""Who may use the control endpoints and the inbox.

The provider API answers any ``Host``, as the real one does. The rest is for the
developer's own tools, and a web page the developer visits must not reach it:

* ``Host`` must be a loopback name, the address the sandbox listens on, or a
  host the operator allowed: a DNS-rebinding page sends its own name.
* A control request carrying ``Origin`` must come from the sandbox's own origin:
  browsers send ``Origin`` with every cross-origin POST, forms included.
* Control requests that change something (POST, DELETE) must be
  ``application/json``, which a page can only send cross-origin after a CORS
  preflight, and the sandbox approves none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django_turkeysms.testing.sandbox.httpio import Reply, Request
from django_turkeysms.testing.sandbox.wire import JSON_TYPE

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
JSON_MEDIA_TYPE = "application/json"
CHANGING_METHODS = frozenset({"POST", "DELETE"})


def host_name(value: str) -> str:
    """The name in a ``Host`` value: no port, no brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    if value.count(":") > 1:  # a bare IPv6 address, as an operator may write it
        return value
    return value.partition(":")[0].rstrip(".")


def allowed_hosts(listen_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Loopback names, the address listened on, and the operator's ``extra``."""
    names = {host_name(name) for name in (listen_host, *extra)}
    return LOOPBACK_HOSTS | (names - {""})


def _refused(status: int, reason: str) -> Reply:
    body = json.dumps({"error": reason}).encode()
    return Reply(status, body, JSON_TYPE)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def refusal(request: Request, *, hosts: frozenset[str], control: bool) -> Reply | None:
    """The answer refusing ``request``, or None when it may be served."""
    host = request.headers.get("host", "")
    if host_name(host) not in hosts:
        return _refused(
            403,
            f"Host {host!r} may not use the sandbox's control endpoints or inbox; "
            f"allowed: {', '.join(sorted(hosts))}. Add a name with --allowed-host "
            "(Sandbox(allowed_hosts=[…]) in Python).",
        )
    if not control:
        return None
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() != f"http://{host}".lower():
        return _refused(
            403,
            f"Cross-origin request refused (Origin {origin!r}): call the control "
            "endpoints from a script or the command line, not from a web page.",
        )
    if request.method in CHANGING_METHODS and _media_type(request) != JSON_MEDIA_TYPE:
        return _refused(
            415,
            "The control endpoints accept application/json only: send "
            "Content-Type: application/json (an empty body may be {}).",
        )
    return None

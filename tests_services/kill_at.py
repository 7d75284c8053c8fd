"""A delivery process that kills itself with SIGKILL at a chosen point.

``python -m tests_services.kill_at POINT ID [ID …]`` with the service settings;
POINT is one of ``POINTS``. Used by ``test_fault_kills.py``: a crash can only
be proven with a process that really dies.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

POINTS = ("before_claim", "after_claim", "after_provider_call", "after_status_write")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def then_die(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        die()
        return result

    return wrapper


def die_instead(*args: Any, **kwargs: Any) -> Any:
    die()


def main(point: str, ids: list[int]) -> None:
    import django

    django.setup()
    from django_turkeysms import delivery

    if point == "before_claim":
        die()
    elif point == "after_claim":
        delivery._transmit = die_instead
    elif point == "after_provider_call":
        delivery._transmit = then_die(delivery._transmit)
    elif point == "after_status_write":
        delivery._record = then_die(delivery._record)
    else:
        raise SystemExit(f"unknown point {point!r}; known: {', '.join(POINTS)}")
    delivery.deliver(ids)
    raise SystemExit("not killed")


if __name__ == "__main__":
    main(sys.argv[1], [int(value) for value in sys.argv[2:]])

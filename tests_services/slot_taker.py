"""A process that takes slots of one paced backend and prints when they are.

``python -m tests_services.slot_taker ALIAS RATE COUNT`` with the service
settings: waits for the start signal on standard input, takes COUNT slots
(reserving, never sleeping) and prints each slot's time on this machine's clock
as one JSON list. Used by ``test_pacing.py``: atomicity across processes can only
be shown with processes.
"""

from __future__ import annotations

import json
import sys
import time

import django

from django_turkeysms import pacing
from django_turkeysms.backends.locmem import SmsBackend


def main(alias: str, rate: str, count: int) -> None:
    django.setup()
    backend = SmsBackend(alias=alias, rate=rate)
    bucket, key = pacing.schedule(backend)
    assert backend.rate is not None
    sys.stdin.readline()  # start together
    slots = []
    for _ in range(count):
        wait, reserved = bucket.take(key, backend.rate.interval, 1e9)
        assert reserved
        slots.append(time.time() + wait)
    print(json.dumps(slots))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))

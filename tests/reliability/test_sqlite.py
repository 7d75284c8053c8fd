"""No server errors on SQLite, Django's default database (issue 13, finding 8).

With ``startproject``'s SQLite settings and the default background delivery, a
code check used to fail with "database is locked" when it overlapped the delivery
thread's write, and parallel checks of one code answered 500. The load runs in a
child process on a SQLite file (tests/reliability/sqlite_load.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests import figures
from tests.conftest import ROOT

USERS = figures.runs(ci=20, long=60)


def test_many_logins_at_once_and_one_code_in_many_tabs(tmp_path):
    env = {**os.environ, "TURKEYSMS_SQLITE_FILE": str(tmp_path / "db.sqlite3")}
    result = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "tests.reliability.sqlite_load", str(USERS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    statuses = json.loads(result.stdout.splitlines()[-1])
    tabs = {key: n for key, n in statuses.items() if key.startswith("tab ")}
    assert {key: n for key, n in statuses.items() if key not in tabs} == {
        "ask 302": USERS,
        "check 302 logged in": USERS,
    }, result.stderr[-3000:]
    # One tab logs in; the others are refused, or start over once the winner's
    # login has replaced the session they share.
    assert tabs.pop("tab 302 logged in") == 1
    assert set(tabs) <= {"tab 400", "tab 302 start over"}
    assert sum(tabs.values()) == 9
    figures.note(
        "SQLite (default OPTIONS, background delivery)",
        f"{USERS} users asking and checking codes at once, and one code sent "
        f"from 10 tabs together: 0 server errors",
    )

"""``/inbox``: an HTML page of the messages the sandbox accepted, newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from django_turkeysms.sandbox.httpio import Reply, Request
from django_turkeysms.sandbox.state import SentMessage, State, now_in_istanbul
from django_turkeysms.sandbox.wire import HTML_TYPE

Handler = Callable[[State, Request], Reply]
LIMIT = 200

HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="3">
<title>TurkeySMS sandbox inbox</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left;
         vertical-align: top; }
td.text { white-space: pre-wrap; font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>TurkeySMS sandbox inbox</h1>
"""
TABLE_HEAD = (
    "<table>\n<thead><tr><th>Time</th><th>Number</th><th>Sender</th><th>Text</th>"
    "<th>Segments</th><th>Status</th></tr></thead>\n<tbody>\n"
)


def _row(message: SentMessage, now: datetime, delay: float) -> str:
    cells = (
        message.created.strftime("%Y-%m-%d %H:%M:%S"),
        message.number,
        message.sender,
        message.text,
        str(message.segments),
        message.status(now, delay),
    )
    tds = [f"<td>{escape(cell)}</td>" for cell in cells]
    tds[3] = f'<td class="text">{escape(message.text)}</td>'
    return "<tr>" + "".join(tds) + "</tr>\n"


def render_inbox(messages: list[SentMessage], delay: float) -> str:
    """The whole page; only the latest ``LIMIT`` messages are listed."""
    if not messages:
        return HEAD + "<p>No messages yet</p>\n</body>\n</html>\n"
    now = now_in_istanbul()
    latest = messages[: -LIMIT - 1 : -1]
    rows = "".join(_row(message, now, delay) for message in latest)
    note = f"<p>Showing the latest {len(latest)} of {len(messages)} messages.</p>\n"
    return HEAD + note + TABLE_HEAD + rows + "</tbody>\n</table>\n</body>\n</html>\n"


def show_inbox(state: State, request: Request) -> Reply:
    page = render_inbox(state.snapshot(), state.delivery_delay)
    return Reply(body=page.encode(), content_type=HTML_TYPE)


ROUTES: dict[str, dict[str, Handler]] = {
    "/": {"GET": show_inbox},
    "/inbox": {"GET": show_inbox},
}

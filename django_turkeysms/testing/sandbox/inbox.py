"""``/inbox``: an HTML page of the messages the sandbox accepted, newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from django_turkeysms.testing.sandbox.httpio import Reply, Request
from django_turkeysms.testing.sandbox.state import SentMessage, State, now_in_istanbul
from django_turkeysms.testing.sandbox.wire import HTML_TYPE

Handler = Callable[[State, Request], Reply]
LIMIT = 200

# An inline icon (a speech bubble): the page loads nothing, not even a favicon.
ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg' "
    "viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%23264b5d'/%3E"
    "%3Cpath d='M8 8h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-9"
    "a2 2 0 0 1 2-2z' fill='%23fff'/%3E%3C/svg%3E"
)
HEAD = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="3">
<link rel="icon" type="image/svg+xml" href="{ICON}">
<title>TurkeySMS sandbox inbox</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
h1 {{ font-size: 1.75rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left;
         vertical-align: top; }}
td.time {{ white-space: nowrap; }}
td.text {{ white-space: pre-wrap; font-family: ui-monospace, monospace; }}
/* A phone: one card per message, each value under its column's name. */
@media (max-width: 40rem) {{
  body {{ margin: 1rem; }}
  thead {{ display: none; }}
  tr {{ display: block; border-bottom: 1px solid #ddd; padding: .5rem 0; }}
  td {{ display: flex; gap: .75rem; border: 0; padding: .1rem 0; }}
  td::before {{ content: attr(data-label); flex: 0 0 5.5rem; color: #666; }}
}}
</style>
</head>
<body>
<h1>TurkeySMS sandbox inbox</h1>
"""
COLUMNS = ("Time", "Number", "Sender", "Text", "Segments", "Status")
TABLE_HEAD = (
    "<table>\n<thead><tr>"
    + "".join(f"<th>{name}</th>" for name in COLUMNS)
    + "</tr></thead>\n<tbody>\n"
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
    classes = ("time", "", "", "text", "", "")
    tds = [
        f"<td{f' class={kind!r}' if kind else ''} data-label={name!r}>{escape(cell)}</td>"
        for name, kind, cell in zip(COLUMNS, classes, cells, strict=True)
    ]
    return "<tr>" + "".join(tds) + "</tr>\n"


def render_inbox(messages: list[SentMessage], delay: float) -> str:
    """The whole page; only the latest ``LIMIT`` messages are listed."""
    if not messages:
        return HEAD + "<p>No messages yet</p>\n</body>\n</html>\n"
    now = now_in_istanbul()
    latest = messages[: -LIMIT - 1 : -1]
    rows = "".join(_row(message, now, delay) for message in latest)
    note = f"<p>{_count(latest, messages)}</p>\n"
    return HEAD + note + TABLE_HEAD + rows + "</tbody>\n</table>\n</body>\n</html>\n"


def _count(shown: list[SentMessage], messages: list[SentMessage]) -> str:
    noun = "message" if len(messages) == 1 else "messages"
    if len(shown) == len(messages):
        return f"{len(messages)} {noun}, newest first."
    return f"The latest {len(shown)} of {len(messages)} {noun}, newest first."


def show_inbox(state: State, request: Request) -> Reply:
    page = render_inbox(state.snapshot(), state.delivery_delay)
    return Reply(body=page.encode(), content_type=HTML_TYPE)


ROUTES: dict[str, dict[str, Handler]] = {
    "/": {"GET": show_inbox},
    "/inbox": {"GET": show_inbox},
}

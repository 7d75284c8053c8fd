"""Routing, request parameters and fault handling around the provider endpoints."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import parse_qsl

from django_turkeysms.testing.sandbox import access, control, inbox
from django_turkeysms.testing.sandbox.api import ENDPOINTS, Endpoint, Params
from django_turkeysms.testing.sandbox.faults import (
    EARLY_KINDS,
    RESERVED_FAULTS,
    Fault,
    parse_fault_header,
)
from django_turkeysms.testing.sandbox.httpio import Reply, Request
from django_turkeysms.testing.sandbox.numbers import number_key
from django_turkeysms.testing.sandbox.state import State
from django_turkeysms.testing.sandbox.validation import ApiError
from django_turkeysms.testing.sandbox.wire import (
    HTML_TYPE,
    JSON_TYPE,
    MAINTENANCE_PAGE,
    Fields,
    error_fields,
    error_page,
    render_json,
    render_print_r,
)

Handler = Callable[[State, Request], Reply]

FAULT_HEADER = "x-sandbox-fault"
HUGE_SIZE = 10 * 1024 * 1024
# Faults that force one response format whatever ``response_type`` asked for.
FORCED_FORMATS = {"print_r": "php", "malformed_json": "json", "huge": "json"}


class BadParams(ApiError):
    """TS-1033 for a body with nested values; keeps the fields that were readable."""

    def __init__(self, params: Params) -> None:
        super().__init__("TS-1033")
        self.params = params


def _param(value: object) -> str:
    """A non-string JSON scalar as PHP would see it after a string cast."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def query_params(query: str) -> Params:
    return dict(parse_qsl(query, keep_blank_values=True, errors="replace"))


def json_params(body: bytes) -> Params:
    """A JSON object body (whatever the Content-Type said), else TS-1033."""
    try:
        data = json.loads(body.decode())
    except ValueError:
        raise ApiError("TS-1033") from None
    if not isinstance(data, dict):
        raise ApiError("TS-1033")
    params = {
        name: value if isinstance(value, str) else _param(value)
        for name, value in data.items()
        if not isinstance(value, (list, dict))
    }
    if len(params) < len(data):
        raise BadParams(params)
    return params


def read_params(request: Request, endpoint: Endpoint) -> Params:
    """GET: the query string. POST: the JSON body (plus the query where GET works)."""
    if request.method == "GET":
        return query_params(request.query)
    if "GET" not in endpoint.methods:
        return json_params(request.body)
    params = query_params(request.query)
    if request.body.strip():
        params.update(json_params(request.body))
    return params


def choose_fault(state: State, request: Request, number: str) -> Fault | None:
    """The header's fault, else an injected one, else a reserved number's."""
    header = request.headers.get(FAULT_HEADER)
    if header:
        return parse_fault_header(header)
    key = number_key(number) if number else None
    return state.take_fault(key) or RESERVED_FAULTS.get(key or "")


def early_reply(fault: Fault, request: Request) -> Reply:
    """Answer for faults that skip processing: nothing gets recorded."""
    if fault.kind == "reset_before":
        return Reply(action="reset")
    if fault.kind == "redirect_http":
        host = request.headers.get("host", "localhost")
        location = (("Location", f"http://{host}{request.target}"),)
        return Reply(301, error_page(301), HTML_TYPE, location)
    status = int(fault.kind.removeprefix("http_"))
    headers: tuple[tuple[str, str], ...] = ()
    if status == 429:
        headers = (("Retry-After", str(math.ceil(fault.seconds("seconds")))),)
    return Reply(status, error_page(status), HTML_TYPE, headers)


def render(fields: Fields, *, fmt: str, style: str) -> Reply:
    if fmt == "json":
        return Reply(body=render_json(fields, style), content_type=JSON_TYPE)
    return Reply(body=render_print_r(fields), content_type=HTML_TYPE)


def _pad(reply: Reply) -> Reply:
    """The same JSON object grown to exactly ``HUGE_SIZE`` bytes."""
    start = reply.body[:-1] + b',"padding":"'
    filler = b"x" * (HUGE_SIZE - len(start) - 2)
    return replace(reply, body=start + filler + b'"}')


def shape(reply: Reply, fault: Fault) -> Reply:
    """Apply a fault that happens after the request was processed and recorded."""
    kind = fault.kind
    if kind == "latency":
        return replace(reply, delay=fault.seconds("seconds"))
    if kind == "malformed_json":
        return replace(reply, body=reply.body[: len(reply.body) // 2])
    if kind == "empty":
        return replace(reply, body=b"")
    if kind == "html":
        return replace(reply, body=MAINTENANCE_PAGE, content_type=HTML_TYPE)
    if kind == "reset_after":
        return replace(reply, action="reset")
    if kind == "drip":
        return replace(reply, action="drip", interval=fault.seconds("interval"))
    if kind == "huge":
        return _pad(reply)
    return reply


def call(endpoint: Endpoint, state: State, params: Params) -> Fields:
    try:
        return endpoint.handler(state, params)
    except ApiError as error:
        return error_fields(error.code)


def answer(state: State, params: Params, fields: Fields, fault: Fault | None) -> Reply:
    fmt = "json" if params.get("response_type") == "json" else "php"
    style = state.result_style
    if fault is None:
        return render(fields, fmt=fmt, style=style)
    if fault.kind == "result_style":
        style = fault.text("style")
    reply = render(fields, fmt=FORCED_FORMATS.get(fault.kind, fmt), style=style)
    return shape(reply, fault)


def _read_or_fail(
    request: Request, endpoint: Endpoint
) -> tuple[Params, ApiError | None]:
    """The parameters, or what could be read of them and the TS-1033 to answer."""
    try:
        return read_params(request, endpoint), None
    except BadParams as error:
        return error.params, error
    except ApiError as error:
        return {}, error


def serve_api(state: State, request: Request, endpoint: Endpoint) -> Reply:
    params, failure = _read_or_fail(request, endpoint)
    number = params.get(endpoint.number_field or "", "")
    if number:
        state.count_send_request(number)
    try:
        fault = choose_fault(state, request, number)
    except ValueError as error:
        return Reply(400, f"X-Sandbox-Fault: {error}\n".encode())
    if fault is not None and fault.kind in EARLY_KINDS:
        reply = early_reply(fault, request)
    else:
        fields = (
            error_fields(failure.code) if failure else call(endpoint, state, params)
        )
        reply = answer(state, params, fields, fault)
    if state.latency:
        reply = replace(reply, delay=reply.delay + state.latency)
    return reply


def _api_handler(endpoint: Endpoint) -> Handler:
    def handle(state: State, request: Request) -> Reply:
        return serve_api(state, request, endpoint)

    return handle


ROUTES: dict[str, dict[str, Handler]] = {
    **{
        path: dict.fromkeys(endpoint.methods, _api_handler(endpoint))
        for path, endpoint in ENDPOINTS.items()
    },
    **control.ROUTES,
    **inbox.ROUTES,
}


class Application:
    """Turns one HTTP request into one reply; shared by every connection thread.

    ``allowed_hosts`` are the ``Host`` names the control endpoints and the inbox
    answer to (see :mod:`.access`); the provider API answers any.
    """

    def __init__(
        self, state: State, *, allowed_hosts: frozenset[str] = access.LOOPBACK_HOSTS
    ) -> None:
        self.state = state
        self.allowed_hosts = allowed_hosts

    def __call__(self, request: Request) -> Reply:
        self.state.count_request()
        methods = ROUTES.get(request.path)
        if methods is None:
            return Reply(404, error_page(404), HTML_TYPE)
        if request.path not in ENDPOINTS:
            refused = access.refusal(
                request,
                hosts=self.allowed_hosts,
                control=request.path in control.ROUTES,
            )
            if refused is not None:
                return refused
        handler = methods.get(request.method)
        if handler is None:
            allow = (("Allow", ", ".join(methods)),)
            return Reply(405, error_page(405), HTML_TYPE, allow)
        return handler(self.state, request)

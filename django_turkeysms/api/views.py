"""The JSON face of the OTP flows: plain Django views over :mod:`..flows`, the
module the pages use too, so both keep the same limits, session-bound codes,
re-authentication rules and answers for known and unknown numbers.

Requests are JSON objects (``Content-Type: application/json``, at most
:data:`MAX_BODY` bytes) with the fields ``phone``, ``code`` or ``resend``.
Errors are ``{"code": …, "message": …, "retry_after": …}`` with status 400, 403 or
429 (405 for a wrong method). CSRF is checked as on the pages, and a failure
answers in JSON too: browser clients send the ``csrftoken`` cookie's value in the
``X-CSRFToken`` header (``GET csrf/`` hands one out).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie

from django_turkeysms import flows, phone
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.forms import CodeForm, PhoneNumberForm
from django_turkeysms.otp import VerifyResult

#: The largest request body read, in bytes; a phone or a code needs far less.
MAX_BODY = 4096
OPENAPI = Path(__file__).with_name("openapi.json")

#: The error ``code`` of each result of a code check.
RESULT_CODES = {
    VerifyResult.INVALID: "wrong_code",
    VerifyResult.EXPIRED: "code_expired",
    VerifyResult.TOO_MANY_ATTEMPTS: "too_many_attempts",
    VerifyResult.NOT_FOUND: "no_code",
    VerifyResult.LOCKED: "phone_locked",
}
NOT_JSON = gettext_lazy(
    "Send a JSON object of at most 4,096 bytes with Content-Type: application/json."
)


class ApiError(Exception):
    """An answer other than success: its ``code``, message, status and wait."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.status, self.retry_after = status, retry_after

    def response(self) -> JsonResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "retry_after": self.retry_after,
        }
        response = JsonResponse(body, status=self.status)
        if self.retry_after is not None:
            response["Retry-After"] = str(self.retry_after)
        return response


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, answering with the reason instead of a page."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        message = _("CSRF check failed: %(reason)s") % {"reason": reason}
        raise ApiError("csrf_failed", message, status=403)


def _check_csrf(request: HttpRequest) -> None:
    check = _CsrfCheck(lambda request: HttpResponse())
    check.process_request(request)
    check.process_view(request, lambda request: HttpResponse(), (), {})


def _body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, read only when it is small and says it is JSON."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if request.content_type != "application/json" or not length.isdigit():
        raise ApiError("bad_request", str(NOT_JSON))
    if int(length) > MAX_BODY:  # refused before the body is read
        raise ApiError("bad_request", str(NOT_JSON))
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):  # bad JSON or UTF-8; nesting too deep
        raise ApiError("bad_request", str(NOT_JSON)) from None
    if not isinstance(data, dict):
        raise ApiError("bad_request", str(NOT_JSON))
    return data


def _field(
    data: dict[str, Any], form_class: type[forms.Form], name: str, code: str
) -> str:
    """One field of the body, checked by the pages' form (same rules and messages)."""
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(code, _("%(field)s must be a string.") % {"field": name})
    form = form_class(data={name: value or ""})
    if not form.is_valid():
        raise ApiError(code, str(form.errors[name][0]))
    cleaned: str = form.cleaned_data[name]
    return cleaned


def _throttled(error: OtpThrottled) -> ApiError:
    seconds, message = flows.refusal(error)
    return ApiError("throttled", message, status=429, retry_after=seconds)


def _sent(state: dict[str, Any]) -> JsonResponse:
    """The answer to a code sent: the same for every number, known or not."""
    body = {
        "phone": phone.mask(state["phone"]),
        "expires_in": int(conf.OTP_TTL),
        "resend_after": flows.resend_wait(state),
    }
    return JsonResponse(body, status=202)


def _failed(result: VerifyResult) -> ApiError:
    return ApiError(RESULT_CODES[result], result.message)


def _check_recent_login(request: HttpRequest) -> None:
    """Adding or changing a number needs a login within ``OTP_REAUTH_WINDOW``,
    checked at every step, as on the pages."""
    if not request.user.is_authenticated:
        raise ApiError("not_authenticated", _("Log in first."), status=403)
    if not flows.recently_authenticated(request):
        raise ApiError(
            "reauthentication_required",
            _("Confirm it is you before you add or change a phone number."),
            status=403,
        )


def _token(request: HttpRequest, user: Any) -> dict[str, Any]:
    """What ``API_TOKEN_HOOK`` adds to a successful login (a DRF token, a JWT)."""
    path = conf.API_TOKEN_HOOK
    if not path:
        return {}
    hook = import_string(path)  # check E010 reports a path that does not import
    extra: dict[str, Any] = hook(request=request, user=user)
    return extra


@method_decorator(never_cache, name="dispatch")
@method_decorator(csrf_exempt, name="dispatch")  # checked in dispatch, in JSON
class _JsonView(View):
    """POST only; CSRF, the body and errors handled once for every endpoint."""

    http_method_names = ["post"]
    recent_login_required = False

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        try:
            if request.method == "POST":
                _check_csrf(request)
            return super().dispatch(request, *args, **kwargs)
        except ApiError as error:
            return error.response()

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        allowed = ", ".join(
            method.upper() for method in self.http_method_names if hasattr(self, method)
        )
        message = _("Use %(methods)s.") % {"methods": allowed}
        response = ApiError("method_not_allowed", message, status=405).response()
        response["Allow"] = allowed
        return response

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.recent_login_required:
            _check_recent_login(request)
        return self.answer(request, _body(request))

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        raise NotImplementedError


class _StartView(_JsonView):
    """Step 1 of a flow: ``{"phone": …}``."""

    flow: flows.Flow

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        e164 = _field(data, PhoneNumberForm, "phone", "invalid_phone")
        try:
            self.flow.start(request, e164)
        except OtpThrottled as error:
            raise _throttled(error) from None
        return _sent(request.session[self.flow.session_key])


class _ConfirmView(_JsonView):
    """Step 2 of a flow: ``{"code": …}``, or ``{"resend": true}`` for a new code."""

    flow: flows.Flow

    def answer(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        state = self.flow.pending(request)
        if state is None:
            raise ApiError("no_code", _("Ask for a code first."))
        resend = data.get("resend", False)
        if not isinstance(resend, bool):
            raise ApiError("bad_request", _("resend must be true or false."))
        if resend:
            try:
                self.flow.resend(request, state)
            except OtpThrottled as error:
                raise _throttled(error) from None
            return _sent(state)
        code = _field(data, CodeForm, "code", "invalid_code")
        return self.confirm(request, state, code)

    def confirm(
        self, request: HttpRequest, state: dict[str, Any], code: str
    ) -> HttpResponse:
        raise NotImplementedError


class LoginView(_StartView):
    """Ask for a login code."""

    flow = flows.login_flow


class LoginConfirmView(_ConfirmView):
    """Check the login code; a right one logs the session in (a new session key)."""

    flow = flows.login_flow

    def confirm(
        self, request: HttpRequest, state: dict[str, Any], code: str
    ) -> HttpResponse:
        confirmation = flows.confirm_login(request, state, code)
        if not confirmation.ok:
            raise _failed(confirmation.result)
        user = confirmation.user
        return JsonResponse({"user": {"id": str(user.pk)}, **_token(request, user)})


class VerifyPhoneView(_StartView):
    """Ask for a code that proves a number (a recently logged-in user)."""

    flow = flows.verify_flow
    recent_login_required = True


class VerifyPhoneConfirmView(_ConfirmView):
    """Check the code; a right one makes the number the user's."""

    flow = flows.verify_flow
    recent_login_required = True

    def confirm(
        self, request: HttpRequest, state: dict[str, Any], code: str
    ) -> HttpResponse:
        confirmation = flows.confirm_verification(request, state, code)
        if confirmation.taken:
            raise ApiError(
                "phone_taken", _("This number cannot be added to your account.")
            )
        if not confirmation.ok:
            raise _failed(confirmation.result)
        return JsonResponse({"phone": phone.mask(state["phone"])})


class CsrfView(_JsonView):
    """A CSRF token for browser clients, also set as the ``csrftoken`` cookie."""

    http_method_names = ["get"]

    @method_decorator(ensure_csrf_cookie)
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"csrf_token": get_token(request)})


class OpenApiView(_JsonView):
    """The OpenAPI 3.1 description of these endpoints."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(OPENAPI.read_bytes(), content_type="application/json")

"""The bad-input catalogue for the JSON API, as :mod:`.test_bad_inputs` runs it for
the pages: against the sandbox, each case asserts no 500 and no untyped
exception, the status and error ``code`` it expects, the documented error shape,
how many challenges, wrong attempts and successes it caused, and that a refused
input costs no provider call (a malformed one touches no challenge at all).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import connection
from django.http import HttpResponse, HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_turkeysms.flows import LOGIN_SESSION_KEY
from django_turkeysms.models import OtpChallenge
from django_turkeysms.testing.sandbox import Sandbox
from tests.conftest import provider_settings
from tests.reliability.test_bad_inputs import (
    ARABIC_INDIC,
    FULL_WIDTH,
    KNOWN,
    MASKED_NUMBER,
    OTHER,
    UNKNOWN,
    _challenge_counts,
    _outcome,
    _params,
    _passed,
    accounts,  # noqa: F401 (a fixture)
)

LOGIN = reverse("turkeysms_api:login")
LOGIN_CONFIRM = reverse("turkeysms_api:login-confirm")
VERIFY = reverse("turkeysms_api:verify-phone")
VERIFY_CONFIRM = reverse("turkeysms_api:verify-phone-confirm")
CODE = re.compile(r"\b(\d{6})\b")
JSON = "application/json"
ERROR_KEYS = {"code", "message", "retry_after"}


class Api:
    """An app talking to the API (and a second one, for comparisons)."""

    def __init__(self, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sandbox = sandbox
        self.monkeypatch = monkeypatch
        self.client = Client()
        self.twin = Client()

    def send(
        self, url: str, body: Any, *, client: Client | None = None, **extra: Any
    ) -> HttpResponseBase:
        """POST ``body`` as JSON (bytes and str go as they are)."""
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        extra.setdefault("content_type", JSON)
        return (client or self.client).post(url, raw, **extra)

    def login(self, phone: str = KNOWN, **extra: Any) -> HttpResponseBase:
        return self.send(LOGIN, {"phone": phone}, **extra)

    def confirm(self, body: Any, **extra: Any) -> HttpResponseBase:
        return self.send(LOGIN_CONFIRM, body, **extra)

    def code(self, phone: str = KNOWN) -> str:
        texts = [m.text for m in self.sandbox.messages if m.number == phone[1:]]
        match = CODE.search(texts[-1])
        assert match is not None
        return match.group(1)

    def wrong(self, phone: str = KNOWN) -> str:
        return f"{(int(self.code(phone)) + 1) % 10**6:06d}"


def _start(api: Api) -> None:
    assert api.login().status_code == 202


def _start_with_code(value: int) -> Callable[[Api], None]:
    def prepare(api: Api) -> None:
        api.monkeypatch.setattr(secrets, "randbelow", lambda n: value)
        _start(api)

    return prepare


def _start_and_fail(count: int, **extra: Any) -> Callable[[Api], None]:
    def prepare(api: Api) -> None:
        _start(api)
        for _ in range(count):
            assert api.confirm({"code": api.wrong()}, **extra).status_code == 400

    return prepare


def _start_and_expire(api: Api) -> None:
    _start(api)
    OtpChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


def _logged_in(name: str, *, stale: bool = False) -> Callable[[Api], None]:
    def prepare(api: Api) -> None:
        api.client.force_login(get_user_model().objects.get(username=name))
        if stale:
            session = api.client.session
            session["turkeysms_auth_time"] = 0
            session.save()

    return prepare


def _verify_other_accounts_number(api: Api) -> None:
    _logged_in("ali")(api)
    assert api.send(VERIFY, {"phone": OTHER}).status_code == 202


def _strict(api: Api) -> Client:
    """A CSRF-enforcing app holding the flow's session cookie."""
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = api.client.cookies
    return strict


def _not_logged_in(api: Api) -> None:
    assert SESSION_KEY not in api.client.session


def _session_phone_is_unchanged(api: Api) -> None:
    assert api.client.session[LOGIN_SESSION_KEY]["phone"] == KNOWN


def _unknown_twin(api: Api) -> HttpResponseBase:
    return api.login(UNKNOWN, client=api.twin)


@dataclass(frozen=True)
class ApiCase:
    id: str
    attack: Callable[[Api], HttpResponseBase]
    status: int
    code: str | None = None  # the error's code (None: a success)
    says: str = ""  # in the error's message
    prepare: Callable[[Api], object] | None = _start
    rejected: bool = True
    calls: int = 0
    challenges: int = 0
    attempts: int = 0
    verified: int = 0
    untouched: bool = False  # no query on the challenge table at all
    twin: Callable[[Api], HttpResponseBase] | None = None  # must answer alike
    after: Callable[[Api], None] | None = None
    turkeysms: Mapping[str, Any] = field(default_factory=dict)


def body_case(case_id: str, body: Any, **extra: Any) -> ApiCase:
    """A request to ask for a login code that is not a usable JSON object."""
    extra.setdefault("code", "bad_request")
    request = extra.pop("request", {})
    return ApiCase(
        case_id,
        lambda a: a.send(LOGIN, body, **request),
        400,
        prepare=None,
        untouched=True,
        **extra,
    )


def phone_case(case_id: str, phone: Any, says: str) -> ApiCase:
    return ApiCase(
        case_id,
        lambda a: a.send(LOGIN, {"phone": phone}),
        400,
        code="invalid_phone",
        says=says,
        prepare=None,
        untouched=True,
    )


def sent_case(case_id: str, attack: Callable[[Api], HttpResponseBase]) -> ApiCase:
    """An awkward request for a login code that is accepted: one code sent."""
    return ApiCase(
        case_id, attack, 202, prepare=None, rejected=False, calls=1, challenges=1
    )


def code_case(case_id: str, body: Any, code: str, says: str = "") -> ApiCase:
    return ApiCase(
        case_id, lambda a: a.confirm(body), 400, code=code, says=says, untouched=True
    )


def good_code(case_id: str, shape: Callable[[str], str], **extra: Any) -> ApiCase:
    return ApiCase(
        case_id,
        lambda a: a.confirm({"code": shape(a.code())}),
        200,
        rejected=False,
        verified=1,
        **extra,
    )


NOT_JSON = "Send a JSON object"
STRING = "must be a string"
REQUIRED = "This field is required."
FORMAT = "Enter the 6-digit code from the SMS."
INVALID_NUMBER = "Enter a valid mobile number"

API_CASES = [
    # the body: not a small JSON object
    body_case(
        "body-form-encoded",
        "phone=%2B905321234567",
        says=NOT_JSON,
        request={"content_type": "application/x-www-form-urlencoded"},
    ),
    body_case(
        "body-json-as-text-plain",
        {"phone": KNOWN},
        request={"content_type": "text/plain"},
    ),
    body_case("body-empty", b""),
    body_case("body-truncated-json", b'{"phone": "+90532'),
    body_case("body-array", [KNOWN]),
    body_case("body-string", json.dumps(KNOWN)),
    body_case("body-null", b"null"),
    body_case("body-invalid-utf8", b'{"phone": "\xff\xfe"}'),
    body_case("body-nested-2000-deep", b"[" * 2000 + b"]" * 2000),
    body_case("body-over-4kb", {"phone": KNOWN, "pad": "x" * 4_100}),
    # the phone field
    phone_case("phone-missing", None, REQUIRED),
    phone_case("phone-empty", "", REQUIRED),
    phone_case("phone-int", 905321234567, STRING),
    phone_case("phone-list", [KNOWN], STRING),
    phone_case("phone-object", {"number": KNOWN}, STRING),
    phone_case("phone-true", True, STRING),
    phone_case("phone-nan", float("nan"), STRING),
    phone_case("phone-too-short", "12", INVALID_NUMBER),
    phone_case("phone-letters", "05a51234567", INVALID_NUMBER),
    phone_case("phone-premium", "0900 123 45 67", INVALID_NUMBER),
    phone_case("phone-us-outside-policy", "+1 202 555 0100", "cannot be used here"),
    phone_case("phone-nul", "0532123\x004567", "Null characters"),
    phone_case("phone-33-characters", "0" * 33, "at most 32 characters"),
    sent_case("phone-arabic-indic-digits", lambda a: a.login("٠٥٣٢١٢٣٤٥٦٧")),
    sent_case(
        "phone-duplicate-keys-last-wins",
        lambda a: a.send(LOGIN, f'{{"phone": "12", "phone": "{KNOWN}"}}'),
    ),
    # no enumeration: an unknown number answers as a known one, without an SMS
    ApiCase(
        "phone-unknown-like-known",
        lambda a: a.login(KNOWN),
        202,
        prepare=None,
        rejected=False,
        calls=1,
        challenges=2,  # the twin's decoy too
        twin=_unknown_twin,
    ),
    # the code field
    code_case("code-missing", {}, "invalid_code", REQUIRED),
    code_case("code-null", {"code": None}, "invalid_code", REQUIRED),
    code_case("code-int", {"code": 123456}, "invalid_code", STRING),
    code_case("code-5-digits", {"code": "12345"}, "invalid_code", FORMAT),
    code_case("code-letters", {"code": "abcdef"}, "invalid_code", FORMAT),
    code_case("code-superscript", {"code": "¹²³⁴⁵⁶"}, "invalid_code", FORMAT),
    code_case("code-nul", {"code": "12345\x00"}, "invalid_code", "Null characters"),
    code_case("code-65-characters", {"code": "1" * 65}, "invalid_code", "at most 64"),
    code_case("code-10kb", {"code": "1" * 10_240}, "bad_request", NOT_JSON),
    code_case("resend-as-string", {"resend": "yes"}, "bad_request", "true or false"),
    code_case("resend-as-number", {"resend": 1}, "bad_request", "true or false"),
    ApiCase(
        "code-wrong",
        lambda a: a.confirm({"code": a.wrong()}),
        400,
        code="wrong_code",
        attempts=1,
        after=_not_logged_in,
    ),
    ApiCase(
        "code-with-forged-challenge-and-phone",
        lambda a: a.confirm(
            {"code": a.wrong(), "challenge": "' OR 1=1 --", "phone": OTHER}
        ),
        400,
        code="wrong_code",
        attempts=1,
        after=_session_phone_is_unchanged,
    ),
    good_code("code-spaced", lambda c: f"{c[:3]} {c[3:]}"),
    good_code("code-full-width", lambda c: c.translate(FULL_WIDTH)),
    good_code("code-arabic-indic", lambda c: c.translate(ARABIC_INDIC)),
    good_code("code-leading-zero", lambda c: c, prepare=_start_with_code(4321)),
    ApiCase(
        "code-expired",
        lambda a: a.confirm({"code": a.code()}),
        400,
        code="code_expired",
        prepare=_start_and_expire,
        after=_not_logged_in,
    ),
    ApiCase(
        "code-correct-after-5-wrong",
        lambda a: a.confirm({"code": a.code()}),
        400,
        code="too_many_attempts",
        prepare=_start_and_fail(5),
        after=_not_logged_in,
    ),
    ApiCase(
        "code-spoofed-forwarded-for-still-limited",
        lambda a: a.confirm({"code": a.code()}, HTTP_X_FORWARDED_FOR="203.0.113.7"),
        400,
        code="too_many_attempts",
        prepare=_start_and_fail(3, HTTP_X_FORWARDED_FOR="198.51.100.1"),
        untouched=True,
        turkeysms={"OTP_IP_MAX_VERIFIES": 3},
    ),
    ApiCase(
        "code-without-a-started-login",
        lambda a: a.confirm({"code": "123456"}),
        400,
        code="no_code",
        prepare=None,
        untouched=True,
    ),
    ApiCase(
        "resend-inside-the-cooldown",
        lambda a: a.confirm({"resend": True}),
        429,
        code="throttled",
        says="Try again in",
    ),
    # CSRF and methods
    ApiCase(
        "code-without-csrf",
        lambda a: a.confirm({"code": a.code()}, client=_strict(a)),
        403,
        code="csrf_failed",
        untouched=True,
        after=_not_logged_in,
    ),
    ApiCase(
        "code-with-forged-csrf-token",
        lambda a: a.confirm(
            {"code": a.code()}, client=_strict(a), headers={"x-csrftoken": "x" * 64}
        ),
        403,
        code="csrf_failed",
        untouched=True,
    ),
    ApiCase(
        "code-in-a-get-query",
        lambda a: a.client.get(LOGIN_CONFIRM, {"code": a.code()}),
        405,
        code="method_not_allowed",
        untouched=True,
        after=_not_logged_in,
    ),
    ApiCase(
        "code-put",
        lambda a: a.client.put(LOGIN_CONFIRM, {"code": "1"}, content_type=JSON),
        405,
        code="method_not_allowed",
        untouched=True,
    ),
    # verify-phone: a login, a recent one, and a number no other account holds
    ApiCase(
        "verify-anonymous",
        lambda a: a.send(VERIFY, {"phone": UNKNOWN}),
        403,
        code="not_authenticated",
        prepare=None,
        untouched=True,
    ),
    ApiCase(
        "verify-stale-login",
        lambda a: a.send(VERIFY, {"phone": UNKNOWN}),
        403,
        code="reauthentication_required",
        prepare=_logged_in("ali", stale=True),
        untouched=True,
    ),
    ApiCase(
        "verify-number-of-another-account",
        lambda a: a.send(VERIFY_CONFIRM, {"code": a.code(OTHER)}),
        400,
        code="phone_taken",
        prepare=_verify_other_accounts_number,
        verified=1,
    ),
]


def _check_answer(case: ApiCase, response: HttpResponse) -> None:
    assert response.status_code != 500
    assert response.status_code == case.status, response.content[:300]
    assert response["Content-Type"] == JSON
    body = json.loads(response.content)
    if case.code is None:
        return
    assert set(body) == ERROR_KEYS
    assert body["code"] == case.code
    assert case.says in body["message"]
    assert (body["retry_after"] is None) == (case.status != 429)


@pytest.mark.django_db
@pytest.mark.parametrize("case", _params(API_CASES))
def test_api_inputs(
    case: ApiCase,
    settings: Any,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    accounts: None,  # noqa: F811
) -> None:
    settings.TURKEYSMS = {
        **provider_settings(sandbox),
        "OTP_DELIVERY": "inline",
        **case.turkeysms,
    }
    api = Api(sandbox, monkeypatch)
    if case.prepare is not None:
        case.prepare(api)
    counts, calls = _challenge_counts(), sandbox.request_count
    with CaptureQueriesContext(connection) as queries:
        response = _outcome(lambda: case.attack(api), ())
        twin = case.twin(api) if case.twin is not None else None
    assert isinstance(response, HttpResponse)
    calls = sandbox.request_count - calls
    _check_answer(case, response)
    changes = tuple(
        now - then for now, then in zip(_challenge_counts(), counts, strict=True)
    )
    assert changes == (case.challenges, case.attempts, case.verified)
    assert calls == case.calls
    if case.untouched:
        assert not [q for q in queries.captured_queries if "otpchallenge" in q["sql"]]
    if twin is not None:  # alike but for the masked number's own digits
        assert isinstance(twin, HttpResponse)
        looks = [
            (r.status_code, MASKED_NUMBER.sub(b"", r.content), sorted(r.cookies))
            for r in (twin, response)
        ]
        assert looks[0] == looks[1]
    if case.after is not None:
        case.after(api)
    _passed(calls if case.rejected else None)

"""The abuse paths an outside attack found in the OTP flows (issue 13), closed.

Each test names the finding it covers; each fails on the code before the fix.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django_turkeysms import background, limits, otp, phones
from django_turkeysms.encoding import SmsLang
from django_turkeysms.exceptions import PhoneNumberTaken
from django_turkeysms.message import PreparedSms, SmsMessage
from django_turkeysms.models import OtpChallenge, OtpLock, VerifiedPhone
from django_turkeysms.otp import VerifyResult, send_code, verify_code
from django_turkeysms.signals import otp_locked, otp_verified, phone_verified
from django_turkeysms.views import LOGIN_SESSION_KEY
from tests import figures
from tests.test_otp_views import (
    CSRF,
    LOGIN,
    LOGIN_CONFIRM,
    PHONE,
    VERIFY,
    VERIFY_CONFIRM,
)

pytestmark = pytest.mark.django_db

REAUTH = reverse("turkeysms:reauthenticate")


def code_in(outbox, index=-1):
    return re.search(r"\b(\d{6})\b", outbox[index].text).group(1)


def user(name, phone=None, **fields):
    account = get_user_model().objects.create_user(
        name, password="pw-" + name, **fields
    )
    if phone:
        VerifiedPhone.objects.create(user=account, phone=phone)
    return account


@pytest.fixture
def no_cooldown(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}


# -- 1. every counter moves the same for known and unknown numbers --------------------------

NUMBERS = [
    f"+90532123450{n}" for n in range(6)
]  # one prefix; the first is the candidate


def observe(response):
    return (
        response.status_code,
        response.get("Location"),
        CSRF.sub(b"", response.content),
        sorted(response.cookies),
    )


def run_world(steps, *, registered):
    """The answers to ``steps`` in a world where the candidate number is (or is
    not) registered; everything is rolled back afterwards."""
    cache.clear()
    answers = []
    with transaction.atomic():
        if registered:
            user("owner", NUMBERS[0])
        accounts = [user(f"u{n}") for n in range(3)]
        for index, (kind, who, number) in enumerate(steps):
            client = Client(REMOTE_ADDR=f"198.51.100.{index}")
            if kind == "verify":
                client.force_login(accounts[who])
                response = client.post(VERIFY, {"phone": NUMBERS[number]})
            else:
                response = client.post(LOGIN, {"phone": NUMBERS[number]})
            answers.append(observe(response))
        transaction.set_rollback(True)
    return answers


STEP = st.tuples(
    st.sampled_from(["verify", "login"]),
    st.integers(0, 2),
    st.integers(0, len(NUMBERS) - 1),
)


class FrozenClock:
    """The limits' clock, stopped: both worlds see the same windows and waits."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def tight_counters(settings, sms_outbox, monkeypatch):
    monkeypatch.setattr(limits, "time", FrozenClock(limits.time.time()))
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_RESEND_COOLDOWN": 0,
        "OTP_PREFIX_MIN_SENDS": 4,
        "OTP_PREFIX_MIN_VERIFY_RATE": 0.5,
        "OTP_DAILY_BUDGET": 6,
        "OTP_USER_MAX_SENDS": 3,
        "OTP_USER_IP_MAX_SENDS": 3,
    }


@given(steps=st.lists(STEP, min_size=1, max_size=10))
@example(  # the reported attack: prime the prefix through verify-phone, probe on login
    steps=[("verify", 0, 1), ("verify", 1, 2), ("verify", 2, 3), ("login", 0, 0)]
    + [("login", 0, 4)]
)
@example(steps=[("login", 0, 0)] * 6 + [("login", 0, 5)])  # the daily budget
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_no_sequence_of_requests_tells_a_registered_number(tight_counters, steps):
    assert run_world(steps, registered=True) == run_world(steps, registered=False)


# -- 3. locks that end, escalate, and cannot be tripped by one account ----------------------


def fail_until_locked(now):
    """Wrong codes on fresh challenges until the phone locks; the guesses it took."""
    guesses = 0
    while True:
        try:
            challenge = send_code(PHONE, purpose="login", now=now)
        except otp.OtpThrottled as refused:
            assert refused.reason == "locked"
            return guesses
        for _ in range(5):
            guesses += 1
            result = verify_code(
                PHONE, "000000", purpose="login", challenge=challenge.pk, now=now
            )
            if result is VerifyResult.LOCKED:
                return guesses
            assert result is VerifyResult.INVALID


def test_repeated_locks_double_up_to_the_cap(sms_outbox, no_cooldown, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_SENDS": 10**6}
    now = timezone.now()
    lengths = []
    for _ in range(7):
        fail_until_locked(now)
        lock = OtpLock.objects.latest("created_at")
        lengths.append((lock.ends_at - lock.created_at) / timedelta(hours=1))
        now = lock.ends_at + timedelta(seconds=1)
    assert lengths == [1, 2, 4, 8, 16, 24, 24]


def test_a_success_resets_the_escalation(sms_outbox, no_cooldown, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_SENDS": 10**6}
    now = timezone.now()
    fail_until_locked(now)
    now += timedelta(hours=1, seconds=1)
    send_code(PHONE, purpose="login", now=now)
    assert verify_code(PHONE, code_in(sms_outbox), purpose="login", now=now) is (
        VerifyResult.OK
    )
    fail_until_locked(now + timedelta(seconds=1))
    lock = OtpLock.objects.latest("created_at")
    assert (lock.level, lock.ends_at - lock.created_at) == (1, timedelta(hours=1))


def test_an_attacker_gets_at_most_the_bound_in_30_days(
    sms_outbox, no_cooldown, settings
):
    """A tireless attacker on one phone, as fast as the locks allow, for 30 days."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_SENDS": 10**6}
    start = now = timezone.now()
    guesses, per_day = 0, {}
    while now < start + timedelta(days=30):
        taken = fail_until_locked(now)
        guesses += taken
        day = (now - start).days
        per_day[day] = per_day.get(day, 0) + taken
        now = OtpLock.objects.latest("created_at").ends_at + timedelta(seconds=1)
    assert guesses == otp.guess_bound(30) == 680
    assert max(per_day.values()) == otp.guess_bound(1) == 100
    assert guesses <= 1000
    figures.note(
        "brute force: wrong codes one phone takes (defaults)",
        f"at most {otp.guess_bound(1)} in a day and {guesses} in 30 days "
        f"(simulated attacker); success ≤ {guesses / 10**6:.3%} for 6 digits",
    )


def test_codes_checked_elsewhere_count_their_tries_in_advance(
    sms_outbox, no_cooldown, settings
):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_SENDS": 10**6}
    for n in range(6):  # 6 codes × 3 tries = 18 ≤ OTP_MAX_FAILURES (20)
        send_code(PHONE, purpose="signup", code=f"12345{n}", tries=3)
    assert otp.consecutive_failures(PHONE) == 18
    with pytest.raises(otp.OtpThrottled) as refused:  # a 7th could reach 21
        send_code(PHONE, purpose="signup", code="123456", tries=3)
    assert refused.value.reason == "locked"
    assert otp.locked_until(PHONE) is not None
    assert len(sms_outbox) == 6


def test_one_account_cannot_block_a_prefix_or_spend_the_budget(
    client, sms_outbox, no_cooldown
):
    pumper = user("pumper")
    client.force_login(pumper)
    answers = [
        client.post(VERIFY, {"phone": f"+9053212345{n:02d}"}).status_code
        for n in range(25)
    ]
    assert answers == [302] * 10 + [429] * 15  # OTP_USER_MAX_SENDS
    assert limits.prefix_blocked("+905321234500") is None
    assert len(sms_outbox) == 10


def test_one_ip_with_many_accounts_cannot_block_a_prefix(sms_outbox, no_cooldown):
    answers = []
    for n in range(20):
        client = Client(REMOTE_ADDR="203.0.113.7")
        client.force_login(user(f"sock{n}"))
        answers.append(
            client.post(VERIFY, {"phone": f"+9053212345{n:02d}"}).status_code
        )
    assert answers == [302] * 15 + [429] * 5  # OTP_USER_IP_MAX_SENDS
    assert limits.prefix_blocked("+905321234500") is None


def test_locks_prefix_blocks_and_the_budget_are_logged_and_signalled(
    sms_outbox, no_cooldown, settings, caplog, django_capture_on_commit_callbacks
):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_DAILY_BUDGET": 1,
        "OTP_MAX_SENDS": 10**6,
    }
    locks = []
    otp_locked.connect(lambda sender, lock, **kw: locks.append(lock), weak=False)
    caplog.set_level(logging.WARNING, logger="django_turkeysms")
    try:
        with pytest.raises(otp.OtpThrottled):
            send_code("+905421234567", purpose="login")
            send_code("+905421234568", purpose="login")
        settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_DAILY_BUDGET": None}
        with django_capture_on_commit_callbacks(execute=True):
            fail_until_locked(timezone.now())  # the signal waits for the commit
    finally:
        otp_locked.receivers.clear()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("daily OTP budget" in text for text in warnings)
    assert any("+90 532 *** ** 67 locked until" in text for text in warnings)
    assert [str(lock.phone) for lock in locks] == [PHONE]


def test_the_admin_ends_a_lock(admin_client, no_cooldown):
    lock = OtpLock.objects.create(
        phone=PHONE, ends_at=timezone.now() + timedelta(hours=1)
    )
    url = reverse("admin:django_turkeysms_otplock_changelist")
    page = admin_client.get(url)
    assert b"+90 532 *** ** 67" in page.content and b"1234567" not in page.content
    response = admin_client.post(
        url, {"action": "end_locks", "_selected_action": [lock.pk]}, follow=True
    )
    assert b"Unlocked 1 phone number." in response.content
    assert otp.locked_until(PHONE) is None


def test_verified_signal(sms_outbox):
    seen = []
    otp_verified.connect(
        lambda sender, challenge, **kw: seen.append(challenge), weak=False
    )
    try:
        challenge = send_code(PHONE, purpose="verify")
        verify_code(
            PHONE, code_in(sms_outbox), purpose="verify", challenge=challenge.pk
        )
    finally:
        otp_verified.receivers.clear()
    assert [c.pk for c in seen] == [challenge.pk]


# -- 4. re-authentication for any phone, at every step; notifications ----------------------


def stale_login(client, account):
    client.force_login(account)
    session = client.session
    session["turkeysms_auth_time"] = 0
    session.save()


def test_a_first_phone_needs_a_recent_login(client, sms_outbox):
    mehmet = user("mehmet")
    stale_login(client, mehmet)
    response = client.post(VERIFY, {"phone": "0542 123 45 67"})
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTH)
    assert sms_outbox == []
    # The password confirms it is them.
    page = client.post(REAUTH, {"password": "wrong", "next": VERIFY})
    assert page.status_code == 400 and b"not your password" in page.content
    response = client.post(REAUTH, {"password": "pw-mehmet", "next": VERIFY})
    assert response["Location"] == VERIFY
    assert client.post(VERIFY, {"phone": "0542 123 45 67"})["Location"] == (
        VERIFY_CONFIRM
    )


def test_password_confirmations_are_limited(client):
    mehmet = user("mehmet")
    stale_login(client, mehmet)
    statuses = [
        client.post(REAUTH, {"password": "guess"}).status_code for _ in range(12)
    ]
    assert statuses == [400] * 10 + [429] * 2
    assert client.post(REAUTH, {"password": "pw-mehmet"}).status_code == 429


def test_the_window_is_checked_again_at_confirm_and_resend(client, sms_outbox):
    mehmet = user("mehmet")
    client.force_login(mehmet)
    client.post(VERIFY, {"phone": "0542 123 45 67"})
    code = code_in(sms_outbox)
    session = client.session
    session["turkeysms_auth_time"] = 0  # the change is finished days later
    session.save()
    for data in ({"code": code}, {"resend": "1"}):
        response = client.post(VERIFY_CONFIRM, data)
        assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    assert len(sms_outbox) == 1
    assert not VerifiedPhone.objects.exists()


def test_adding_a_phone_is_signalled_and_mailed(client, sms_outbox, mailoutbox):
    mehmet = user("mehmet", email="mehmet@example.com")
    seen = []
    phone_verified.connect(
        lambda sender, user, phone, previous, **kw: seen.append(
            (user, phone, previous)
        ),
        weak=False,
    )
    try:
        client.force_login(mehmet)
        client.post(VERIFY, {"phone": "0542 123 45 67"})
        client.post(VERIFY_CONFIRM, {"code": code_in(sms_outbox)})
    finally:
        phone_verified.receivers.clear()
    assert seen == [(mehmet, "+905421234567", [])]
    [mail] = mailoutbox
    assert mail.subject == "A phone number was added to your account"
    assert "+90 542 *** ** 67" in mail.body and "1234567" not in mail.body


# -- 5. a code is bound to the session that asked for it -----------------------------------


def test_an_old_session_cannot_burn_the_tries_of_a_new_code(sms_outbox, no_cooldown):
    user("ayse", PHONE)
    stale, fresh = Client(), Client()
    stale.post(LOGIN, {"phone": PHONE})
    fresh.post(LOGIN, {"phone": PHONE})
    for _ in range(5):
        stale.post(LOGIN_CONFIRM, {"code": "000000"})
    challenge = OtpChallenge.objects.latest("created_at")
    assert challenge.attempts == 0
    response = fresh.post(LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 302


def test_a_code_typed_into_another_session_does_not_log_it_in(sms_outbox, no_cooldown):
    user("ayse", PHONE)
    attacker, victim = Client(), Client()
    attacker.post(LOGIN, {"phone": PHONE})
    victim.post(LOGIN, {"phone": PHONE})
    response = attacker.post(LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 400
    assert "_auth_user_id" not in attacker.session
    assert victim.post(LOGIN_CONFIRM, {"code": code_in(sms_outbox)}).status_code == 302


def test_a_session_from_before_the_binding_starts_over(client):
    session = client.session
    session[LOGIN_SESSION_KEY] = {"phone": PHONE, "sent_at": 0}
    session.save()
    assert client.get(LOGIN_CONFIRM)["Location"] == LOGIN


def test_verify_code_checks_only_the_given_challenge(sms_outbox, no_cooldown):
    first = send_code(PHONE, purpose="verify")
    send_code("+905421234567", purpose="verify")
    code = code_in(sms_outbox, 0)
    assert verify_code(PHONE, code, purpose="verify", challenge="junk") is (
        VerifyResult.NOT_FOUND
    )
    assert verify_code(PHONE, code, purpose="verify", challenge=first.pk) is (
        VerifyResult.OK
    )


# -- 6. client addresses ------------------------------------------------------------------


def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **meta)


@pytest.mark.parametrize("remote", ["", "unix:/run/gunicorn.sock", "  "])
def test_an_unknown_address_shares_one_bucket(settings, remote, caplog, monkeypatch):
    monkeypatch.setattr(limits, "_warned_unknown", False)
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_IP_MAX_SENDS": 2}
    caplog.set_level(logging.WARNING, logger="django_turkeysms")
    assert limits.client_of(request_from(remote)) == limits.Client(None, "unknown")
    for n in range(2):
        send_code(f"+90532123450{n}", purpose="login", request=request_from(remote))
    with pytest.raises(otp.OtpThrottled) as refused:
        send_code("+905321234509", purpose="login", request=request_from(""))
    assert refused.value.reason == "send-ip"
    assert "shares one OTP rate-limit bucket" in caplog.text


def test_an_ipv4_mapped_proxy_is_trusted(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_TRUSTED_PROXIES": ["10.0.0.0/8"]}
    client = limits.client_of(request_from("::ffff:10.0.0.5", "198.51.100.7"))
    assert client == limits.Client("198.51.100.7", "198.51.100.7")
    assert limits.client_of(request_from("::ffff:203.0.113.9")).ip == "203.0.113.9"


def test_ipv6_clients_are_limited_per_64(settings, sms_outbox, no_cooldown):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_IP_MAX_SENDS": 3}
    for n in range(3):
        send_code(
            f"+90532123450{n}",
            purpose="login",
            request=request_from(f"2001:db8:1:2::{n + 1:x}"),
        )
    with pytest.raises(otp.OtpThrottled):
        send_code(
            "+905321234509",
            purpose="login",
            request=request_from("2001:db8:1:2:ffff::1"),
        )
    send_code("+905321234508", purpose="login", request=request_from("2001:db8:1:3::1"))


# -- 7. secrets at the edges ----------------------------------------------------------------


def test_message_reprs_hold_no_text():
    message = PreparedSms(
        to=PHONE, text="Your code is 482913", sender="S", lang=SmsLang.GSM7, segments=1
    )
    assert "482913" not in repr(message)
    assert "482913" not in repr(SmsMessage("Your code is 482913", PHONE))
    assert repr(otp.generate_code()) == "'[redacted]'"


def test_no_code_in_the_local_variables_of_a_failed_delivery(settings, monkeypatch):
    """What an error tracker that records local variables (Sentry's default) would
    keep of our frames when a backend fails during an OTP delivery."""
    captured = []

    def fail(backend, message):
        frame = sys._getframe()
        while frame is not None:
            if "django_turkeysms" in frame.f_code.co_filename:
                captured.extend(repr(value) for value in frame.f_locals.values())
            frame = frame.f_back
        raise RuntimeError("provider exploded")

    from django_turkeysms.backends.locmem import SmsBackend

    monkeypatch.setattr(SmsBackend, "send", fail)
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 517364)
    send_code(PHONE, purpose="login")
    assert captured
    assert not [value for value in captured if "517364" in value]


def test_the_admin_refuses_lookups_on_the_code_hash(admin_client, sms_outbox):
    send_code(PHONE, purpose="login")
    url = reverse("admin:django_turkeysms_otpchallenge_changelist")
    assert admin_client.get(url).status_code == 200
    for lookup in ("code_hash__startswith", "code_hash", "code_hash__gt"):
        assert admin_client.get(url, {lookup: "a"}).status_code == 400


def test_failed_logins_never_hand_the_code_to_listeners(client, sms_outbox):
    user("ayse", PHONE)
    seen = []
    user_login_failed.connect(
        lambda sender, credentials, **kw: seen.append(credentials), weak=False
    )
    try:
        client.post(LOGIN, {"phone": PHONE})
        client.post(LOGIN_CONFIRM, {"code": "000111"})
    finally:
        user_login_failed.receivers.clear()
    assert seen and "000111" not in repr(seen)


def test_the_old_credential_name_still_works_with_a_warning(sms_outbox):
    from django.contrib.auth import authenticate

    user("ayse", PHONE)
    challenge = send_code(PHONE, purpose="login")
    with pytest.deprecated_call(match="otp_token"):
        found = authenticate(
            None, phone=PHONE, code=code_in(sms_outbox), challenge=challenge.pk
        )
    assert found is not None and found.username == "ayse"


# -- 2. the request path does the same work for known and unknown numbers ------------------


def _shape(sql):
    """A statement without its values: what ran, not with which number."""
    sql = re.sub(r'"s\d+_x\d+"', '"savepoint"', sql)
    return re.sub(r"'[^']*'|\b\d+\b|%s|\?", "?", sql)


def _work(client, phone, cache_calls):
    cache_calls.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(LOGIN, {"phone": phone})
    assert response.status_code == 302
    return [_shape(q["sql"]) for q in queries.captured_queries], list(cache_calls)


def test_a_login_request_does_the_same_work_for_known_and_unknown_numbers(
    settings, monkeypatch
):
    """With background delivery, the log row and the provider call of a known
    number's SMS run after the response: the request itself runs the same
    statements and cache operations as for an unknown number."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_DELIVERY": "background"}
    user("ayse", PHONE)
    calls = []
    real_cache = limits._cache()
    for name in ("add", "incr", "get", "set", "get_many"):
        method = getattr(real_cache, name)
        monkeypatch.setattr(
            real_cache,
            name,
            lambda *a, _m=method, _n=name, **k: calls.append(_n) or _m(*a, **k),
        )
    monkeypatch.setattr(background, "_submit", lambda job: None)  # no SMS here
    known = _work(Client(), PHONE, calls)
    unknown = _work(Client(), "+905421234567", calls)
    assert known == unknown
    assert not [sql for sql in known[0] if "smslog" in sql.lower()]


@pytest.mark.django_db
def test_a_number_is_never_moved_from_another_account_even_an_inactive_one(
    sms_outbox,
):
    """The holder is checked under the row's lock in ``phones.attach``: a check
    before it (which only saw active accounts) could race or miss one."""
    users = get_user_model().objects
    holder = users.create_user("holder", is_active=False)
    VerifiedPhone.objects.create(user=holder, phone="+905321234567")
    other = users.create_user("other")
    with pytest.raises(PhoneNumberTaken):
        phones.attach(other, "+905321234567")
    assert VerifiedPhone.objects.get(phone="+905321234567").user == holder
    assert not VerifiedPhone.objects.filter(user=other).exists()
    assert sms_outbox == []  # nobody was told of a change that did not happen

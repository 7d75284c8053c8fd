"""django-allauth 65 with ``ACCOUNT_ADAPTER = "…integrations.allauth.AccountAdapter"``,
through the test client: login by phone and code, sign-up with a phone, changing
the phone; numbers in VerifiedPhone or in the user's own fields. Nothing of
allauth is mocked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from django_turkeysms import limits, otp
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.flows import AUTH_TIME_SESSION_KEY
from django_turkeysms.integrations.allauth import AccountAdapter, PhoneAdapterMixin
from django_turkeysms.models import (
    REDACTED,
    OtpChallenge,
    OtpLock,
    PendingPhone,
    SmsLog,
    VerifiedPhone,
)

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"
NEW_PHONE = "+905421234567"
REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
SIGNUP = reverse("account_signup")
VERIFY_PHONE = reverse("account_verify_phone")
CHANGE_PHONE = reverse("account_change_phone")


def code_in(outbox, index=-1):
    return re.search(r"\b(\d{6})\b", outbox[index].text).group(1)


def user(name, phone=None, **fields):
    account = get_user_model().objects.create_user(
        name, password=f"pw-{name}", **fields
    )
    if phone:
        VerifiedPhone.objects.create(user=account, phone=phone)
    return account


def password_login(client, name):
    response = client.post(
        reverse("account_login"), {"login": name, "password": f"pw-{name}"}
    )
    assert response.status_code == 302, response.content[:500]


def reauthenticate(client, name):
    """allauth asks for the password again before a number change
    (``ACCOUNT_REAUTHENTICATION_REQUIRED``)."""
    response = client.post(
        reverse("account_reauthenticate"), {"password": f"pw-{name}"}
    )
    assert response.status_code == 302, response.content[:500]


@pytest.fixture
def no_cooldown(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}


def test_the_adapter_is_allauths_with_our_mixin():
    adapter = get_adapter()
    assert isinstance(adapter, AccountAdapter)
    assert isinstance(adapter, PhoneAdapterMixin)
    assert adapter._has_phone_impl  # allauth's own test that phone is implemented


# -- login by phone and code ----------------------------------------------------------


def test_login_by_phone_and_code(client, sms_outbox):
    ayse = user("ayse", PHONE)
    response = client.post(REQUEST_CODE, {"phone": "0532 123 45 67"})
    assert response.status_code == 302 and response["Location"] == CONFIRM_CODE
    [sms] = sms_outbox
    code = code_in(sms_outbox)
    challenge = OtpChallenge.objects.get()
    assert (challenge.purpose, str(challenge.phone)) == (otp.LOGIN, PHONE)
    assert challenge.code_hash == otp.hash_code(challenge.pk, code)
    log = SmsLog.objects.get()
    assert (log.category, log.body) == ("otp", REDACTED)
    response = client.post(CONFIRM_CODE, {"code": code})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == ayse.pk


def test_a_login_by_code_leaves_the_number_as_it_is(client, sms_outbox, mailoutbox):
    """allauth calls set_phone_verified after a login by code: the number is the
    user's already, so nobody is told it changed."""
    ayse = user("ayse", PHONE, email="ayse@example.com")
    verified_at = VerifiedPhone.objects.get().verified_at
    client.post(REQUEST_CODE, {"phone": PHONE})
    client.post(CONFIRM_CODE, {"code": code_in(sms_outbox)})
    assert int(client.session[SESSION_KEY]) == ayse.pk
    assert mailoutbox == [] and len(sms_outbox) == 1
    assert VerifiedPhone.objects.get().verified_at == verified_at


def test_an_unknown_number_gets_the_same_answer_and_no_sms(sms_outbox):
    user("ayse", PHONE)
    known, unknown = Client(), Client()
    answers = [
        known.post(REQUEST_CODE, {"phone": PHONE}),
        unknown.post(REQUEST_CODE, {"phone": NEW_PHONE}),
    ]
    assert [(a.status_code, a["Location"]) for a in answers] == [
        (302, CONFIRM_CODE)
    ] * 2
    assert len(sms_outbox) == 1 and sms_outbox[0].to == PHONE
    # The decoy did the same database work: a challenge with a hash, no SMS.
    decoy = OtpChallenge.objects.get(phone=NEW_PHONE)
    assert decoy.code_hash and decoy.sms_log_id is None
    pages = [c.get(CONFIRM_CODE) for c in (known, unknown)]
    assert [p.status_code for p in pages] == [200, 200]


def test_our_limits_apply_alike_to_known_and_unknown_numbers(sms_outbox):
    user("ayse", PHONE)
    known, unknown = Client(), Client()
    known.post(REQUEST_CODE, {"phone": PHONE})
    unknown.post(REQUEST_CODE, {"phone": NEW_PHONE})
    again = [
        Client().post(REQUEST_CODE, {"phone": PHONE}),
        Client().post(REQUEST_CODE, {"phone": NEW_PHONE}),
    ]
    assert [a.status_code for a in again] == [429, 429]  # the resend cooldown
    assert again[0]["Retry-After"] == again[1]["Retry-After"]
    assert len(sms_outbox) == 1


def test_without_our_forms_allauths_unseen_guesses_count_in_advance(
    sms_outbox, no_cooldown, settings
):
    """Without our forms in ACCOUNT_FORMS (check E015), allauth checks its codes
    itself (3 tries each), so each code counts its tries in advance: the phone
    locks before its wrong codes could pass OTP_MAX_FAILURES (20), after 6 codes
    — for a known number and a decoy alike."""
    settings.ACCOUNT_FORMS = {}
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_SENDS": 10**6}
    user("ayse", PHONE)
    answers = {
        phone: [
            Client().post(REQUEST_CODE, {"phone": phone}).status_code for _ in range(8)
        ]
        for phone in (PHONE, NEW_PHONE)
    }
    assert answers[PHONE] == answers[NEW_PHONE] == [302] * 6 + [429] * 2
    assert otp.locked_until(PHONE) and otp.locked_until(NEW_PHONE)
    assert len(sms_outbox) == 6


def test_with_our_forms_nothing_is_counted_in_advance(sms_outbox):
    user("ayse", PHONE)
    Client().post(REQUEST_CODE, {"phone": PHONE})
    Client().post(REQUEST_CODE, {"phone": NEW_PHONE})
    assert [c.attempts for c in OtpChallenge.objects.all()] == [0, 0]


def restore(client, snapshot):
    """The session as it was: what each of many parallel requests with one
    cookie reads (allauth counts wrong codes in the session, and each of them
    writes back its own count)."""
    session = client.session
    session.clear()
    session.update(snapshot)
    session.save()


def wrong_codes(right, count):
    return [f"{(int(right) + n) % 10**6:06d}" for n in range(1, count + 1)]


def test_our_challenge_judges_login_codes_whatever_the_session_says(
    client, sms_outbox, settings
):
    """Guesses that all start from one session state (parallel requests) get
    OTP_MAX_ATTEMPTS tries between them, counted in the database; the right
    code after them is refused."""
    user("ayse", PHONE)
    client.post(REQUEST_CODE, {"phone": PHONE})
    right = code_in(sms_outbox)
    snapshot = dict(client.session)
    for code in wrong_codes(right, 8):
        restore(client, snapshot)
        assert client.post(CONFIRM_CODE, {"code": code}).status_code == 200
    restore(client, snapshot)
    response = client.post(CONFIRM_CODE, {"code": right})
    assert SESSION_KEY not in client.session
    assert "Too many attempts" in response.content.decode()
    challenge = OtpChallenge.objects.get(phone=PHONE)
    assert challenge.attempts == settings.TURKEYSMS.get("OTP_MAX_ATTEMPTS", 5)
    assert challenge.verified_at is None


def test_our_challenge_judges_phone_verification_codes(client, sms_outbox):
    signup(client, "mehmet", NEW_PHONE)
    right = code_in(sms_outbox)
    snapshot = dict(client.session)
    for code in wrong_codes(right, 8):
        restore(client, snapshot)
        client.post(VERIFY_PHONE, {"code": code})
    restore(client, snapshot)
    client.post(VERIFY_PHONE, {"code": right})
    assert not VerifiedPhone.objects.exists()
    assert OtpChallenge.objects.get(phone=NEW_PHONE).attempts == 5


@pytest.mark.parametrize("number", [PHONE, NEW_PHONE])
def test_wrong_login_codes_lock_the_phone_alike(number, sms_outbox, settings):
    """Wrong codes typed into allauth's page lock the phone as on every other
    face — a registered number and a decoy alike."""
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_MAX_FAILURES": 4,
        "OTP_RESEND_COOLDOWN": 0,
    }
    user("ayse", PHONE)
    answers = []
    for _ in range(2):  # allauth gives up a code after 3 wrong ones
        client = Client()
        client.post(REQUEST_CODE, {"phone": number})
        for _ in range(3):
            answers.append(client.post(CONFIRM_CODE, {"code": "000000"}))
    texts = [a.content.decode() for a in answers if a.status_code == 200]
    assert "Too many wrong codes for this number" in texts[-1]
    assert otp.locked_until(number)
    assert otp.consecutive_failures(number) == 0  # the lock starts the count over
    assert Client().post(REQUEST_CODE, {"phone": number}).status_code == 429


def test_a_code_of_another_kind_counts_nothing_on_the_phone(sms_outbox, settings):
    """Without our forms the adapter's login() records allauth's success on our
    challenge — only for the code of the challenge it sent to this session, on
    the login-code page: a code posted with another login (a TOTP, an e-mail
    code) is not ours, nor is a challenge someone else asked for."""
    settings.ACCOUNT_FORMS = {}
    user("ayse", PHONE)
    Client().post(REQUEST_CODE, {"phone": PHONE})  # anyone may ask one
    response = Client().post(
        reverse("account_login"),
        {"login": "ayse", "password": "pw-ayse", "code": "123456"},
    )
    assert response.status_code == 302
    challenge = OtpChallenge.objects.get()
    assert (challenge.attempts, challenge.verified_at) == (3, None)


@pytest.mark.parametrize("our_forms", [True, False])
def test_a_success_starts_the_count_over(
    client, sms_outbox, no_cooldown, settings, our_forms
):
    if not our_forms:  # the adapter's login() records allauth's success
        settings.ACCOUNT_FORMS = {}
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_SENDS": 10**6}
    user("ayse", PHONE)
    for _ in range(5):
        Client().post(REQUEST_CODE, {"phone": PHONE})
    client.post(REQUEST_CODE, {"phone": PHONE})
    assert client.post(CONFIRM_CODE, {"code": code_in(sms_outbox)}).status_code == 302
    assert otp.consecutive_failures(PHONE) == 0
    assert Client().post(REQUEST_CODE, {"phone": PHONE}).status_code == 302


def test_a_locked_number_gets_no_code(client, sms_outbox):
    user("ayse", PHONE)
    OtpLock.objects.create(phone=PHONE, ends_at=timezone.now() + timedelta(hours=1))
    assert client.post(REQUEST_CODE, {"phone": PHONE}).status_code == 429
    assert sms_outbox == []


def test_national_numbers_are_read_and_bad_ones_refused_with_our_messages(client):
    response = client.post(REQUEST_CODE, {"phone": "12"})
    assert response.status_code == 200
    assert "Enter a valid mobile number" in response.content.decode()
    response = client.post(REQUEST_CODE, {"phone": "+1 202 555 0100"})
    assert "cannot be used here" in response.content.decode()
    assert not OtpChallenge.objects.exists()


# -- sign-up with a phone ----------------------------------------------------------------


def signup(client, name, phone):
    return client.post(
        SIGNUP,
        {
            "username": name,
            "phone": phone,
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )


def test_signup_with_a_phone(client, sms_outbox, settings):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_PREFIX_MIN_SENDS": 2,
        "OTP_PREFIX_MIN_VERIFY_RATE": 0.5,
    }
    response = signup(client, "mehmet", "0542 123 45 67")
    assert response.status_code == 302 and response["Location"] == VERIFY_PHONE
    mehmet = get_user_model().objects.get(username="mehmet")
    assert str(PendingPhone.objects.get(user=mehmet).phone) == NEW_PHONE
    assert get_adapter().get_phone(mehmet) == (NEW_PHONE, False)
    assert get_adapter().get_user_by_phone(NEW_PHONE) is None  # not proven yet
    challenge = OtpChallenge.objects.get()
    assert challenge.purpose == "verify"
    response = client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    assert response.status_code == 302
    assert str(VerifiedPhone.objects.get(user=mehmet).phone) == NEW_PHONE
    assert not PendingPhone.objects.exists()
    assert get_adapter().get_phone(mehmet) == (NEW_PHONE, True)
    challenge.refresh_from_db()
    assert challenge.verified_at is not None  # closed, and counted for the guard:
    response = signup(Client(), "selin", "0542 123 45 68")  # the prefix's 2nd send
    assert response.status_code == 302
    assert limits.prefix_blocked(NEW_PHONE) is None


def test_signup_with_a_taken_number_sends_nothing(client, sms_outbox):
    user("ayse", PHONE)
    response = signup(client, "mallory", "0532 123 45 67")
    assert response.status_code == 302 and response["Location"] == VERIFY_PHONE
    assert sms_outbox == []  # no SMS to a number someone else verified
    decoy = OtpChallenge.objects.get()
    assert (decoy.purpose, decoy.sms_log_id) == ("verify", None)
    assert VerifiedPhone.objects.get(phone=PHONE).user.username == "ayse"


def test_a_wrong_code_at_signup_verifies_nothing(client, sms_outbox):
    signup(client, "mehmet", NEW_PHONE)
    response = client.post(VERIFY_PHONE, {"code": "000000"})
    assert response.status_code == 200
    assert not VerifiedPhone.objects.exists()


# -- changing the phone --------------------------------------------------------------------


def test_changing_the_phone(client, sms_outbox, mailoutbox):
    ayse = user("ayse", PHONE, email="ayse@example.com")
    password_login(client, "ayse")
    reauthenticate(client, "ayse")
    response = client.post(CHANGE_PHONE, {"phone": "0542 123 45 67"})
    assert response.status_code == 302 and response["Location"] == VERIFY_PHONE
    assert sms_outbox[-1].to == NEW_PHONE
    response = client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    assert response.status_code == 302
    assert [str(p.phone) for p in VerifiedPhone.objects.filter(user=ayse)] == [
        NEW_PHONE
    ]
    notice = sms_outbox[-1]  # the old number is told
    assert notice.to == PHONE and "+90 542 *** ** 67" in notice.text
    assert [mail.subject for mail in mailoutbox] == ["Your phone number was changed"]


def stale_login(client, name):
    """Logged in with a password two hours ago (OTP_REAUTH_WINDOW is 300 s)."""
    password_login(client, name)
    session = client.session
    session[AUTH_TIME_SESSION_KEY] = timezone.now().timestamp() - 7200
    session.save()


@pytest.fixture
def allauth_reauth_off(settings):
    """The adapter asks for a recent login itself, whatever allauth's setting."""
    settings.ACCOUNT_REAUTHENTICATION_REQUIRED = False


def test_a_change_from_an_old_session_asks_to_reauthenticate(
    client, sms_outbox, allauth_reauth_off
):
    ayse = user("ayse", PHONE)
    stale_login(client, "ayse")
    response = client.post(CHANGE_PHONE, {"phone": NEW_PHONE})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert sms_outbox == []
    reauthenticate(client, "ayse")
    assert client.post(CHANGE_PHONE, {"phone": NEW_PHONE})["Location"] == VERIFY_PHONE
    client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    assert [str(p.phone) for p in VerifiedPhone.objects.filter(user=ayse)] == [
        NEW_PHONE
    ]


def test_a_recent_login_may_change_the_number(client, sms_outbox, allauth_reauth_off):
    ayse = user("ayse", PHONE)
    password_login(client, "ayse")
    assert client.post(CHANGE_PHONE, {"phone": NEW_PHONE})["Location"] == VERIFY_PHONE
    client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    assert str(VerifiedPhone.objects.get(user=ayse).phone) == NEW_PHONE


def test_a_code_typed_after_the_window_asks_to_reauthenticate(
    client, sms_outbox, allauth_reauth_off
):
    ayse = user("ayse", PHONE)
    password_login(client, "ayse")
    client.post(CHANGE_PHONE, {"phone": NEW_PHONE})
    session = client.session
    session[AUTH_TIME_SESSION_KEY] = timezone.now().timestamp() - 7200
    session.save()
    response = client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert str(VerifiedPhone.objects.get(user=ayse).phone) == PHONE
    # allauth replays the typed code once the password is confirmed.
    response = client.post(response["Location"], {"password": "pw-ayse"}, follow=True)
    assert str(VerifiedPhone.objects.get(user=ayse).phone) == NEW_PHONE


def test_a_number_of_another_account_cannot_be_taken(client, sms_outbox):
    user("ayse", PHONE)
    user("ali", "+905551234567")
    password_login(client, "ali")
    reauthenticate(client, "ali")
    client.post(CHANGE_PHONE, {"phone": PHONE})
    response = client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    assert response.status_code == 200  # allauth says the number is taken
    assert VerifiedPhone.objects.get(phone=PHONE).user.username == "ayse"


# -- numbers in the user's own fields ---------------------------------------------------------


@pytest.fixture
def field_adapter(settings):
    settings.ACCOUNT_ADAPTER = "tests_integrations.adapters.FieldAdapter"


def test_numbers_in_the_users_own_fields(client, sms_outbox, field_adapter):
    signup(client, "zeynep", "0542 123 45 67")
    zeynep = get_user_model().objects.get(username="zeynep")
    assert (zeynep.phone, zeynep.phone_verified) == (NEW_PHONE, False)
    client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    zeynep.refresh_from_db()
    assert (zeynep.phone, zeynep.phone_verified) == (NEW_PHONE, True)
    assert not VerifiedPhone.objects.exists() and not PendingPhone.objects.exists()
    client.logout()
    client.post(REQUEST_CODE, {"phone": NEW_PHONE})
    client.post(CONFIRM_CODE, {"code": code_in(sms_outbox)})
    assert int(client.session[SESSION_KEY]) == zeynep.pk


def test_field_storage_announces_a_changed_number(client, sms_outbox, field_adapter):
    zeynep = user("zeynep", phone_verified=True)
    zeynep.phone = PHONE
    zeynep.save()
    password_login(client, "zeynep")
    reauthenticate(client, "zeynep")
    client.post(CHANGE_PHONE, {"phone": NEW_PHONE})
    client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    zeynep.refresh_from_db()
    assert (zeynep.phone, zeynep.phone_verified) == (NEW_PHONE, True)
    assert sms_outbox[-1].to == PHONE and "changed" in sms_outbox[-1].text


# -- what allauth keeps ---------------------------------------------------------------------


def test_only_allauths_session_holds_the_code(client, sms_outbox):
    """allauth compares against its own copy in the session (documented); our
    tables hold only the hash and ``[redacted]``."""
    user("ayse", PHONE)
    client.post(REQUEST_CODE, {"phone": PHONE})
    code = code_in(sms_outbox)
    with connection.cursor() as cursor:
        for table in ("django_turkeysms_smslog", "django_turkeysms_otpchallenge"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
            assert code not in repr(cursor.fetchall())
    assert code in repr(dict(client.session))


# -- the adapter's edges --------------------------------------------------------------------


def test_a_number_allauth_sets_as_verified(sms_outbox):
    """allauth sets a verified number directly, e.g. from a social login."""
    mehmet = user("mehmet")
    get_adapter().set_phone(mehmet, "0542 123 45 67", True)
    assert get_adapter().get_phone(mehmet) == (NEW_PHONE, True)
    assert get_adapter().get_user_by_phone("not a number") is None


def test_a_number_of_another_account_is_never_moved(sms_outbox):
    user("ayse", PHONE)
    mallory = user("mallory")
    with pytest.raises(PermissionDenied):
        get_adapter().set_phone_verified(mallory, PHONE)
    assert VerifiedPhone.objects.get(phone=PHONE).user.username == "ayse"


def test_a_number_of_an_inactive_account_is_never_moved(client, sms_outbox):
    """allauth's lookup sees active users only, so the number looks free; the
    adapter still refuses to take it from the deactivated account."""
    user("ayse", PHONE, is_active=False)
    user("ali", "+905551234567")
    password_login(client, "ali")
    reauthenticate(client, "ali")
    client.post(CHANGE_PHONE, {"phone": PHONE})
    response = client.post(VERIFY_PHONE, {"code": code_in(sms_outbox)})
    assert response.status_code == 200  # the form says the number is taken
    assert VerifiedPhone.objects.get(phone=PHONE).user.username == "ayse"
    mallory = user("mallory")
    with pytest.raises(PermissionDenied):
        get_adapter().set_phone_verified(mallory, PHONE)
    assert VerifiedPhone.objects.get(phone=PHONE).user.username == "ayse"


def test_outside_a_request_a_refusal_is_raised(sms_outbox):
    """Without a request to answer, the adapter raises the typed refusal."""
    ayse = user("ayse", PHONE)
    adapter = AccountAdapter()
    adapter.request = None
    adapter.send_verification_code_sms(ayse, PHONE, "730150")
    with pytest.raises(OtpThrottled) as refused:
        adapter.send_verification_code_sms(ayse, PHONE, "730151")
    assert refused.value.reason == "cooldown"
    assert len(sms_outbox) == 1


def test_a_stored_number_outside_the_policy_answers_400(rf, settings, sms_outbox):
    ayse = user("ayse")
    PendingPhone.objects.create(user=ayse, phone="+4915112345678")
    adapter = AccountAdapter()
    adapter.request = rf.post("/")
    with pytest.raises(ImmediateHttpResponse) as answer:
        adapter.send_verification_code_sms(ayse, "+4915112345678", "730152")
    assert answer.value.response.status_code == 400
    assert sms_outbox == []


# -- allauth's headless API ------------------------------------------------------------------

HEADLESS = "/_allauth/browser/v1/auth/code"


def test_headless_codes_are_allauths_and_count_in_advance(client, sms_outbox):
    """allauth's headless inputs subclass its own forms (ACCOUNT_FORMS does not
    reach them), so a code sent through the headless API still counts allauth's
    tries in advance towards the phone's lock."""
    user("ayse", PHONE)
    response = client.post(
        f"{HEADLESS}/request", {"phone": PHONE}, content_type="application/json"
    )
    assert response.status_code == 401  # allauth: a login stage is pending
    assert OtpChallenge.objects.get().attempts == 3
    client.post(
        f"{HEADLESS}/confirm",
        {"code": code_in(sms_outbox)},
        content_type="application/json",
    )
    assert int(client.session[SESSION_KEY]) > 0
    # allauth's success closes the challenge: the count in advance ends.
    assert OtpChallenge.objects.get().verified_at is not None
    assert otp.consecutive_failures(PHONE) == 0

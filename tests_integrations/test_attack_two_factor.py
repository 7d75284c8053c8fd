"""Attack: wrong two-factor tokens never reach the per-phone bound.

The gateway (``integrations/two_factor.py``) sends two-factor's token through
``otp.send_code`` without ``tries=``, and two-factor checks the token itself. In
the setup wizard the ``PhoneDevice`` has no id yet, so django-otp's throttle is
not kept either (two-factor: "the throttle is not relevant"). A logged-in account
can therefore guess the token for any number without limit: the phone never
locks (OTP_MAX_FAILURES = 20), and once a guess is right, ``device_saved`` calls
``otp.record_verification()``, which closes the challenge and resets that
number's failure count for every face (pages, API, allauth).

Fixed: the views of ``integrations/two_factor_urls.py`` (included by this
project's URLconf) have the OTP core judge every token against the challenge the
gateway sent. As on every face, a code takes ``OTP_MAX_ATTEMPTS`` wrong tries and
later ones are refused unjudged; each judged miss counts for the phone, which
locks after ``OTP_MAX_FAILURES`` of them, however many SMS they are spread over.

Run: ``.venv/bin/python -m pytest tests_integrations/test_attack_two_factor.py
--ds=tests_integrations.settings -q -p no:cacheprovider``
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import totp
from two_factor.plugins.phonenumber.models import PhoneDevice

from django_turkeysms import otp
from django_turkeysms.conf import conf

pytestmark = pytest.mark.django_db

VICTIM = "+905321234567"
SETUP = reverse("two_factor:setup")


def step(client, current, **fields):
    data = {"setup_view-current_step": current}
    data.update({f"{current}-{name}": value for name, value in fields.items()})
    return client.post(SETUP, data)


def wrong_tokens(key, count):
    """Tokens no drift window of ``key`` accepts right now."""
    probe = PhoneDevice(key=key, number=VICTIM, method="sms")
    wrong = (f"{n:06d}" for n in range(10**6) if not probe.validate_token(n))
    return list(itertools.islice(wrong, count))


def test_setup_wizard_guesses_are_bounded_per_phone(client, sms_outbox):
    attacker = get_user_model().objects.create_user("mallory", password="pw")
    client.force_login(attacker)
    step(client, "welcome")
    step(client, "method", method="sms")
    step(client, "sms", number=VICTIM)  # one SMS to the victim's phone
    key = client.session["wizard_setup_view"]["extra_data"]["keys"]["sms"]

    for token in wrong_tokens(key, 5 * conf.OTP_MAX_FAILURES):
        page = step(client, "validation", token=token)
        assert page.status_code == 200  # the wizard just asks again

    # 100 wrong codes for one phone in a minute: only the code's tries were
    # judged, each counted for the phone, and now not even the token works.
    assert otp.consecutive_failures(VICTIM) == conf.OTP_MAX_ATTEMPTS
    page = step(client, "validation", token=right_token(key))
    assert page.status_code == 200 and not PhoneDevice.objects.exists()


def test_setup_wizard_guesses_lock_the_phone(client, sms_outbox, settings):
    """Asking for new SMS buys more tries, until the phone locks."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}
    client.force_login(get_user_model().objects.create_user("mallory", password="pw"))
    step(client, "welcome")
    step(client, "method", method="sms")
    key = None
    for _ in range(conf.OTP_MAX_SENDS):
        if otp.locked_until(VICTIM) is not None:
            break
        step(client, "sms", number=VICTIM)  # one more SMS to the victim's phone
        key = client.session["wizard_setup_view"]["extra_data"]["keys"]["sms"]
        # "000000" is below the field's minimum: two-factor refuses it unjudged.
        for token in wrong_tokens(key, conf.OTP_MAX_ATTEMPTS + 1)[1:]:
            step(client, "validation", token=token)
    assert otp.locked_until(VICTIM) is not None
    sent = len(sms_outbox)
    assert sent == conf.OTP_MAX_FAILURES // conf.OTP_MAX_ATTEMPTS
    step(client, "sms", number=VICTIM)  # refused: the phone is locked
    page = step(client, "validation", token=right_token(key))
    assert len(sms_outbox) == sent
    assert page.status_code == 200 and not PhoneDevice.objects.exists()
    assert otp.VerifyResult.LOCKED.message in page.content.decode()


def right_token(key):
    """The token two-factor sends now."""
    return f"{totp(bytes.fromhex(key)):06d}"

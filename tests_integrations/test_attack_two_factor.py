"""Attack: wrong two-factor tokens never reach the per-phone bound.

The gateway (``integrations/two_factor.py``) sends two-factor's token through
``otp.send_code`` without ``tries=``, and two-factor checks the token itself. In
the setup wizard the ``PhoneDevice`` has no id yet, so django-otp's throttle is
not kept either (two-factor: "the throttle is not relevant"). A logged-in account
can therefore guess the token for any number without limit: the phone never
locks (OTP_MAX_FAILURES = 20), and once a guess is right, ``device_saved`` calls
``otp.record_verification()``, which closes the challenge and resets that
number's failure count for every face (pages, API, allauth).

Run: ``.venv/bin/python -m pytest tests_integrations/test_attack_two_factor.py
--ds=tests_integrations.settings -q -p no:cacheprovider``
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
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

    # 100 wrong codes for one phone in a minute: far past OTP_MAX_FAILURES (20),
    # the whole daily bound. The phone must be locked by now.
    assert otp.locked_until(VICTIM) is not None, (
        f"{5 * conf.OTP_MAX_FAILURES} wrong two-factor tokens for {VICTIM}; "
        f"the phone is not locked, failures counted: {otp.consecutive_failures(VICTIM)}"
    )

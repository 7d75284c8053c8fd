"""The test settings with every integration installed: django-allauth,
django-two-factor-auth and django-otp with our device, and DRF for the token
hook. A custom user model with phone fields, so the allauth adapter's field
storage is tested as a project would use it."""

from __future__ import annotations

from tests.settings import *  # noqa: F403
from tests.settings import AUTHENTICATION_BACKENDS, INSTALLED_APPS, MIDDLEWARE

ROOT_URLCONF = "tests_integrations.urls"
AUTH_USER_MODEL = "tests_integrations.User"

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "allauth",
    "allauth.account",
    "allauth.headless",
    "django_otp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "two_factor.plugins.phonenumber",
    "django_turkeysms.integrations.django_otp",
    "rest_framework",
    "rest_framework.authtoken",
    "tests_integrations",
]
MIDDLEWARE = [
    *MIDDLEWARE,
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_turkeysms.integrations.middleware.RequestMiddleware",
]
AUTHENTICATION_BACKENDS = [
    *AUTHENTICATION_BACKENDS,
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: log in by phone and a code, sign up with a phone number.
ACCOUNT_ADAPTER = "django_turkeysms.integrations.allauth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone", "username"}
ACCOUNT_SIGNUP_FIELDS = ["phone*", "username*", "password1*", "password2*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 300
ACCOUNT_FORMS = {
    "confirm_login_code": "django_turkeysms.integrations.allauth.ConfirmLoginCodeForm",
    "verify_phone": "django_turkeysms.integrations.allauth.VerifyPhoneForm",
}
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_RATE_LIMITS = False  # the tests count our limits, not allauth's

# django-two-factor-auth: SMS as the second factor.
TWO_FACTOR_SMS_GATEWAY = "django_turkeysms.integrations.two_factor.Gateway"
TWO_FACTOR_PATCH_ADMIN = False

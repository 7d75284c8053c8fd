"""Settings of the example project: the app wired as a project would wire it.

SQLite by default; ``EXAMPLE_DATABASE=postgres`` switches to the local PostgreSQL
(``PGHOST``, ``PGUSER``, ``EXAMPLE_DB_NAME``). SMS go to the local sandbox
(``TURKEYSMS_BASE_URL``, default ``http://127.0.0.1:8765``) unless
``TURKEYSMS_API_KEY`` is set, in which case they go to TurkeySMS.

The integrations are switched on one by one, each with its documented settings:
``EXAMPLE_ALLAUTH=1`` (django-allauth's phone login, at ``/allauth/``),
``EXAMPLE_TWO_FACTOR=1`` (django-two-factor-auth with SMS, at ``/2fa/``),
``EXAMPLE_DJANGO_OTP=1`` (the django-otp device, django-otp's login at
``/otp/login/``). The JSON API is always at ``/api/otp/``.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "example-project-only-not-for-production"
)
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "django_turkeysms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "example_project.wsgi.application"

if os.environ.get("EXAMPLE_DATABASE") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("EXAMPLE_DB_NAME", "turkeysms_example"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("EXAMPLE_SQLITE", str(BASE_DIR / "db.sqlite3")),
        }
    }

AUTHENTICATION_BACKENDS = [
    "django_turkeysms.auth.PhoneOtpBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "turkeysms:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("tr", "Türkçe"), ("ar", "العربية")]
TIME_ZONE = "Europe/Istanbul"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PHONENUMBER_DEFAULT_REGION = "TR"

_API_KEY = os.environ.get("TURKEYSMS_API_KEY")
TURKEYSMS = {
    "BACKENDS": {
        "default": {
            "BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend",
            "OPTIONS": {
                "api_key": _API_KEY or "sandbox-demo-key",
                "sender": os.environ.get("TURKEYSMS_SENDER", "SANDBOX"),
                "base_url": os.environ.get(
                    "TURKEYSMS_BASE_URL",
                    "https://turkeysms.com.tr" if _API_KEY else "http://127.0.0.1:8765",
                ),
            },
        },
    },
    "OTP_BASE_TEMPLATE": "base.html",
    "OTP_DELIVERY": os.environ.get("TURKEYSMS_OTP_DELIVERY", "background"),
    "OTP_WEBOTP_DOMAIN": os.environ.get("TURKEYSMS_WEBOTP_DOMAIN") or None,
}


# -- the integrations, each switched on by an environment variable ------------------


def _switched_on(name: str) -> bool:
    return os.environ.get(name) == "1"


EXAMPLE_ALLAUTH = _switched_on("EXAMPLE_ALLAUTH")
EXAMPLE_TWO_FACTOR = _switched_on("EXAMPLE_TWO_FACTOR")
EXAMPLE_DJANGO_OTP = _switched_on("EXAMPLE_DJANGO_OTP")
REQUEST_MIDDLEWARE = "django_turkeysms.integrations.middleware.RequestMiddleware"

if EXAMPLE_ALLAUTH:  # docs/allauth.md
    INSTALLED_APPS += ["allauth", "allauth.account"]
    MIDDLEWARE += ["allauth.account.middleware.AccountMiddleware"]
    AUTHENTICATION_BACKENDS += ["allauth.account.auth_backends.AuthenticationBackend"]
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

if EXAMPLE_TWO_FACTOR or EXAMPLE_DJANGO_OTP:  # both run on django-otp
    INSTALLED_APPS += ["django_otp"]
    MIDDLEWARE += ["django_otp.middleware.OTPMiddleware", REQUEST_MIDDLEWARE]

if EXAMPLE_TWO_FACTOR:  # docs/two-factor.md
    INSTALLED_APPS += [
        "django_otp.plugins.otp_static",  # two-factor's backup tokens
        "django_otp.plugins.otp_totp",
        "two_factor",
        "two_factor.plugins.phonenumber",
    ]
    TWO_FACTOR_SMS_GATEWAY = "django_turkeysms.integrations.two_factor.Gateway"
    TWO_FACTOR_PATCH_ADMIN = False

if EXAMPLE_DJANGO_OTP:  # docs/django-otp.md
    INSTALLED_APPS += ["django_turkeysms.integrations.django_otp"]

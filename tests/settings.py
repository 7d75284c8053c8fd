"""Settings for the test suite: SQLite in memory, the locmem SMS backend."""

from __future__ import annotations

import os
from typing import Any

import django

SECRET_KEY = "django-turkeysms-tests-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/Istanbul"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
ROOT_URLCONF = "tests.urls"

DATABASES: dict[str, dict[str, Any]] = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}
if os.environ.get("TURKEYSMS_TEST_DB") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "test"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "TEST": {
                "NAME": os.environ.get(
                    "TURKEYSMS_TEST_DB_NAME", "test_django_turkeysms"
                )
            },
        }
    }

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "phonenumber_field",
    "django_turkeysms",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django 6.1's mailers (earlier versions ignore the setting); tests swap in locmem.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PHONENUMBER_DEFAULT_REGION = "TR"

TURKEYSMS: dict[str, Any] = {
    "BACKENDS": {
        "default": {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"},
    },
    "OTP_DELIVERY": "inline",
}
# Tests read the SMS right after the request; W007 is about production timing.
SILENCED_SYSTEM_CHECKS = ["django_turkeysms.W007"]

AUTHENTICATION_BACKENDS = [
    "django_turkeysms.auth.PhoneOtpBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "turkeysms:login"
LOGIN_REDIRECT_URL = "/"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("tr", "Türkçe"), ("ar", "العربية")]
USE_I18N = True

# Django 6 ships the Tasks framework; 5.2 uses the django-tasks backport.
TASKS_MODULE = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
TASKS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"},
}

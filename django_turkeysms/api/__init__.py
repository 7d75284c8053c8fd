"""A JSON API for the OTP flows: ``include("django_turkeysms.api.urls")``."""

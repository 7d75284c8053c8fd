"""conf reads TURKEYSMS live, with defaults."""

from __future__ import annotations

from django_turkeysms.conf import DEFAULTS, conf


def test_defaults_apply_without_the_setting(settings):
    del settings.TURKEYSMS
    assert conf.ASYNC is False
    assert DEFAULTS["MAX_SEGMENTS"] == conf.MAX_SEGMENTS
    assert conf.ALLOWED_COUNTRIES == ["TR"]
    assert conf.BACKENDS["default"]["BACKEND"].endswith("console.SmsBackend")


def test_values_are_read_live(settings):
    settings.TURKEYSMS = {
        "MAX_SEGMENTS": 3,
        "ALLOWED_COUNTRIES": ["tr", "de"],
        "ASYNC": 1,
    }
    assert conf.MAX_SEGMENTS == 3
    assert conf.ALLOWED_COUNTRIES == ["TR", "DE"]
    assert conf.ASYNC is True
    settings.TURKEYSMS = {"MAX_SEGMENTS": 4}
    assert conf.MAX_SEGMENTS == 4


def test_every_setting_has_a_typed_property(settings):
    settings.TURKEYSMS = {}
    for key, default in DEFAULTS.items():
        value = getattr(conf, key)
        assert value == default or (key == "ALLOWED_COUNTRIES" and value == ["TR"])


def test_all_countries(settings):
    settings.TURKEYSMS = {"ALLOWED_COUNTRIES": None}
    assert conf.ALLOWED_COUNTRIES is None


def test_a_non_dict_setting_falls_back_to_defaults(settings):
    settings.TURKEYSMS = "oops"
    assert DEFAULTS["MAX_ATTEMPTS"] == conf.MAX_ATTEMPTS
    assert conf.user_settings == "oops"

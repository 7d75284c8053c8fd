"""The compiled catalogues ship and cover what users see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

import django_turkeysms
from django_turkeysms.message import SmsStatus
from django_turkeysms.models import SmsLog
from django_turkeysms.otp import VerifyResult

LOCALE = Path(django_turkeysms.__file__).parent / "locale"


@pytest.mark.parametrize("language", ["tr", "ar"])
def test_catalogues_are_compiled_and_complete(language):
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").stat().st_size > 1000
    assert "#, fuzzy" not in po
    # Every msgstr (a string, possibly continued on further lines), header excluded.
    blocks = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', po, flags=re.MULTILINE)[
        1:
    ]
    texts = ["".join(re.findall(r'"(.*)"', block)) for block in blocks]
    assert len(texts) > 100
    assert [text for text in texts if not text] == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("tr", "Kod hatalı. SMS'i kontrol edip tekrar deneyin."),
        ("ar", "الرمز غير صحيح. تحقق من الرسالة وحاول مرة أخرى."),
    ],
)
def test_verify_messages(language, expected):
    with translation.override(language):
        assert VerifyResult.INVALID.message == expected


def test_model_labels():
    with translation.override("tr"):
        assert str(SmsStatus.DELIVERED.label) == "İletildi"
        assert str(SmsLog._meta.verbose_name_plural) == "SMS kayıtları"

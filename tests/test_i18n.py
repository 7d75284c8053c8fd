"""The compiled catalogues ship and cover what users see."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import django
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

import django_turkeysms
from django_turkeysms import flows, otp_messages, phone, views
from django_turkeysms.encoding import count_segments
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.message import SmsStatus
from django_turkeysms.models import OtpChallenge, OtpLock, SmsLog
from django_turkeysms.otp import VerifyResult

PACKAGE = Path(django_turkeysms.__file__).parent
LOCALE = PACKAGE / "locale"
LANGUAGES = ["tr", "ar"]
#: What `makemessages` reads: the templates (pages, admin, e-mails, SMS) and the code.
EXTENSIONS = ["html", "txt", "py"]


def catalogue(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def read(path: Path, language: str) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language)


def key(message) -> tuple[object, str | None]:
    return message.id, message.context


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """Each catalogue as `makemessages` leaves it after extracting the package's
    strings now: run on a copy, so the committed files stay as they are. A string
    added or changed in the code is untranslated (or fuzzy) here until its
    translation is committed."""
    copy = tmp_path_factory.mktemp("package") / PACKAGE.name
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)  # makemessages works on the current directory
        call_command(
            "makemessages",
            locale=LANGUAGES,
            extensions=EXTENSIONS,
            no_obsolete=True,
            verbosity=0,
        )
    return {
        language: read(
            copy / "locale" / language / "LC_MESSAGES" / "django.po", language
        )
        for language in LANGUAGES
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_package_is_translated(regenerated, language):
    catalog = regenerated[language]
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if message.pluralizable else [message.string])
        )
    ]
    # The fix: in django_turkeysms/, `django-admin makemessages -l tr -l ar -e
    # html,txt,py --no-obsolete`, translate each entry, `django-admin compilemessages`.
    assert missing == []
    plural_counts = {
        len(message.string)
        for message in catalog
        if message.id and message.pluralizable
    }
    assert plural_counts == {catalog.num_plurals}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_left_over(regenerated, language):
    committed = read(catalogue(language), language)
    assert not committed.obsolete
    current = {key(message) for message in regenerated[language]}
    assert [key(m) for m in committed if key(m) not in current] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_are_djangos(language):
    """The same plural rule as Django's own catalogue for the language, so that
    ngettext picks the same form in the app's strings as in Django's."""
    django_catalogue = Path(django.__file__).parent / "conf" / "locale" / language
    theirs = read(django_catalogue / "LC_MESSAGES" / "django.po", language)
    ours = read(catalogue(language), language)
    assert (ours.num_plurals, ours.plural_expr) == (
        theirs.num_plurals,
        theirs.plural_expr,
    )


@pytest.fixture(scope="module")
def recompiled(tmp_path_factory):
    """The committed catalogues compiled again by `compilemessages` (msgfmt
    --check-format: every placeholder of a msgstr must be its msgid's), on a copy."""
    copy = tmp_path_factory.mktemp("compiled") / "locale"
    shutil.copytree(LOCALE, copy, ignore=shutil.ignore_patterns("*.mo"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy.parent)  # compilemessages works on ./locale
        call_command("compilemessages", locale=LANGUAGES, verbosity=0)
    return copy


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_current(recompiled, language):
    def messages(locale: Path) -> list[tuple[object, object]]:
        with (locale / language / "LC_MESSAGES" / "django.mo").open("rb") as file:
            return [(key(message), message.string) for message in read_mo(file)]

    assert messages(LOCALE) == messages(recompiled)


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
        assert apps.get_app_config("django_turkeysms").verbose_name == "TurkeySMS"


def test_admin_titles_name_rows_in_the_language(settings):
    """The model's __str__ is the title of its admin page."""
    settings.TIME_ZONE = "Europe/Istanbul"
    log = SmsLog(pk=3, recipient="+905321234567", status=SmsStatus.DELIVERED)
    challenge = OtpChallenge(phone="+905321234567", purpose="login")
    lock = OtpLock(
        phone="+905321234567", ends_at=datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
    )
    with translation.override("tr"):
        assert str(log) == "+90 532 *** ** 67 numarasına SMS #3 (İletildi)"
        assert str(challenge) == "+90 532 *** ** 67 için kod (login)"
        assert str(lock) == "+90 532 *** ** 67, 29 Kas 2026 12:30 tarihine kadar"


def test_arabic_counts_take_the_form_of_their_number():
    def queued(count: int) -> str:
        return ngettext(
            "%(count)d message queued again.", "%(count)d messages queued again.", count
        ) % {"count": count}

    with translation.override("ar"):
        assert [queued(count) for count in (1, 2, 3, 11)] == [
            "أُعيدت رسالة واحدة إلى الانتظار.",
            "أُعيدت رسالتان إلى الانتظار.",
            "أُعيدت 3 رسائل إلى الانتظار.",
            "أُعيدت 11 رسالة إلى الانتظار.",
        ]


def test_a_count_of_one_is_singular_in_english(settings):
    """Every text with a number has plural forms, so a count of 1 reads right
    in English too (and takes its own form in Arabic)."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_TTL": 60}
    with translation.override("en"):
        code = str(otp_messages.render_message("123456", purpose="login"))
        refused = flows.refusal(OtpThrottled("", retry_after=0.4))
    assert "expires in 1 minute." in code
    assert refused == (1, "Too many requests. Try again in 1 second.")
    assert views.countdown_labels(2)[1:] == [
        "You can ask for a new code in 1 second.",
        "You can ask for a new code in 2 seconds.",
    ]


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_sms_texts_fit_one_message(language):
    """The code's SMS and the notice to a replaced number: one segment each, in
    UCS-2 (70 characters) for Arabic."""
    number = phone.mask("+905321234567")
    with translation.override(language):
        code = str(otp_messages.render_message("123456", purpose="login"))
        notice = render_to_string(
            "django_turkeysms/phone_changed_message.txt", {"new_phone": number}
        ).strip()
    assert "123456" in code and number in notice
    assert [count_segments(text).segments for text in (code, notice)] == [1, 1]


def test_a_number_in_arabic_text_stays_left_to_right():
    """A masked number is several runs of digits: in right-to-left text they would
    show in reverse order unless isolated (U+2066 ... U+2069)."""
    with translation.override("ar"):
        notice = render_to_string(
            "django_turkeysms/phone_changed_message.txt",
            {"new_phone": "+90 532 *** ** 67"},
        )
    assert "\u2066+90 532 *** ** 67\u2069" in notice

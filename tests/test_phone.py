"""Phone numbers: what people type, what is refused, and the formats we emit."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumber_field.phonenumber import PhoneNumber as FieldPhoneNumber

from django_turkeysms import phone
from django_turkeysms.exceptions import CountryNotAllowed, InvalidPhoneNumber

E164 = "+905321234567"

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
FULL_WIDTH = str.maketrans("0123456789+ ", "０１２３４５６７８９＋\u3000")


# -- normalize_digits ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0123456789",
        "0123456789".translate(ARABIC_INDIC),
        "0123456789".translate(PERSIAN),
        "0123456789".translate(FULL_WIDTH),
        "०१२३४५६७८९",  # Devanagari: any Unicode decimal digit
    ],
)
def test_normalize_digits(value):
    assert phone.normalize_digits(value) == "0123456789"


def test_normalize_digits_keeps_other_characters():
    assert phone.normalize_digits("+٩٠ (a)²\n") == "+90 (a)²\n"


# -- accepted forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "05321234567",
        "5321234567",
        "905321234567",
        "+905321234567",
        "+90 532 123 45 67",
        "+90 (532) 123 45 67",
        "+90 0532 123 45 67",
        "00905321234567",
        "0090 532 123 45 67",
        "(0532) 123-45-67",
        "0532.123.45.67",
        "0532/123 45 67",
        "  05321234567  ",
        "\t+90 532 123 45 67\n",
        "+90\u00a0532\u00a0123\u00a045\u00a067",
        "05321234567".translate(ARABIC_INDIC),
        "+90 532 123 45 67".translate(PERSIAN),
        "+90 532 123 45 67".translate(FULL_WIDTH),
        "（０５３２）１２３－４５－６７",
    ],
    ids=repr,
)
def test_accepted_forms_normalise_to_one_e164(value):
    assert phone.to_e164(phone.parse_phone(value)) == E164
    assert phone.normalize(value) == E164


def test_phonenumber_input_is_accepted():
    number = FieldPhoneNumber.from_string("0532 123 45 67", region="TR")

    assert phone.parse_phone(number) is number
    assert phone.to_e164(phone.parse_phone(phonenumbers.parse(E164))) == E164


@pytest.mark.parametrize("region", ["DE", "de"])
def test_region_reads_numbers_without_a_country_code(region):
    number = phone.parse_phone("01512 3456789", region=region)

    assert phone.to_e164(number) == "+4915123456789"
    assert phone.mask("01512 3456789", region=region) == "+49 151* *****89"


# -- rejected input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "not_a_string"),
        (905551234567, "not_a_string"),
        (["+905551234567"], "not_a_string"),
        (b"+905551234567", "not_a_string"),
        ("", "empty"),
        ("   \t\n", "empty"),
        ("05a51234567", "invalid_characters"),
        ("0532 ABC 1234", "invalid_characters"),
        ("0532\n1234567", "invalid_characters"),
        ("0532\x001234567", "invalid_characters"),
        ("0532\t1234567", "invalid_characters"),
        ("+90 532 123 45 67 ext 12", "invalid_characters"),
        ("tel:+905321234567", "invalid_characters"),
        ("+90²5321234567", "invalid_characters"),
        ("+90555", "too_short"),
        ("+90 5", "too_short"),
        ("0090 5", "too_short"),
        ("0532 123 45 6", "too_short"),
        ("12345678901234567890", "too_long"),
        ("+90 532 123 45 67 8", "too_long"),
        ("0" * 65, "too_long"),
        ("-", "invalid"),
        ("+", "invalid"),
        ("0532+1234567", "invalid"),
        ("+999 1234567", "invalid"),
        ("+90 132 123 45 67", "invalid"),
        ("08501234567", "not_mobile"),
        ("0850 123 45 67", "not_mobile"),
        ("09001234567", "not_mobile"),
        ("02121234567", "not_mobile"),
        ("0212 123 45 67", "not_mobile"),
        ("0800 123 45 67", "not_mobile"),
        ("+90 444 1234", "not_mobile"),
        ("+800 1234 5678", "not_mobile"),
    ],
    ids=repr,
)
def test_rejected_input(value, reason):
    with pytest.raises(InvalidPhoneNumber) as info:
        phone.parse_phone(value)

    assert info.value.reason == reason
    assert len(info.value.value) <= 40


def test_too_short_message_says_what_to_type():
    with pytest.raises(InvalidPhoneNumber) as info:
        phone.parse_phone("+90555")

    assert str(info.value) == (
        "'+90555' is too short for a Turkish mobile number. "
        "Enter 10 digits after +90, for example +90 501 234 56 78."
    )
    assert info.value.value == "+90555"


def test_foreign_length_hint_names_the_range():
    with pytest.raises(InvalidPhoneNumber, match=r"10 to 11 digits after \+49"):
        phone.parse_phone("+49 151")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("09001234567", "premium-rate"),
        ("02121234567", "landline"),
        ("+800 1234 5678", "toll-free"),
    ],
)
def test_not_mobile_message_names_the_kind(value, kind):
    with pytest.raises(InvalidPhoneNumber, match=f"is a {kind} number, not a mobile"):
        phone.parse_phone(value)


def test_not_a_string_message_names_the_type():
    with pytest.raises(InvalidPhoneNumber, match="got int") as info:
        phone.parse_phone(905551234567)

    assert info.value.value == "905551234567"


def test_long_values_are_truncated():
    value = "x" * 1000
    with pytest.raises(InvalidPhoneNumber) as info:
        phone.parse_phone(value)

    assert info.value.value == "x" * 40
    assert f"{'x' * 40!r}..." in str(info.value)
    assert len(str(info.value)) < 200


def test_control_characters_are_escaped_in_the_message():
    with pytest.raises(InvalidPhoneNumber) as info:
        phone.parse_phone("0532\x001234567")

    assert "\x00" not in str(info.value)
    assert r"\x00" in str(info.value)


def test_unknown_default_region_gives_a_generic_hint():
    with pytest.raises(InvalidPhoneNumber, match="international format") as info:
        phone.parse_phone("5321234567", region="ZZ")

    assert info.value.reason == "invalid"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (phonenumbers.PhoneNumber(), "invalid"),
        (phonenumbers.PhoneNumber(country_code=800, national_number=1), "invalid"),
        (phonenumbers.PhoneNumber(country_code=90, national_number=5551), "too_short"),
        (phonenumbers.parse("0212 123 45 67", "TR"), "not_mobile"),
        (FieldPhoneNumber.from_string("0850 123 45 67", region="TR"), "not_mobile"),
    ],
    ids=repr,
)
def test_rejected_phonenumber_input(number, reason):
    with pytest.raises(InvalidPhoneNumber) as info:
        phone.parse_phone(number)

    assert info.value.reason == reason


def test_invalid_field_phonenumber_reports_its_raw_input():
    number = FieldPhoneNumber(raw_input="not a number")

    with pytest.raises(InvalidPhoneNumber, match="'not a number' is not a valid"):
        phone.parse_phone(number)


# -- formats ------------------------------------------------------------------------


def test_formats():
    number = phone.parse_phone("0532 123 45 67")

    assert phone.to_e164(number) == "+905321234567"
    assert phone.to_provider(number) == "905321234567"
    assert phone.region_of(number) == "TR"
    assert phone.is_international(number) is False


@pytest.mark.parametrize(
    ("value", "e164", "region"),
    [
        ("+963 944 567 890", "+963944567890", "SY"),
        ("00963 944 567 890", "+963944567890", "SY"),
        ("+49 1512 3456789", "+4915123456789", "DE"),
        ("+1 202 555 0100", "+12025550100", "US"),
    ],
)
def test_international_numbers(value, e164, region):
    number = phone.parse_phone(value)

    assert phone.to_e164(number) == e164
    assert phone.to_provider(number) == e164[1:]
    assert phone.region_of(number) == region
    assert phone.is_international(number) is True


def test_region_of_non_geographic_number_is_empty():
    assert phone.region_of(phonenumbers.parse("+800 1234 5678")) == ""


# -- country policy -----------------------------------------------------------------

SYRIA = "+963944567890"


@pytest.mark.parametrize(
    "allowed", [None, ["*"], ("TR", "SY"), {"sy"}, "SY", frozenset({"US", "SY"})]
)
def test_check_country_allows(allowed):
    phone.check_country(phone.parse_phone(SYRIA), allowed)


@pytest.mark.parametrize("allowed", [("TR",), [], "TR", {"US", "DE"}])
def test_check_country_refuses(allowed):
    with pytest.raises(CountryNotAllowed) as info:
        phone.check_country(phone.parse_phone(SYRIA), allowed)

    assert info.value.reason == "country_not_allowed"
    assert info.value.country == "SY"
    assert info.value.value == SYRIA
    assert "SY (+963)" in str(info.value)
    assert "add 'SY' to TURKEYSMS[\"ALLOWED_COUNTRIES\"]" in str(info.value)


def test_check_country_refuses_numbers_without_a_country():
    with pytest.raises(CountryNotAllowed, match="add '\\*' to") as info:
        phone.check_country(phonenumbers.parse("+800 1234 5678"), ["TR"])

    assert info.value.country == ""


def test_normalize_applies_the_policy():
    assert phone.normalize("+1 202 555 0100", allowed=["US"]) == "+12025550100"
    assert phone.normalize("+1 202 555 0100", allowed=None) == "+12025550100"
    with pytest.raises(CountryNotAllowed, match="US"):
        phone.normalize("+1 202 555 0100")


# -- mask ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+905321234567", "+90 532 *** ** 67"),
        ("05321234567", "+90 532 *** ** 67"),
        ("+963944567890", "+963 94* *** *90"),
        ("+4915123456789", "+49 151* *****89"),
        ("+12025550100", "+1 202-***-**00"),
        ("", ""),
        ("junk\n", ""),
        ("12", "+90 *2"),
    ],
)
def test_mask(value, masked):
    assert phone.mask(value) == masked


def test_mask_numbers_without_digits():
    assert phone.mask(phonenumbers.PhoneNumber()) == ""
    assert phone.mask(FieldPhoneNumber(raw_input="0532 123 45 67")) == (
        "+90 532 *** ** 67"
    )


def test_mask_caps_unparseable_input():
    assert phone.mask("1" * 1000) == "1" * 3 + "*" * 59 + "11"


def test_mask_phonenumber():
    assert phone.mask(phone.parse_phone(E164)) == "+90 532 *** ** 67"
    assert phone.mask(FieldPhoneNumber.from_string(E164)) == "+90 532 *** ** 67"

"""The provider's wire formats: JSON, PHP ``print_r`` text, result codes, pages."""

from __future__ import annotations

import json
from http import HTTPStatus

Value = str | int | bool
Fields = dict[str, Value]

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=UTF-8"

# Wording from the provider's documentation.
MESSAGES = {
    "TS-1022": "The number did not receive the message",
    "TS-1023": "The number out of coverage did not receive the message yet",
    "TS-1024": "The message was sent successfully",
    "TS-1025": "The mobile number has not been entered. The phone number is empty",
    "TS-1026": "Message text is empty .. No message text has been written",
    "TS-1027": "There is insufficient balance in your account",
    "TS-1028": "Sender ID is not active for your account",
    "TS-1029": "The Sender ID does not exist .. Please make sure you type correctly",
    "TS-1030": "Your account is inactive with the SMS service provider",
    "TS-1031": "The api-key is invalid",
    "TS-1032": (
        "The number to which the message is sent is international outside Turkey. "
        "Your account is not activated for international SMS"
    ),
    "TS-1033": "The data sent through the link is incorrect",
    "TS-1034": "The mobile number to which the message was sent is invalid",
    "TS-1050": "Contact key is empty and not written",
    "TS-1051": "Sending title is empty and not written",
    "TS-1052": "Message ID is not written",
    "TS-1060": "Exceeded the limit of the number of messages in the last minute",
    "TS-1061": "Contact key is not active for sending (POST)",
    "TS-1062": "Contact key is not active for sending (GET)",
    "TS-1063": "Checking message status is not active for the contact key",
    "TS-1065": "Checking balance is not active for your account's contact key",
    "TS-1070": (
        "Scheduled Sending - Date not specified or invalid. Please enter a valid date."
    ),
    "TS-1071": (
        "Scheduled Sending - Time not specified or invalid. Please enter a valid time."
    ),
    "TS-1072": (
        "Cannot send a scheduled message with a date or time in the past. "
        "Please check the date and time again."
    ),
}
OPERATION_SUCCESS = "operation_success"
_ENCODER = json.JSONEncoder(separators=(",", ":"))

_STYLED_RESULTS: dict[str, tuple[Value, Value]] = {
    "string": ("true", "false"),
    "bool": (True, False),
    "int": (1, 0),
}


def error_fields(code: str) -> Fields:
    return {"result": False, "result_code": code, "result_message": MESSAGES[code]}


def render_json(fields: Fields, style: str) -> bytes:
    """Compact JSON, non-ASCII escaped as PHP's ``json_encode`` does."""
    success, failure = _STYLED_RESULTS[style]
    data = dict(fields, result=success if fields["result"] else failure)
    return _ENCODER.encode(data).encode()


def _print_r_value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_print_r(fields: Fields) -> bytes:
    """PHP ``print_r`` of a flat array; booleans are the words true/false."""
    lines = [f"    [{key}] => {_print_r_value(value)}" for key, value in fields.items()]
    return "\n".join(["Array", "(", *lines, ")", ""]).encode()


def error_page(status: int) -> bytes:
    """The short HTML page a reverse proxy answers with."""
    title = f"{status} {HTTPStatus(status).phrase}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


MAINTENANCE_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
    b"<title>Turkey SMS</title></head>\n<body>\n<h1>We&#39;ll be back soon</h1>\n"
    b"<p>The service is under maintenance. Please try again later.</p>\n"
    b"</body>\n</html>\n"
)

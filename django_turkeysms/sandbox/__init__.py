"""A faithful local fake of the TurkeySMS v3 HTTP API.

Standard library only; it never imports the rest of ``django_turkeysms``, so the
sandbox and the client cannot hide each other's mistakes.

## Running it

    python -m django_turkeysms.sandbox [--host 127.0.0.1] [--port 8765]
        [--latency SECONDS] [--delivery-delay SECONDS] [--result-style string|bool|int]
        [--quirk NAME ...] [--allowed-host HOST ...]

It serves in the foreground and prints:

    TurkeySMS sandbox listening on http://127.0.0.1:8765
    API key: sandbox-demo-key
    Sender ID: SANDBOX
    Inbox: http://127.0.0.1:8765/inbox

`--port 0` picks a free port (the real one is printed). Ctrl-C or SIGTERM stops it
with exit status 0. Point the client at it with `base_url="http://127.0.0.1:8765"`.

In-process (tests, benchmarks, the demo):

    from django_turkeysms.sandbox import Sandbox

    with Sandbox(port=0, delivery_delay=0.0) as sandbox:   # starts a daemon thread
        sandbox.base_url                  # "http://127.0.0.1:<port>"
        sandbox.api_key, sandbox.sender   # "sandbox-demo-key", "SANDBOX"
        ...
        sandbox.messages                  # accepted messages, oldest first
        sandbox.requests_for("905321234567"), sandbox.sends_for("905321234567")

`Sandbox(host="127.0.0.1", port=0, latency=0.0, delivery_delay=0.0,
result_style="string", quirks=(), allowed_hosts=())`; `start()` (returns the sandbox), `stop()`, `reset()`,
`add_account(api_key, *, local_balance=1000, international_balance=Decimal("100.00"),
senders={"SANDBOX": True}, international=False, active=True,
rate_limit_per_minute=None, permissions=None)`, `account(api_key)` (the live,
mutable `Account`), `inject(kind, *, number=None, times=None, **params)`,
`clear_faults()`, `set_outcome(number, outcome)`, `messages`, `requests_for(number)`
(send requests naming the number, whatever became of them), `sends_for(number,
text=None)` (messages recorded), `request_count` (HTTP requests on every path),
`connections_opened` (TCP connections accepted).
`latency`, `delivery_delay`, `result_style` and `quirks` are settable attributes
and survive `reset()`. Every method is thread-safe.

## Endpoints

The documented v3 endpoints, served the same whatever the Host header:

| Path | Method | Parameters |
|---|---|---|
| `/api/v3/authenticate/login` | GET query or POST JSON | `api_key, report, response_type` |
| `/api/v3/gonder/add-content` | POST JSON | `api_key, title, text, sentto, report, sms_lang, response_type, content_type` (+ scheduling) |
| `/api/v3/get/get.php` | GET | `api_key, mobile, title, text, report, lang, response_type, content_type` (+ scheduling) |
| `/api/v3/otp/otp_get.php` | GET | `api_key, mobile, digits, report, lang, response_type` |
| `/api/v3/sms-durumu/sms_durumu.php` | GET query or POST JSON | `api_key, sms_id, response_type` |
| `/api/v3/bakiye_sorgulama/add-content` | POST JSON | `api_key, report, response_type` |

POST bodies must be a JSON object; `Content-Type` is not checked. Any other body
(form-encoded, a JSON list, broken JSON) or a list/object as a field value answers
TS-1033; other JSON scalars are read as PHP casts them (`true` "1", `null` ""). Application errors are
HTTP 200 with `result` false, `result_code` and `result_message` (the documented
wording). Unknown paths answer 404, wrong methods 405.

`response_type=json` answers JSON (`application/json; charset=utf-8`, non-ASCII
escaped as PHP does); `php`, any other value or none answers PHP `print_r` text
(`text/html; charset=UTF-8`). In JSON, `result` is the string `"true"`/`"false"` by
default; `result_style="bool"` gives JSON booleans, `"int"` gives 1/0.

Send checks, in order: empty `api_key` TS-1050 · unknown key TS-1031 · inactive
account TS-1030 · key without the permission TS-1061 (POST) / TS-1062 (GET and OTP)
· empty `title` TS-1051 · unknown title TS-1029 · inactive title TS-1028 (no title
checks for OTP) · `sms_lang`/`lang`, `content_type` not 0/1/2 or `digits` not 4/5/6
TS-1033 · empty number TS-1025 · empty text TS-1026 · invalid number TS-1034 ·
non-Turkish number on an account without international TS-1032 · scheduling
TS-1070/1071/1072 · per-minute limit TS-1060 · not enough balance TS-1027. Status:
TS-1063 without permission, TS-1052 empty `sms_id`, TS-1033 unknown id (or another
account's). Balance: TS-1065 without permission.

Defaults: `sms_lang`/`lang` 2 (Arabic, the provider's UTF-8 default), `content_type`
0, OTP `digits` 4. `report` is accepted and ignored: answers are always complete.

## Accounts

Created at start and by every `reset()`:

| API key | Local balance | International | Notes |
|---|---|---|---|
| `sandbox-demo-key` | 1,000,000 SMS | 1000.00 TL, disabled | the demo account |
| `sandbox-intl-key` | 1,000,000 SMS | 1000.00 TL, enabled | may send abroad |
| `sandbox-inactive-key` | 1,000,000 SMS | 1000.00 TL | account inactive: TS-1030 |

All three have the sender IDs `SANDBOX` (active) and `INACTIVE` (inactive: TS-1028),
every permission and no rate limit. `add_account()` or `POST /_sandbox/accounts`
adds more (permissions are a subset of `post`, `get`, `status`, `balance`).

## Numbers, segments, prices

A leading `+` or `00` is dropped; then `90` + 10 digits starting with 5 is a
Turkish mobile, 10 digits starting with 5 is a Turkish mobile written nationally
(stored as `90…`), any other 8–15 digits not starting with 0 or 90 is
international; anything else is TS-1034. `country` is `Turkey-TR`, `<Name>-<ISO2>`
for a few calling codes, else `International-XX`. Operators: 90 53x Turkcell, 90 54x
Vodafone, 90 50x/55x Türk Telekom, anything else International.

Segments (= credits): GSM-7 160/153 characters (extension characters such as `€ [ ]
{ } ^ ~ | \\` count 2); text that needs the Turkish single-shift letters `ğ Ğ ı İ ş
Ş ç` 155/149 (those letters count 2); anything else UCS-2 70/67 (characters outside
the BMP count 2). `sms_lang` 2 always means UCS-2. Turkish numbers cost one local
SMS per segment, international ones 0.50 TL per segment.

## Delivery status and reserved numbers

A message reports "Message is pending" (TS-1064) until `delivery_delay` seconds
after it was sent (or after its schedule), then its outcome: delivered "Number
received the message" (TS-1024), `undelivered` (TS-1022), `out_of_coverage`
(TS-1023), or `pending` for ever. `set_outcome(number, outcome)` or `POST
/_sandbox/outcomes` chooses the outcome of later messages to a number. Reserved
numbers (restored by `reset()`):

| Number | Behaviour |
|---|---|
| 905000000001 | ends undelivered (TS-1022) |
| 905000000002 | ends out of coverage (TS-1023) |
| 905000000003 | stays pending (TS-1064) |
| 905000000429 | fault `http_429` on every send |
| 905000000444 | fault `reset_after` on every send (recorded, then RST) |
| 905000000500 | fault `http_500` on every send |
| 905000000502 | fault `http_502` on every send |
| 905000000503 | fault `http_503` on every send |

## OTP

`otp_get.php` generates a `digits`-long code with `secrets` (leading zeros kept;
`otp_code` is always a string), sends "Your verification code is 0123" (lang 0),
"Doğrulama kodunuz: 0123" (lang 1) or the Arabic equivalent (lang 2) from the
sender `TURKEYSMS`, and returns the code.

## Scheduling

`scheduled_sms=1` with `scheduled_date` (`YYYY-MM-DD`) and `scheduled_time` (`HH:MM`,
Europe/Istanbul) on either send endpoint: a missing or invalid date is TS-1070, an
invalid time TS-1071, a moment in the past TS-1072. The message is charged at once
and stays pending until its time (plus `delivery_delay`).

## Faults

Kinds (params in brackets; "recorded" means the message was accepted and charged):

| Kind | Effect | Recorded |
|---|---|---|
| `latency` [`seconds`, default 1] | normal answer, after sleeping | yes |
| `http_500`, `http_502`, `http_503` | that status with an nginx HTML page | no |
| `http_429` [`seconds`, default 1] | 429 with `Retry-After: <seconds>` | no |
| `malformed_json` | 200 with the JSON answer cut in half (`{"result":"tr…`) | yes |
| `print_r` | `print_r` text even though JSON was asked | yes |
| `empty` | 200 with an empty body | yes |
| `html` | 200 with an HTML maintenance page | yes |
| `reset_before` | request read, connection closed with a TCP RST, no answer | no |
| `reset_after` | request processed, then RST, no answer | yes |
| `drip` [`interval`, default 0.5] | headers, then the body one byte per interval | yes |
| `huge` | 200 with a 10 MiB JSON body | yes |
| `redirect_http` | 301 to `http://<host><same path>` | no |
| `result_style` [`style`: string, bool or int] | JSON `result` rendered that way | yes |

Choosing a fault (only `/api/...` paths are affected; the first match wins):

1. Per request: the header `X-Sandbox-Fault: <kind>` or `X-Sandbox-Fault: latency;
   seconds=0.5` (parameters separated by `;`). A bad header answers 400.
2. Injected for one recipient number (send endpoints only), then injected for
   every request: `sandbox.inject(kind, number=None, times=None, **params)` or
   `POST /_sandbox/faults` with `{"kind": …, "number": …, "times": …, "params":
   {…}}`. `times` None lasts until `clear_faults()`, `DELETE /_sandbox/faults` or
   `reset()`.
3. The reserved fault numbers above.

`latency=` (or `--latency`) adds a delay to every API answer on top of any fault.

## Control endpoints

| Request | Effect |
|---|---|
| `POST /_sandbox/reset` | back to the initial state |
| `POST /_sandbox/faults` | inject a fault (JSON as above) |
| `DELETE /_sandbox/faults` | remove injected faults |
| `GET /_sandbox/messages` | JSON list, newest first: `sms_id, number, sender, text, segments, credits, status, created, scheduled, kind, via, sms_lang, content_type, country, operator` |
| `GET /_sandbox/stats` | `{"requests": n, "connections": n, "requests_by_number": {…}, "sends_by_number": {…}}` |
| `POST /_sandbox/outcomes` | `{"number": …, "outcome": "delivered" / "undelivered" / "out_of_coverage" / "pending"}` |
| `POST /_sandbox/accounts` | `{"api_key": …}` plus any of `local_balance, international_balance, senders, international, active, rate_limit_per_minute, permissions, name` |
| `GET`/`POST /_sandbox/quirks` | `{"quirks": [names]}`: the quirks on / switch exactly these on |
| `GET /inbox` (and `/`) | HTML page of the latest 200 messages, newest first; refreshes every 3 s |

Bad control data answers 400 with `{"error": …}`. The control endpoints and the
inbox answer only a loopback `Host`, the `--host` address or an `--allowed-host`
(else 403); a control request's `Origin`, if any, must be the sandbox's own (else
403); POST and DELETE must be `application/json` (else 415). See `access.py`.

## Quirks

Real-traffic answer shapes, off until named (see `quirks.py`):
`status_result_false`, `numeric_otp_code`, `no_sms_id`, `turkish_numbers`.

## HTTP

HTTP/1.1 with keep-alive (`Connection: close` honoured; HTTP/1.0 closes),
pipelining, `Expect: 100-continue`, `Content-Length` on every answer, a thread per
connection. Request bodies must carry `Content-Length` (chunked bodies get 411).
"""

from __future__ import annotations

from django_turkeysms.sandbox.service import Sandbox
from django_turkeysms.sandbox.state import Account, SentMessage

__all__ = ["Account", "Sandbox", "SentMessage"]

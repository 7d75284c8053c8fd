"""Demo: start the local TurkeySMS sandbox and send one SMS through the client.

Run with ``make demo`` (or ``python example_project/send_one.py``).
"""

from __future__ import annotations

from django_turkeysms.client import TurkeySmsClient
from django_turkeysms.encoding import count_segments
from django_turkeysms.phone import parse_phone, to_provider
from django_turkeysms.sandbox import Sandbox

TEXT = "Merhaba! Siparişiniz yola çıktı. Teşekkürler."


def main() -> None:
    with Sandbox(host="127.0.0.1", port=0) as sandbox:
        print(
            f"Sandbox running at {sandbox.base_url} (inbox: {sandbox.base_url}/inbox)"
        )
        client = TurkeySmsClient(sandbox.api_key, base_url=sandbox.base_url)
        number = parse_phone("0532 123 45 67")
        info = count_segments(TEXT)
        print(
            f"Text: {TEXT!r} -> sms_lang={int(info.lang)} ({info.lang.name}), "
            f"{info.segments} segment(s)"
        )
        sent = client.send(
            title=sandbox.sender,
            text=TEXT,
            sentto=to_provider(number),
            sms_lang=int(info.lang),
        )
        print(f"Sent:    {sent}")
        print(f"Status:  {client.status(sent.sms_id)}")
        print(f"Balance: {client.balance()}")


if __name__ == "__main__":
    main()

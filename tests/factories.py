from __future__ import annotations

import factory
from django.utils import timezone

from django_turkeysms.models import SmsLog


class SmsLogFactory(factory.django.DjangoModelFactory[SmsLog]):
    class Meta:
        model = SmsLog

    recipient = factory.Sequence(lambda n: f"+90532{n:07d}")
    sender = "SANDBOX"
    body = "Merhaba"
    backend = "default"
    status = SmsLog.Status.SENT
    provider_id = factory.Sequence(lambda n: f"locmem-{n + 1}")
    created_at = factory.LazyFunction(timezone.now)

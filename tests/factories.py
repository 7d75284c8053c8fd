from __future__ import annotations

import factory
from django.utils import timezone

from django_turkeysms import rollups
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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Counted in the daily rollups, as the package counts the rows it writes."""
        row = super()._create(model_class, *args, **kwargs)
        rollups.add([row])
        return row

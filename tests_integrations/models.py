from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A project's user with its own phone fields (the adapter's field storage)."""

    phone = models.CharField(max_length=32, blank=True)
    phone_verified = models.BooleanField(default=False)

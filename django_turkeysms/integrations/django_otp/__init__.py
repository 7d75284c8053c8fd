"""A django-otp device that sends its tokens by TurkeySMS, as an app of its own
(django-otp's plugins are apps too): add
``"django_turkeysms.integrations.django_otp"`` to ``INSTALLED_APPS``."""

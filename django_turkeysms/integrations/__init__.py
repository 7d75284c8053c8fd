"""django-turkeysms inside the auth stacks projects already run: django-allauth
(:mod:`.allauth`), django-two-factor-auth (:mod:`.two_factor`) and django-otp
(:mod:`.django_otp`). Each is optional: nothing here is imported unless a setting
names it, and each needs its own extra (``django-turkeysms[allauth]``,
``[two-factor]``, ``[otp]``).
"""

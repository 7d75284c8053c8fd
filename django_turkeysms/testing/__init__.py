"""Support for testing projects that send SMS: the provider sandbox and the pytest
plugin (``sms_outbox``, ``turkeysms_sandbox``).

Installed with the package, because projects' tests need it, but outside its
runtime import graph: nothing the app runs in production imports this package.
"""

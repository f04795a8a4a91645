"""Logging a test user in the way the application requires."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from samenwerking.tweestaps import vereist_tweestaps


def inloggen(client, user):
    """Log ``user`` in on the Django test ``client``, as after a completed login: the password and,
    for roles that must use it, the two-step code (a confirmed authenticator app, and the session
    marked verified exactly as ``django_otp.login()`` marks it)."""
    client.force_login(user)
    # A fresh copy: the rule caches the user's roles on the object, which the test may change later.
    if vereist_tweestaps(type(user).objects.get(pk=user.pk)):
        apparaat = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = apparaat.persistent_id
        session.save()
    return client

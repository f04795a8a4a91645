"""Shared fixtures. Services a test needs are real: in CI (CI=true) a missing service fails the
test, locally it skips with a message saying what to start."""

import importlib
import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from rest_framework.test import APIClient

from tests.isolatie_wereld import bouw_wereld
from tests.login import inloggen

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_service(message: str):
    if IN_CI:
        pytest.fail(f"{message} (CI=true: services are required, tests never skip)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _snelle_wachtwoorden(settings):
    """Test users log in with a fast hasher; production keeps Django's default (PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        missing_service("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/leerroute")


@pytest.fixture
def redis_url():
    url = settings.REDIS_URL
    if not url:
        missing_service("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2).close()
    except OSError:
        missing_service(f"Redis at {parsed.hostname}:{parsed.port} does not answer")
    return url


def pytest_collection_modifyitems(config, items):
    """A test that needs a service (directly or through a fixture) carries its marker, so the
    SQLite run (-m "not postgres and not redis") leaves it out instead of failing on CI=true."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "require_postgres" in fixtures:
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in fixtures:
            item.add_marker(pytest.mark.redis)


@pytest.fixture
def audit_trigger(require_postgres):
    """The audit guard as its migration installs it (also when the suite runs --no-migrations);
    the test's rollback takes it away again where the migration did not put it."""
    migratie = importlib.import_module("samenwerking.migrations.0002_audit_onveranderlijk")
    with connection.cursor() as cursor:
        cursor.execute(migratie.TRIGGER_SQL)


# --- the isolation tests' world (tests/test_isolatie_*.py) and its logged-in sessions ----------------


@pytest.fixture(scope="module")
def wereld(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("isolatie_media")
    snel = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=snel), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = bouw_wereld()
            w.koekjes = {}
            for rol, user in w.gebruikers.items():
                c = APIClient()
                inloggen(c, user)
                w.koekjes[rol] = {naam: morsel.value for naam, morsel in c.cookies.items()}
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

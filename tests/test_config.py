"""Settings, the beat schedule and the embedded defaults that `make run` relies on."""

import importlib

import pytest
from django.conf import settings
from django.test import Client


@pytest.mark.parametrize("name", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_scheduled_task_is_importable_and_registered(name):
    from config.celery import app

    task_path = settings.CELERY_BEAT_SCHEDULE[name]["task"]
    module_name, _, attr = task_path.rpartition(".")
    task = getattr(importlib.import_module(module_name), attr)
    assert task.name == task_path
    app.loader.import_default_modules()
    assert task_path in app.tasks


def test_tasks_are_acknowledged_late_with_time_limits():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT > 0


@pytest.mark.django_db
def test_login_page_is_served_in_dutch():
    response = Client().get("/inloggen/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="nl">' in body and "Wachtwoord" in body


@pytest.mark.django_db
def test_home_requires_login_and_redirects_to_login():
    response = Client().get("/")
    assert response.status_code == 302 and response.url.startswith("/inloggen/")


@pytest.mark.django_db
def test_health_endpoint_checks_the_database():
    body = Client().get("/gezond/").json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_production_settings_refuse_to_start_without_a_secret_key(monkeypatch):
    import subprocess
    import sys

    env = {"DJANGO_ENV": "production", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
            "'config.settings'); django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_https_redirect_spares_only_the_health_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/gezond/").status_code == 200
    response = client.get("/inloggen/")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_the_server_process_freezes_what_startup_made():
    """config/wsgi.py calls bevries_na_opstart: every view imported, then startup's objects out of
    the collector's reach, so a full collection no longer walks them in the middle of a request."""
    import gc

    from config.opstart import bevries_na_opstart

    gc.unfreeze()
    try:
        bevries_na_opstart()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()

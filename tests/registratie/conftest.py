import pytest

from config.celery import app as celery_app
from registratie import checks, demo
from registratie.management import bench_paginas
from samenwerking.models import Gebruiker
from tests.registratie.rod_helpers import route_met_vestigingen


@pytest.fixture
def demo_coordinator(db):
    """The demo data (40 students) with the fase check run on its peildatum, and the demo
    coordinator with a client logged in as after a completed two-step login."""
    demo.genereer(studenten=40, seed=5)
    checks.check_phases(peildatum=demo.PEILDATUM)
    user = Gebruiker.objects.get(username="demo-coordinator")
    return user, bench_paginas.ingelogd(user)


@pytest.fixture
def duo_stub():
    """DUO's receiving service as a real HTTP server on 127.0.0.1 (registratie/rod/stub.py)."""
    from registratie.rod.stub import DuoStub

    stub = DuoStub(vertraging=4.0).start()
    yield stub
    stub.stop()


@pytest.fixture
def soap_naar_stub(settings, duo_stub):
    """Every instelling delivers over SOAP to the stub; a short timeout (the "traag" fault waits
    twice as long), yet long enough that an answer on a busy CI machine is never late by accident
    (0.5 s was: one extra retry broke the school-year test's count of attempts)."""
    settings.LEERROUTE_ROD_TRANSPORT = {"standaard": "soap", "per_brin": {}}
    settings.LEERROUTE_ROD_SOAP = {"endpoint": duo_stub.url, "timeout": 2.0, "per_brin": {}}
    return duo_stub


@pytest.fixture
def rod_media(settings, tmp_path):
    """Delivery files go to a fresh MEDIA_ROOT per test (the ROD export tests use it through their
    pytestmark; other ROD test modules still define their own)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def route():
    """A route whose vo- and mbo-side each have a vestiging, as a ROD delivery needs (a module that
    defines its own ``route`` fixture overrides this one)."""
    return route_met_vestigingen()


@pytest.fixture
def eager_taken(django_capture_on_commit_callbacks):
    """Run a task in-process (as the embedded default does), also when Redis is configured.
    Returns django_capture_on_commit_callbacks: the test's transaction never commits, so the test
    runs the on_commit hooks that enqueue the task."""
    voor = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield django_capture_on_commit_callbacks
    celery_app.conf.task_always_eager = voor

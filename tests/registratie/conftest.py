import pytest

from registratie import checks, demo
from registratie.management import bench_paginas
from samenwerking.models import Gebruiker


@pytest.fixture
def demo_coordinator(db):
    """The demo data (40 students) with the fase check run on its peildatum, and the demo
    coordinator with a client logged in as after a completed two-step login."""
    demo.genereer(studenten=40, seed=5)
    checks.check_phases(peildatum=demo.PEILDATUM)
    user = Gebruiker.objects.get(username="demo-coordinator")
    return user, bench_paginas.ingelogd(user)

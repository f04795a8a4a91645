"""The start page's two figures that the nightly check stores (registratie.tellingen): the open
signals per rule and the mbo worklist's size. Each is the user's share, carries the time it was
counted, and before the first nightly run is counted live."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from registratie import checks
from registratie.models import Signaal, SignaalStatus
from tests.factories import LeerrouteFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

pytestmark = pytest.mark.django_db

NOG_MBO = re.compile(r"<strong>([\d.]+)</strong> nog in te schrijven aan de mbo-kant")


def _home(user) -> str:
    return inloggen(Client(), user).get(reverse("home")).content.decode()


def _signaal(route, regel="R-INS-6") -> Signaal:
    o = route.overeenkomst
    return Signaal.objects.create(
        regel=regel,
        sleutel=f"{regel}:{o.pk}:{Signaal.objects.count()}",
        instelling=o.vo_instelling,
        partner_instelling=o.mbo_instelling,
        toelichting="test",
        bron="import",  # not the fase check's own: its run leaves it open
    )


def _per_regel(html: str) -> dict[str, int]:
    return {r: int(n) for n, r in re.findall(r"<strong>(\d+)</strong> (R-[A-Z]+-\d+)</a>", html)}


@pytest.fixture
def twee_routes():
    eigen, ander = LeerrouteFactory(), LeerrouteFactory()
    for _ in range(2):
        route_leerling(eigen, met_mbo=False)
    route_leerling(eigen)  # complete: not on the worklist
    route_leerling(ander, met_mbo=False)
    return eigen, ander


def test_the_worklist_size_is_the_users_share_as_the_nightly_check_counted_it(twee_routes):
    eigen, _ = twee_routes
    mbo_beheerder = gebruiker_met_rol("beheerder", instelling=eigen.overeenkomst.mbo_instelling)
    checks.check_phases()

    assert NOG_MBO.search(_home(mbo_beheerder)).group(1) == "2"
    # The stored figure stays until the next run, and says when it was counted.
    route_leerling(eigen, met_mbo=False)
    html = _home(mbo_beheerder)
    assert NOG_MBO.search(html).group(1) == "2" and "stand van de nachtelijke controle van" in html
    checks.check_phases()
    assert NOG_MBO.search(_home(mbo_beheerder)).group(1) == "3"
    assert NOG_MBO.search(_home(gebruiker_met_rol("applicatiebeheerder"))).group(1) == "4"


def test_before_the_first_nightly_run_the_figures_are_counted_live(twee_routes):
    eigen, _ = twee_routes
    _signaal(eigen)
    html = _home(gebruiker_met_rol("beheerder", instelling=eigen.overeenkomst.mbo_instelling))
    assert NOG_MBO.search(html).group(1) == "2" and _per_regel(html) == {"R-INS-6": 1}
    assert "nachtelijke controle" not in html


def test_the_open_signals_per_rule_are_the_users_share_and_closed_ones_go_at_the_next_run():
    eigen, ander = LeerrouteFactory(), LeerrouteFactory()
    gezien = _signaal(eigen, "R-INS-6")
    _signaal(eigen, "R-INS-6")
    _signaal(eigen, "R-LR-8")
    _signaal(ander, "R-INS-6")
    vo_beheerder = gebruiker_met_rol("beheerder", instelling=eigen.overeenkomst.vo_instelling)
    checks.check_phases()

    assert _per_regel(_home(vo_beheerder)) == {"R-INS-6": 2, "R-LR-8": 1}
    Signaal.objects.filter(pk=gezien.pk).update(status=SignaalStatus.OPGELOST)
    assert _per_regel(_home(vo_beheerder)) == {"R-INS-6": 2, "R-LR-8": 1}  # as counted at night
    checks.check_phases()
    assert _per_regel(_home(vo_beheerder)) == {"R-INS-6": 1, "R-LR-8": 1}
    assert _per_regel(_home(gebruiker_met_rol("applicatiebeheerder"))) == {"R-INS-6": 2, "R-LR-8": 1}

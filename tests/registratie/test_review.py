"""The coordinator's review of signals (list, apply a transition, dismiss, hand over), scoping,
uitstroom under the overstapoptie (R-INS-10) and the monitoring figures (R-MON-2)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from registratie import checks, selectors
from registratie.models import Fasewissel, Inschrijving, Signaal, Uitstroom
from samenwerking.models import AuditRegel
from tests.factories import LeerrouteFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

D = datetime.date
VOOR_DE_OVERGANG = D(2027, 6, 15)


@pytest.fixture
def opzet(db):
    """A student due for the transition of 1 August 2027, a signal proposing it, and users."""
    route = LeerrouteFactory()
    o = route.overeenkomst
    vo, mbo = route_leerling(route)
    checks.check_phases(peildatum=VOOR_DE_OVERGANG)
    other = LeerrouteFactory()
    return {
        "vo": vo,
        "mbo": mbo,
        "signaal": Signaal.objects.get(leerling=vo.leerling),
        "coordinator": gebruiker_met_rol("coordinator", overeenkomst=o),
        "beheerder_vo": gebruiker_met_rol("beheerder", instelling=o.vo_instelling),
        "beheerder_mbo": gebruiker_met_rol("beheerder", instelling=o.mbo_instelling),
        "andere_coordinator": gebruiker_met_rol("coordinator", overeenkomst=other.overeenkomst),
        "andere_beheerder": gebruiker_met_rol("beheerder", instelling=other.overeenkomst.vo_instelling),
    }


def _client(user) -> Client:
    c = Client()
    inloggen(c, user)
    return c


def _url(name, signaal):
    return reverse(f"registratie:{name}", args=[signaal.pk])


# --- list and detail, scoped ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rol", "ziet"),
    [
        ("coordinator", True),
        ("beheerder_vo", True),
        ("beheerder_mbo", True),
        ("andere_coordinator", False),
        ("andere_beheerder", False),
    ],
)
def test_the_list_shows_the_signals_in_scope(opzet, rol, ziet):
    response = _client(opzet[rol]).get(reverse("registratie:signalen"))
    assert response.status_code == 200
    assert (opzet["signaal"] in response.context["pagina"].object_list) is ziet
    detail = _client(opzet[rol]).get(_url("signaal", opzet["signaal"]))
    assert detail.status_code == (200 if ziet else 404)


def test_the_list_filters_by_rule_and_status(opzet):
    c = _client(opzet["coordinator"])
    assert (
        len(c.get(reverse("registratie:signalen"), {"regel": "R-INS-1"}).context["pagina"].object_list) == 1
    )
    assert not c.get(reverse("registratie:signalen"), {"regel": "R-INS-3"}).context["pagina"].object_list
    assert not c.get(reverse("registratie:signalen"), {"status": "afgewezen"}).context["pagina"].object_list
    assert len(c.get(reverse("registratie:signalen"), {"status": ""}).context["pagina"].object_list) == 1


def test_pages_need_a_login(opzet):
    response = Client().get(reverse("registratie:signalen"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_only_the_coordinator_sees_the_actions(opzet):
    assert _client(opzet["coordinator"]).get(_url("signaal", opzet["signaal"])).context["mag_afhandelen"]
    assert not _client(opzet["beheerder_vo"]).get(_url("signaal", opzet["signaal"])).context["mag_afhandelen"]


# --- apply a transition -----------------------------------------------------------------------------


def test_applying_the_transition_moves_both_enrolments_in_one_step(opzet):
    signaal, coordinator = opzet["signaal"], opzet["coordinator"]
    response = _client(coordinator).post(_url("signaal-toepassen", signaal))
    assert response.status_code == 302

    for i in (opzet["vo"], opzet["mbo"]):
        i.refresh_from_db()
        assert i.fase == "mbo"
        [wissel] = Fasewissel.objects.filter(inschrijving=i)
        assert (wissel.van_fase, wissel.naar_fase, wissel.ingangsdatum) == ("vo", "mbo", D(2027, 8, 1))
        assert wissel.geregistreerd_door == coordinator and wissel.geregistreerd_op is not None
        assert AuditRegel.objects.filter(model="registratie.Fasewissel", object_id=str(wissel.pk)).exists()
    signaal.refresh_from_db()
    assert signaal.status == "opgelost"
    assert signaal.afgehandeld_door == coordinator and signaal.gesloten_op is not None
    assert AuditRegel.objects.filter(
        model="registratie.Signaal", object_id=str(signaal.pk), gebruiker=coordinator, kanaal="ui"
    ).exists()

    # The next check finds nothing new, also on the day itself.
    assert not checks.check_phases(peildatum=D(2027, 8, 1)).bevindingen


def test_a_transition_without_an_mbo_inschrijving_is_refused_and_changes_nothing(opzet):
    vo, _mbo = route_leerling(opzet["vo"].leerroute, met_mbo=False)
    checks.check_phases(peildatum=VOOR_DE_OVERGANG)
    signaal = Signaal.objects.get(leerling=vo.leerling)
    response = _client(opzet["coordinator"]).post(_url("signaal-toepassen", signaal), follow=True)
    assert "R-INS-3" in response.content.decode()
    vo.refresh_from_db()
    signaal.refresh_from_db()
    assert vo.fase == "vo" and signaal.status == "open"
    assert not Fasewissel.objects.exists()


def test_a_beheerder_may_not_apply_and_an_outsider_gets_404(opzet):
    signaal = opzet["signaal"]
    assert _client(opzet["beheerder_vo"]).post(_url("signaal-toepassen", signaal)).status_code == 403
    for rol in ("andere_beheerder", "andere_coordinator"):
        for actie in ("signaal-toepassen", "signaal-afwijzen", "signaal-overdragen"):
            assert _client(opzet[rol]).post(_url(actie, signaal), {"reden": "x"}).status_code == 404
    opzet["vo"].refresh_from_db()
    assert opzet["vo"].fase == "vo"


def test_actions_are_post_only_and_need_the_csrf_token(opzet):
    signaal = opzet["signaal"]
    assert _client(opzet["coordinator"]).get(_url("signaal-toepassen", signaal)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    inloggen(strict, opzet["coordinator"])
    assert strict.post(_url("signaal-toepassen", signaal)).status_code == 403


# --- dismiss and hand over ---------------------------------------------------------------------------


def test_dismissing_needs_a_reason_and_is_not_undone_by_the_next_check(opzet):
    signaal, c = opzet["signaal"], _client(opzet["coordinator"])
    c.post(_url("signaal-afwijzen", signaal), {"reden": "  "})
    signaal.refresh_from_db()
    assert signaal.status == "open"

    c.post(_url("signaal-afwijzen", signaal), {"reden": "Leerling doubleert leerjaar 4; vo corrigeert"})
    signaal.refresh_from_db()
    assert signaal.status == "afgewezen"
    assert signaal.afhandeling == "Leerling doubleert leerjaar 4; vo corrigeert"
    assert signaal.afgehandeld_door == opzet["coordinator"] and signaal.gesloten_op

    assert not checks.check_phases(peildatum=VOOR_DE_OVERGANG).nieuw
    assert Signaal.objects.count() == 1


def test_handing_over_to_a_named_colleague_of_one_of_the_two_schools(opzet):
    signaal, c = opzet["signaal"], _client(opzet["coordinator"])
    mbo = opzet["mbo"].instelling
    collega = opzet["beheerder_mbo"]
    collega.first_name, collega.last_name = "Mila", "de Boer"
    collega.save()
    # The form offers the beheerders of the two schools, by name.
    pagina = c.get(_url("signaal", signaal)).content.decode()
    assert "Mila de Boer" in pagina and opzet["andere_beheerder"].username not in pagina

    c.post(_url("signaal-overdragen", signaal), {"aan_persoon": opzet["andere_beheerder"].pk})
    signaal.refresh_from_db()
    assert signaal.status == "open"  # a colleague of a third school is not a choice

    c.post(
        _url("signaal-overdragen", signaal),
        {"aan_persoon": collega.pk, "toelichting": "Graag mbo-inschrijving nalopen"},
    )
    signaal.refresh_from_db()
    assert signaal.status == "overgedragen"
    assert signaal.toegewezen_persoon == collega and signaal.toegewezen_aan == mbo
    assert "Mila de Boer" in signaal.afhandeling and "Graag mbo-inschrijving nalopen" in signaal.afhandeling
    regel = AuditRegel.objects.filter(model="registratie.Signaal", object_id=str(signaal.pk)).latest("id")
    assert regel.nieuw["toegewezen_persoon"] == collega.pk and regel.gebruiker == opzet["coordinator"]
    # "Aan mij toegewezen" is the colleague's now, no longer the coordinator's.
    mij = reverse("registratie:signalen") + "?mij=1"
    assert f"/signalen/{signaal.pk}/" in _client(collega).get(mij).content.decode()
    assert f"/signalen/{signaal.pk}/" not in c.get(mij).content.decode()
    # Still visible to the school's beheerder, and still open for the check.
    assert signaal in selectors.signalen_voor(collega)
    assert not checks.check_phases(peildatum=VOOR_DE_OVERGANG).nieuw


# --- uitstroom (R-INS-10) and monitoring (R-MON-2) ----------------------------------------------------


def test_recording_uitstroom_ends_the_route_enrolments_and_shows_in_monitoring(opzet):
    vo, mbo = opzet["vo"], opzet["mbo"]
    c = _client(opzet["beheerder_vo"])
    response = c.post(
        reverse("registratie:uitstroom", args=[vo.leerling.pk]),
        {
            "leerroute": vo.leerroute.pk,
            "datum": "2026-02-01",
            "reden": "overstap_opleiding",
            "bestemming": "mbo",
            "toelichting": "Naar een andere mbo-opleiding bij de partner",
        },
    )
    assert response.status_code == 302
    for i in (vo, mbo):
        i.refresh_from_db()
        assert (i.einddatum, i.reden_einde) == (D(2026, 2, 1), "overstap")
    u = Uitstroom.objects.get()
    assert (u.reden, u.bestemming, u.vastgelegd_door) == ("overstap_opleiding", "mbo", opzet["beheerder_vo"])

    # The proposed transition closes itself on the next run: nobody is left to move.
    checks.check_phases(peildatum=VOOR_DE_OVERGANG)
    assert Signaal.objects.get().status == "opgelost"

    page = _client(opzet["coordinator"]).get(reverse("registratie:monitoring"), {"datum": "2026-03-01"})
    [rij] = page.context["rijen"]
    assert (rij.cohort, rij.instroom, rij.uitstroom, rij.in_vo_fase) == (2025, 1, 1, 0)
    assert rij.uitstroom_per_reden == {"stapt over naar een andere opleiding": 1}
    assert "mbo-opleiding buiten de route" in rij.uitstroom_per_bestemming
    assert "stapt over naar een andere opleiding" in page.content.decode()


def test_uitstroom_before_the_start_is_refused_with_the_rule(opzet):
    vo = opzet["vo"]
    response = _client(opzet["beheerder_vo"]).post(
        reverse("registratie:uitstroom", args=[vo.leerling.pk]),
        {"leerroute": vo.leerroute.pk, "datum": "2025-01-01", "reden": "stopt", "bestemming": "anders"},
    )
    assert response.status_code == 400 and "R-INS-10" in response.content.decode()
    vo.refresh_from_db()
    assert vo.einddatum is None


def test_a_coordinator_cannot_record_uitstroom(opzet):
    vo = opzet["vo"]
    response = _client(opzet["coordinator"]).post(
        reverse("registratie:uitstroom", args=[vo.leerling.pk]),
        {"leerroute": vo.leerroute.pk, "datum": "2026-02-01", "reden": "stopt", "bestemming": "anders"},
    )
    assert response.status_code == 403


def test_monitoring_counts_intake_fases_transitions_and_diplomas(opzet):
    route = opzet["vo"].leerroute
    dlr = LeerrouteFactory(dlr4=True, overeenkomst=route.overeenkomst)
    vo2, _mbo2 = route_leerling(dlr)
    Inschrijving.objects.filter(pk=vo2.pk).update(
        einddatum=D(2027, 7, 31), reden_einde="diploma", vmbo_diploma_datum=D(2027, 7, 1)
    )
    _client(opzet["coordinator"]).post(_url("signaal-toepassen", opzet["signaal"]))
    rijen = {r.leerroute.pk: r for r in selectors.monitoring(opzet["coordinator"], peildatum=D(2027, 9, 1))}
    assert (rijen[route.pk].instroom, rijen[route.pk].in_mbo_fase, rijen[route.pk].overgangen) == (1, 1, 1)
    assert (rijen[dlr.pk].instroom, rijen[dlr.pk].vmbo_diplomas, rijen[dlr.pk].in_vo_fase) == (1, 1, 1)
    assert rijen[dlr.pk].cohort_label == "2025-2026"
    # Another agreement's coordinator sees none of it.
    assert selectors.monitoring(opzet["andere_coordinator"]) == []


def test_home_links_to_the_review_and_monitoring(opzet):
    html = _client(opzet["coordinator"]).get(reverse("home")).content.decode()
    for name in ("signalen", "leerlingen", "monitoring"):
        assert reverse(f"registratie:{name}") in html

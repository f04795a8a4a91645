"""Issue 9: a change to a row that other rows depend on re-checks their rules at once
(docs/regels-afhankelijkheden.md): refused with the rule id, how many students depend on it and a
few of their names; or accepted with one signal per affected student, raised by the save itself.
Driven through the admin (as users do), the services, the import and the nightly check."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from leerroute.kwalificaties import laad_kwalificaties
from leerroute.models import Kwalificatie
from registratie import checks, services
from registratie.models import Inschrijving, Signaal
from samenwerking.models import AuditRegel, Samenwerkingsovereenkomst
from samenwerking.services import opslaan
from tests.admin_data import route_data, sok_data
from tests.factories import (
    InstellingFactory,
    KwalificatieFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
    route_leerling,
)
from tests.login import inloggen

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def app(client):
    user = gebruiker_met_rol("applicatiebeheerder")
    inloggen(client, user)
    return user


@pytest.fixture
def route():
    """A GLR BB → niveau 2 route with two running students (both sides) and one who left."""
    route = LeerrouteFactory(naam="Zorg BB-2")
    route_leerling(route)
    route_leerling(route)
    vo, mbo = route_leerling(route)
    Inschrijving.objects.filter(pk__in=[vo.pk, mbo.pk]).update(
        einddatum=D(2025, 12, 1), reden_einde="correctie"
    )
    return route


def open_signalen(**kwargs):
    return Signaal.objects.filter(status__in=["open", "overgedragen"], **kwargs)


def signaal_audit(kanaal: str) -> int:
    return AuditRegel.objects.filter(model="registratie.Signaal", actie="create", kanaal=kanaal).count()


def running_students(route) -> set[int]:
    return set(route.inschrijvingen.filter(einddatum__isnull=True).values_list("leerling_id", flat=True))


def nightly_adds_nothing(regel: str) -> bool:
    """The nightly check finds every cause the save signalled, under the same key: nothing new for
    this rule (it may propose the coming transitions to the mbo-fase, which are another matter)."""
    resultaat = checks.check_phases(peildatum=timezone.localdate())
    gevonden = [b for b in resultaat.bevindingen if b.regel == regel]
    return bool(gevonden) and not any(b.sleutel in resultaat.nieuw for b in gevonden)


# --- mbo-kwalificatie: niveau (and crebo) -> R-LR-2..5: accepted, signalled --------------------------


def test_changing_a_qualification_niveau_in_the_admin_signals_each_student(client, app, route):
    k = route.kwalificatie
    r = client.post(
        f"/beheer/leerroute/kwalificatie/{k.pk}/change/",
        {"crebo": k.crebo, "naam": k.naam, "niveau": "3", "domein": ""},
    )
    assert r.status_code == 302  # accepted: the register is right, the route must follow
    k.refresh_from_db()
    assert k.niveau == 3
    assert AuditRegel.objects.filter(model="leerroute.Kwalificatie", kanaal="admin", actie="update").exists()
    signalen = open_signalen(regel="R-LR-3")
    assert {s.leerling_id for s in signalen} == running_students(route)
    assert len(signalen) == 2  # one per running student, not per enrolment; not the student who left
    assert all("R-LR-3" in s.toelichting and k.crebo in s.toelichting for s in signalen)
    assert signaal_audit("admin") == 2
    # Saved again (another field): the open signals are not raised twice.
    client.post(
        f"/beheer/leerroute/kwalificatie/{k.pk}/change/",
        {"crebo": k.crebo, "naam": "Nieuwe naam", "niveau": "3", "domein": ""},
    )
    assert open_signalen(regel="R-LR-3").count() == 2
    assert nightly_adds_nothing("R-LR-3")


def test_a_crebo_correction_to_an_entree_qualification_signals_r_lr_2(app, route):
    k = route.kwalificatie
    k.crebo, k.niveau = "91999", 1
    opslaan(k, door=app, kanaal="admin")
    assert {s.leerling_id for s in open_signalen(regel="R-LR-2")} == running_students(route)


def test_the_crebo_import_signals_like_the_admin(route):
    k = route.kwalificatie
    regels = ["crebo;naam;niveau;domein", f"{k.crebo};{k.naam};4;"]
    assert laad_kwalificaties(io.StringIO("\n".join(regels))) == (0, 1)
    assert Kwalificatie.objects.get(pk=k.pk).niveau == 4
    assert {s.leerling_id for s in open_signalen(regel="R-LR-3")} == running_students(route)
    assert signaal_audit("import") == 2


def test_a_niveau_change_that_still_fits_raises_nothing(route):
    dlr = LeerrouteFactory(dlr4=True)  # DLR KB -> 4
    route_leerling(dlr, leerweg="KB")
    k = dlr.kwalificatie
    k.niveau = 3  # KB -> 3 is allowed too (R-LR-5)
    opslaan(k, door=None, kanaal="admin")
    assert not open_signalen().exists()


# --- leerroute: soort, leerweg, kwalificatie -> R-INS-2/3: accepted, signalled ------------------------


def test_changing_the_route_type_in_the_admin_signals_each_enrolled_student(client, app, route):
    # DLR BB -> niveau 2 is a valid route (R-LR-4, R-LR-5); its enrolments still say GLR.
    data = route_data(route.overeenkomst, route.kwalificatie, naam=route.naam, soort="DLR")
    r = client.post(f"/beheer/leerroute/leerroute/{route.pk}/change/", data)
    assert r.status_code == 302
    route.refresh_from_db()
    assert route.soort == "DLR"
    signalen = open_signalen(regel="R-INS-2")
    assert {s.leerling_id for s in signalen} == running_students(route) and len(signalen) == 2
    assert all("opleidingskenmerk GLR (route: DLR)" in s.toelichting for s in signalen)
    assert signaal_audit("admin") == 2
    assert nightly_adds_nothing("R-INS-2")
    # The schools correct their enrolments: the nightly check closes the signals.
    Inschrijving.objects.filter(leerroute=route).update(opleidingskenmerk="DLR")
    checks.check_phases(peildatum=timezone.localdate())
    assert not open_signalen(regel="R-INS-2").exists()


def test_changing_the_route_qualification_signals_r_ins_3_for_the_mbo_side(app, route):
    route.kwalificatie = KwalificatieFactory(niveau=2)
    opslaan(route, door=app)
    signalen = open_signalen(regel="R-INS-3")
    assert {s.leerling_id for s in signalen} == running_students(route)
    assert all("de mbo-inschrijving: kwalificatie" in s.toelichting for s in signalen)


def test_changing_the_route_leerweg_signals_r_ins_2(app):
    route = LeerrouteFactory(dlr4=True)  # DLR KB -> 4
    vo, _mbo = route_leerling(route, leerweg="KB")
    route.leerweg = "GL"  # GL -> 4 is valid
    opslaan(route, door=app)
    assert open_signalen(regel="R-INS-2", leerling=vo.leerling).count() == 1


# --- leerroute: moved to an agreement between other schools -> refused --------------------------------


def test_moving_a_route_to_other_schools_is_refused_in_the_admin_with_count_and_names(client, app, route):
    andere = OvereenkomstFactory(actief=True, mbo_instelling=route.overeenkomst.mbo_instelling)
    data = route_data(andere, route.kwalificatie, naam=route.naam)
    r = client.post(f"/beheer/leerroute/leerroute/{route.pk}/change/", data)
    assert r.status_code == 200
    body = r.content.decode()
    assert "R-INS-2: de vo-partij van de route zou een andere school worden: 2 leerlingen" in body
    namen = Inschrijving.objects.filter(leerroute=route, einddatum__isnull=True, sector="vo")
    assert all(i.leerling.achternaam in body for i in namen)
    route.refresh_from_db()
    assert route.overeenkomst_id != andere.pk
    assert not AuditRegel.objects.filter(model="leerroute.Leerroute", actie="update").exists()


def test_moving_a_route_to_a_renewed_agreement_between_the_same_schools_is_accepted(app, route):
    o = route.overeenkomst
    nieuw = OvereenkomstFactory(actief=True, vo_instelling=o.vo_instelling, mbo_instelling=o.mbo_instelling)
    route.overeenkomst = nieuw
    opslaan(route, door=app)
    assert not open_signalen().exists()


# --- agreement: parties and subject -> refused; status and dates -> R-LR-8 signalled -----------------


def test_changing_an_agreement_party_is_refused_in_the_admin(client, app, route):
    o = route.overeenkomst
    ander_mbo = InstellingFactory(mbo=True)
    r = client.post(
        f"/beheer/samenwerking/samenwerkingsovereenkomst/{o.pk}/change/",
        sok_data(o.vo_instelling, ander_mbo, naam=o.naam, ingangsdatum="2024-08-01"),
    )
    assert r.status_code == 200
    assert "R-SOK-1: de mbo-partij van overeenkomst" in r.content.decode()
    assert "2 leerlingen hebben een lopende inschrijving die hiervan afhangt" in r.content.decode()
    o.refresh_from_db()
    assert o.mbo_instelling_id != ander_mbo.pk


def test_changing_an_agreement_party_is_refused_by_the_service(app, route):
    o = Samenwerkingsovereenkomst.objects.get(pk=route.overeenkomst_id)
    o.vo_instelling = InstellingFactory()
    with pytest.raises(ValidationError) as exc:
        opslaan(o, door=app)
    (bericht,) = exc.value.message_dict["vo_instelling"]
    assert bericht.startswith("R-SOK-1: ") and "2 leerlingen" in bericht
    assert (
        Samenwerkingsovereenkomst.objects.get(pk=o.pk).vo_instelling_id == route.overeenkomst.vo_instelling_id
    )


def test_an_agreement_without_students_may_change_its_parties(app):
    route = LeerrouteFactory()
    o = route.overeenkomst
    o.vo_instelling = InstellingFactory()
    opslaan(o, door=app)
    assert Samenwerkingsovereenkomst.objects.get(pk=o.pk).vo_instelling_id == o.vo_instelling_id


def test_turning_a_route_agreement_into_a_leerwerktraject_agreement_is_refused(app, route):
    o = route.overeenkomst
    o.onderwerp = "leerwerktraject"
    with pytest.raises(ValidationError) as exc:
        opslaan(o, door=app)
    assert exc.value.message_dict["onderwerp"][0].startswith("R-SOK-1: ")


@pytest.mark.parametrize(
    "wijziging",
    [{"status": "beeindigd"}, {"einddatum": "2025-07-31", "ingangsdatum": "2024-08-01"}],
    ids=["status", "einddatum"],
)
def test_ending_an_agreement_in_the_admin_signals_r_lr_8_per_student(client, app, route, wijziging):
    o = route.overeenkomst
    data = sok_data(o.vo_instelling, o.mbo_instelling, naam=o.naam, ingangsdatum="2024-08-01") | wijziging
    r = client.post(f"/beheer/samenwerking/samenwerkingsovereenkomst/{o.pk}/change/", data)
    assert r.status_code == 302
    signalen = open_signalen(regel="R-LR-8")
    assert {s.leerling_id for s in signalen} == running_students(route) and len(signalen) == 2
    assert all(s.sleutel == f"fasecontrole:R-LR-8:{s.leerling_id}:{route.pk}" for s in signalen)
    assert signaal_audit("admin") == 2
    assert nightly_adds_nothing("R-LR-8")  # the nightly rule finds the same keys


# --- one side of a dual enrolment ends -----------------------------------------------------------------


def test_ending_the_vo_side_while_the_mbo_side_runs_in_the_vo_fase_is_refused(app):
    vo, _mbo = route_leerling()
    vo.vo_activiteiten_afgerond_op = D(2026, 1, 31)
    with pytest.raises(ValidationError) as exc:
        services.inschrijving_beeindigen(
            inschrijving=vo, einddatum=D(2026, 1, 31), reden="vo_afgerond", door=app
        )
    assert exc.value.messages[0].startswith("R-INS-2: ")
    assert Inschrijving.objects.get(pk=vo.pk).einddatum is None  # nothing saved
    assert not AuditRegel.objects.filter(model="registratie.Inschrijving", object_id=str(vo.pk)).exists()


def test_ending_one_side_as_overstap_signals_a_half_registered_switch(app):
    vo, mbo = route_leerling()
    services.inschrijving_beeindigen(inschrijving=mbo, einddatum=D(2026, 1, 31), reden="overstap", door=app)
    (s,) = open_signalen(regel="R-INS-10")
    assert (s.leerling_id, s.inschrijving_id) == (vo.leerling_id, mbo.pk)
    assert "R-INS-5, R-INS-10" in s.toelichting and "de vo-inschrijving loopt door" in s.toelichting
    assert signaal_audit("ui") == 1
    assert nightly_adds_nothing("R-INS-10")


def test_recording_the_uitstroom_of_the_whole_route_raises_no_half_registered_signal(app):
    from registratie.models import Uitstroom

    vo, _mbo = route_leerling()
    u = Uitstroom(
        leerling=vo.leerling, leerroute=vo.leerroute, datum=D(2026, 1, 31), reden="stopt", bestemming="vmbo"
    )
    services.uitstroom_vastleggen(uitstroom=u, door=app)
    assert not Inschrijving.objects.filter(leerling=vo.leerling, einddatum__isnull=True).exists()
    assert not open_signalen().exists()


# --- rules of routes and agreements themselves ----------------------------------------------------------


def test_an_instelling_that_no_longer_offers_vo_is_refused_while_it_is_a_vo_party(app, route):
    vo = route.overeenkomst.vo_instelling
    vo.soort = "mbo"
    with pytest.raises(ValidationError) as exc:
        opslaan(vo, door=app)
    (bericht,) = exc.value.message_dict["soort"]
    assert bericht.startswith("R-SOK-1: ") and route.overeenkomst.naam in bericht
    vo.refresh_from_db()
    assert vo.soort == "vo"
    vo.soort = "aoc"  # an AOC offers vmbo too: accepted
    opslaan(vo, door=app)


def test_moving_an_agreement_away_from_a_routes_vestiging_is_refused(app):
    from tests.registratie.rod_helpers import route_met_vestigingen

    route = route_met_vestigingen()  # no students
    o = route.overeenkomst
    o.mbo_instelling = InstellingFactory(mbo=True)
    with pytest.raises(ValidationError) as exc:
        opslaan(o, door=app)
    (bericht,) = exc.value.message_dict["mbo_instelling"]
    assert bericht.startswith("R-LR-1: ") and route.naam in bericht and "1 route hangt hiervan af" in bericht


def test_a_leerwerktraject_agreement_in_use_stays_one(app):
    route = LeerrouteFactory()
    o = route.overeenkomst
    lwt = OvereenkomstFactory(
        actief=True,
        onderwerp="leerwerktraject",
        vo_instelling=o.vo_instelling,
        mbo_instelling=o.mbo_instelling,
    )
    route.omvat_leerwerktraject, route.leerwerktraject_overeenkomst = True, lwt
    opslaan(route, door=app)
    lwt.onderwerp = "leerroute"
    with pytest.raises(ValidationError) as exc:
        opslaan(lwt, door=app)
    assert exc.value.message_dict["onderwerp"][0].startswith("R-SOK-3: ")


# --- the other side of the same route: R-INS-6 and R-INS-1 on save ------------------------------------


def test_correcting_one_side_after_a_route_change_signals_the_disagreement(app, route):
    route.soort = "DLR"
    opslaan(route, door=app)
    vo = Inschrijving.objects.filter(leerroute=route, sector="vo", einddatum__isnull=True).first()
    vo.opleidingskenmerk = "DLR"
    services.inschrijving_opslaan(inschrijving=vo, door=app, kanaal="api")
    (s,) = open_signalen(regel="R-INS-6", leerling=vo.leerling)
    assert s.sleutel.startswith(f"fasecontrole:R-INS-6:opleidingskenmerk:{vo.pk}:")
    # Raised by this save: the disagreement, and the mbo side that still differs from the route.
    gemaakt = AuditRegel.objects.filter(model="registratie.Signaal", actie="create", kanaal="api")
    assert sorted(r.nieuw["regel"] for r in gemaakt) == ["R-INS-3", "R-INS-6"]
    assert nightly_adds_nothing("R-INS-6")


def test_a_later_start_of_the_vo_side_signals_the_mbo_side_starting_too_early(app):
    vo, mbo = route_leerling()  # both start 1 August 2025, vmbo leerjaar 3
    vo.startdatum = D(2026, 8, 1)  # corrected: leerjaar 3 began a year later
    services.inschrijving_opslaan(inschrijving=vo, door=app)
    (s,) = open_signalen(regel="R-INS-1")
    assert (s.inschrijving_id, s.instelling_id) == (mbo.pk, mbo.instelling_id)
    assert s.sleutel == f"fasecontrole:R-INS-1:start:{mbo.pk}"


def test_an_mbo_side_posted_through_the_api_in_another_fase_signals_r_ins_6():
    from rest_framework.test import APIClient

    vo, _ = route_leerling(met_mbo=False)
    route = vo.leerroute
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.mbo_instelling)
    client = APIClient()
    client.force_authenticate(beheerder)
    r = client.post(
        "/api/inschrijvingen/",
        {
            "leerling": vo.leerling_id,
            "leerroute": route.pk,
            "sector": "mbo",
            "instelling": route.overeenkomst.mbo_instelling_id,
            "inschrijvingsvolgnummer": "ROC-1",
            "opleidingskenmerk": route.soort,
            "fase": "mbo",
            "startdatum": "2025-08-01",
            "kwalificatie": route.kwalificatie_id,
            "leervorm": "BOL",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    (s,) = open_signalen(regel="R-INS-6")
    assert s.leerling_id == vo.leerling_id and "vo 'vo', mbo 'mbo'" in s.toelichting
    gemaakt = AuditRegel.objects.get(model="registratie.Signaal", actie="create")
    assert (gemaakt.kanaal, gemaakt.gebruiker) == ("api", beheerder)


# --- set-based: the number of queries does not grow with the dependents ---------------------------------


def _queries_voor_niveauwijziging(n: int) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    route = LeerrouteFactory()
    for _ in range(n):
        route_leerling(route)
    k = route.kwalificatie
    k.niveau = 3
    with CaptureQueriesContext(connection) as ctx:
        opslaan(k, door=None, kanaal="admin")
    return len(ctx.captured_queries), open_signalen(regel="R-LR-3", overeenkomst=route.overeenkomst).count()


def test_a_dependency_recheck_takes_the_same_queries_for_3_and_30_students():
    klein, signalen_klein = _queries_voor_niveauwijziging(3)
    groot, signalen_groot = _queries_voor_niveauwijziging(30)
    assert (signalen_klein, signalen_groot) == (3, 30)
    assert klein == groot


def test_a_school_moving_to_the_partners_board_signals_that_the_sok_should_be_an_interne_regeling(app, route):
    vo = route.overeenkomst.vo_instelling
    vo.bestuur = route.overeenkomst.mbo_instelling.bestuur  # the boards merged
    opslaan(vo, door=app)
    signalen = open_signalen(regel="R-SOK-1")
    assert {s.leerling_id for s in signalen} == running_students(route)
    assert all("interne regeling" in s.toelichting for s in signalen)
    assert nightly_adds_nothing("R-SOK-1")

"""The Django admin (/beheer/) as users drive it: POST the add forms, then look at what was stored
and at the audit trail. Forbidden combinations come back as the form with the rule id, and
nothing is saved."""

import datetime

import pytest

from leerroute.models import LeerjaarProgramma, Leerroute
from registratie.models import Inschrijving, Leerling
from samenwerking.identifiers import onderwijsnummer_with_check_digit
from samenwerking.models import AuditRegel, Bestuur, Instelling, Samenwerkingsovereenkomst
from tests.admin_data import leerling_data, management, mbo_rij, route_data, sok_data, vo_rij
from tests.factories import (
    BestuurFactory,
    InschrijvingFactory,
    InstellingFactory,
    KwalificatieFactory,
    LeerlingFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)
from tests.login import inloggen

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(client):
    user = gebruiker_met_rol("applicatiebeheerder")
    inloggen(client, user)
    return user


def admin_audit(model: str) -> list[AuditRegel]:
    return list(AuditRegel.objects.filter(model=model, kanaal="admin", actie="create"))


def assert_refused(response, rule: str):
    """The form comes back (200) naming the rule; the caller checks nothing was saved."""
    assert response.status_code == 200, response.status_code
    assert f"{rule}: " in response.content.decode()


# --- The whole set-up as applicatiebeheerder ------------------------------------------------------


def test_applicatiebeheerder_sets_up_a_route_and_enrols_a_student(client, app):
    r = client.post(
        "/beheer/samenwerking/bestuur/add/", {"naam": "Stichting Vmbo Noord", "bevoegd_gezag_nummer": "41001"}
    )
    assert r.status_code == 302
    vo_bestuur = Bestuur.objects.get(naam="Stichting Vmbo Noord")
    r = client.post("/beheer/samenwerking/bestuur/add/", {"naam": "ROC Noord", "bevoegd_gezag_nummer": ""})
    assert r.status_code == 302
    mbo_bestuur = Bestuur.objects.get(naam="ROC Noord")

    r = client.post(
        "/beheer/samenwerking/instelling/add/",
        {
            "bestuur": vo_bestuur.pk,
            "naam": "Vmbo De Brug",
            "brin": "25lg",
            "soort": "vo",
            "plaats": "Groningen",
        }
        | management("vestigingen"),
    )
    assert r.status_code == 302
    vo = Instelling.objects.get(brin="25LG")
    r = client.post(
        "/beheer/samenwerking/instelling/add/",
        {
            "bestuur": mbo_bestuur.pk,
            "naam": "ROC Noorderpoort",
            "brin": "30XY",
            "soort": "mbo",
            "plaats": "Groningen",
        }
        | management("vestigingen", total=1)
        | {
            "vestigingen-0-code": "30XY01",
            "vestigingen-0-naam": "Techniekcampus",
            "vestigingen-0-plaats": "",
        },
    )
    assert r.status_code == 302
    mbo = Instelling.objects.get(brin="30XY")
    assert mbo.vestigingen.get().code == "30XY01"

    r = client.post("/beheer/samenwerking/samenwerkingsovereenkomst/add/", sok_data(vo, mbo))
    assert r.status_code == 302
    sok = Samenwerkingsovereenkomst.objects.get(naam="SOK Techniek Noord")
    assert sok.status == "actief"

    kwalificatie = KwalificatieFactory(crebo="95180", niveau=2)
    r = client.post(
        "/beheer/leerroute/leerroute/add/",
        route_data(sok, kwalificatie, mbo_vestiging=mbo.vestigingen.get().pk)
        | management("programma", total=1)
        | {"programma-0-routejaar": "1", "programma-0-beschrijving": "Gecombineerd PTA/OER leerjaar 1"},
    )
    assert r.status_code == 302
    route = Leerroute.objects.get(naam="Techniek BB-2")
    assert LeerjaarProgramma.objects.get(leerroute=route).routejaar == 1

    r = client.post("/beheer/registratie/leerling/add/", leerling_data(vo, [vo_rij(route), mbo_rij(route)]))
    assert r.status_code == 302
    leerling = Leerling.objects.met_nummer("111222333").get()
    assert set(leerling.inschrijvingen.values_list("sector", "instelling")) == {
        ("vo", vo.pk),
        ("mbo", mbo.pk),
    }

    # Every step left its audit row, with the admin as channel and the user who did it.
    for model, n in [
        ("samenwerking.Bestuur", 2),
        ("samenwerking.Instelling", 2),
        ("samenwerking.Samenwerkingsovereenkomst", 1),
        ("leerroute.Leerroute", 1),
        ("registratie.Leerling", 1),
        ("registratie.Inschrijving", 2),
    ]:
        rows = admin_audit(model)
        assert len(rows) == n, model
        assert {r.gebruiker_id for r in rows} == {app.pk}


def test_changing_a_student_in_the_admin_writes_an_update_row_with_the_diff(client, app):
    leerling = LeerlingFactory(achternaam="Oud")
    r = client.post(
        f"/beheer/registratie/leerling/{leerling.pk}/change/",
        leerling_data(
            leerling.instelling,
            bsn=leerling.bsn,
            voornamen="Sanne Maria",
            voorletters="S.M.",
            achternaam="Nieuw",
        ),
    )
    assert r.status_code == 302
    row = AuditRegel.objects.get(kanaal="admin", actie="update")
    assert (row.oud, row.nieuw) == ({"achternaam": "Oud"}, {"achternaam": "Nieuw"})


def test_deleting_in_the_admin_writes_a_delete_row(client, app):
    bestuur = BestuurFactory(naam="Opgeheven")
    r = client.post(f"/beheer/samenwerking/bestuur/{bestuur.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert not Bestuur.objects.filter(pk=bestuur.pk).exists()
    assert AuditRegel.objects.get(kanaal="admin").actie == "delete"


def test_changelist_shows_the_bsn_masked(client, app):
    leerling = LeerlingFactory()
    content = client.get("/beheer/registratie/leerling/").content.decode()
    assert leerling.achternaam in content
    assert leerling.bsn not in content
    assert "••••••" + leerling.bsn[-3:] in content


# --- As beheerder of an instelling ----------------------------------------------------------------


@pytest.fixture
def vo_beheerder(client):
    vo = InstellingFactory(naam="Vmbo Eigen")
    user = gebruiker_met_rol("beheerder", instelling=vo)
    inloggen(client, user)
    return user, vo


def test_beheerder_creates_agreement_route_and_student_with_vo_enrolment(client, vo_beheerder):
    user, vo = vo_beheerder
    mbo = InstellingFactory(mbo=True)
    r = client.post("/beheer/samenwerking/samenwerkingsovereenkomst/add/", sok_data(vo, mbo))
    assert r.status_code == 302
    sok = Samenwerkingsovereenkomst.objects.get()
    r = client.post("/beheer/leerroute/leerroute/add/", route_data(sok, KwalificatieFactory(niveau=2)))
    assert r.status_code == 302
    route = Leerroute.objects.get()
    r = client.post("/beheer/registratie/leerling/add/", leerling_data(vo, [vo_rij(route)]))
    assert r.status_code == 302
    assert Inschrijving.objects.get().instelling == vo
    assert {a.model for a in AuditRegel.objects.filter(kanaal="admin", gebruiker=user)} == {
        "samenwerking.Samenwerkingsovereenkomst",
        "leerroute.Leerroute",
        "registratie.Leerling",
        "registratie.Inschrijving",
    }


def test_beheerder_creates_bestuur_and_both_kinds_of_instelling(client, vo_beheerder):
    r = client.post(
        "/beheer/samenwerking/bestuur/add/", {"naam": "Stichting Nieuw", "bevoegd_gezag_nummer": ""}
    )
    assert r.status_code == 302
    bestuur = Bestuur.objects.get(naam="Stichting Nieuw")
    for naam, brin, soort in [("Vmbo Nieuw", "31AA", "vo"), ("ROC Nieuw", "31AB", "mbo")]:
        r = client.post(
            "/beheer/samenwerking/instelling/add/",
            {"bestuur": bestuur.pk, "naam": naam, "brin": brin, "soort": soort, "plaats": ""}
            | management("vestigingen"),
        )
        assert r.status_code == 302
    assert set(Instelling.objects.filter(bestuur=bestuur).values_list("brin", "soort")) == {
        ("31AA", "vo"),
        ("31AB", "mbo"),
    }
    assert len(admin_audit("samenwerking.Instelling")) == 2
    assert len(admin_audit("samenwerking.Bestuur")) == 1


def test_invalid_brin_is_refused_in_admin(client, vo_beheerder):
    r = client.post(
        "/beheer/samenwerking/instelling/add/",
        {"bestuur": BestuurFactory().pk, "naam": "Fout", "brin": "3AB1", "soort": "vo", "plaats": ""}
        | management("vestigingen"),
    )
    assert r.status_code == 200
    assert "Ongeldige BRIN-code" in r.content.decode()
    assert not Instelling.objects.filter(naam="Fout").exists()


def test_vo_beheerder_cannot_enrol_at_the_partner_mbo(client, vo_beheerder):
    _user, vo = vo_beheerder
    route = LeerrouteFactory(overeenkomst__vo_instelling=vo)
    r = client.post("/beheer/registratie/leerling/add/", leerling_data(vo, [vo_rij(route), mbo_rij(route)]))
    assert r.status_code == 200
    assert "eigen instelling" in r.content.decode()
    assert not Leerling.objects.exists()
    assert not AuditRegel.objects.exists()


def test_beheerder_of_both_schools_enrols_both_sides(client):
    route = LeerrouteFactory()
    o = route.overeenkomst
    user = gebruiker_met_rol("beheerder", instelling=o.vo_instelling)
    user.lidmaatschappen.create(rol="beheerder", instelling=o.mbo_instelling)
    inloggen(client, user)
    r = client.post(
        "/beheer/registratie/leerling/add/", leerling_data(o.vo_instelling, [vo_rij(route), mbo_rij(route)])
    )
    assert r.status_code == 302
    assert Inschrijving.objects.count() == 2


def test_beheerder_cannot_make_an_agreement_between_two_other_schools(client, vo_beheerder):
    r = client.post(
        "/beheer/samenwerking/samenwerkingsovereenkomst/add/",
        sok_data(InstellingFactory(), InstellingFactory(mbo=True)),
    )
    assert r.status_code == 200
    assert "namens uw eigen instelling" in r.content.decode()
    assert not Samenwerkingsovereenkomst.objects.exists()
    assert not AuditRegel.objects.exists()


def test_beheerder_cannot_hang_a_route_under_someone_elses_agreement(client, vo_beheerder):
    vreemd = OvereenkomstFactory(actief=True)
    r = client.post("/beheer/leerroute/leerroute/add/", route_data(vreemd, KwalificatieFactory(niveau=2)))
    assert r.status_code == 200
    assert not Leerroute.objects.exists()


# --- Forbidden combinations: the rule id on the page, nothing saved -------------------------------


def test_R_LR_2_entree_route_refused_in_admin(client, app):
    sok = OvereenkomstFactory(actief=True)
    r = client.post("/beheer/leerroute/leerroute/add/", route_data(sok, KwalificatieFactory(niveau=1)))
    assert_refused(r, "R-LR-2")
    assert not Leerroute.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_LR_3_glr_to_niveau_3_refused_in_admin(client, app):
    sok = OvereenkomstFactory(actief=True)
    r = client.post(
        "/beheer/leerroute/leerroute/add/", route_data(sok, KwalificatieFactory(niveau=3), leerweg="KB")
    )
    assert_refused(r, "R-LR-3")
    assert not Leerroute.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_LR_5_kb_to_niveau_2_refused_in_admin(client, app):
    sok = OvereenkomstFactory(actief=True)
    r = client.post(
        "/beheer/leerroute/leerroute/add/",
        route_data(sok, KwalificatieFactory(niveau=2), soort="DLR", leerweg="KB"),
    )
    assert_refused(r, "R-LR-5")
    assert not Leerroute.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_LR_7_two_programmes_for_one_leerjaar_refused_in_admin(client, app):
    sok = OvereenkomstFactory(actief=True)
    data = route_data(sok, KwalificatieFactory(niveau=2)) | management("programma", total=2)
    for n in (0, 1):
        data |= {f"programma-{n}-routejaar": "1", f"programma-{n}-beschrijving": f"PTA {n}"}
    r = client.post("/beheer/leerroute/leerroute/add/", data)
    assert r.status_code == 200
    assert not Leerroute.objects.exists()
    assert not LeerjaarProgramma.objects.exists()


@pytest.mark.parametrize(
    "onderdeel", ["overstapoptie", "advies_medezeggenschap", "betrokkenheid_bedrijfsleven"]
)
def test_R_SOK_2_activation_with_missing_element_refused_in_admin(client, app, onderdeel):
    r = client.post(
        "/beheer/samenwerking/samenwerkingsovereenkomst/add/",
        sok_data(InstellingFactory(), InstellingFactory(mbo=True), **{onderdeel: ""}),
    )
    assert_refused(r, "R-SOK-2")
    assert not Samenwerkingsovereenkomst.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_SOK_2_activating_an_existing_concept_refused_in_admin(client, app):
    sok = OvereenkomstFactory(status="concept", naam="Concept")
    data = sok_data(sok.vo_instelling, sok.mbo_instelling, naam="Concept", medezeggenschap="")
    r = client.post(f"/beheer/samenwerking/samenwerkingsovereenkomst/{sok.pk}/change/", data)
    assert_refused(r, "R-SOK-2")
    sok.refresh_from_db()
    assert sok.status == "concept"
    assert not AuditRegel.objects.exists()


def test_R_SOK_1_agreement_within_one_board_refused_in_admin(client, app):
    bestuur = BestuurFactory()
    vo, mbo = InstellingFactory(bestuur=bestuur), InstellingFactory(bestuur=bestuur, mbo=True)
    r = client.post("/beheer/samenwerking/samenwerkingsovereenkomst/add/", sok_data(vo, mbo))
    assert_refused(r, "R-SOK-1")
    assert not Samenwerkingsovereenkomst.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_SOK_4_agreement_not_covering_the_route_refused_in_admin(client, app):
    data = sok_data(InstellingFactory(), InstellingFactory(mbo=True))
    del data["dekt_volledige_route"]
    r = client.post("/beheer/samenwerking/samenwerkingsovereenkomst/add/", data)
    assert_refused(r, "R-SOK-4")
    assert not Samenwerkingsovereenkomst.objects.exists()


def test_R_INS_2_mbo_enrolment_in_vo_fase_without_vo_refused_in_admin(client, app):
    route = LeerrouteFactory()
    r = client.post(
        "/beheer/registratie/leerling/add/", leerling_data(route.overeenkomst.vo_instelling, [mbo_rij(route)])
    )
    assert_refused(r, "R-INS-2")
    assert not Leerling.objects.exists()
    assert not Inschrijving.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_LR_8_enrolment_under_concept_agreement_refused_in_admin(client, app):
    route = LeerrouteFactory(overeenkomst__status="concept")
    r = client.post(
        "/beheer/registratie/leerling/add/", leerling_data(route.overeenkomst.vo_instelling, [vo_rij(route)])
    )
    assert_refused(r, "R-LR-8")
    assert not Leerling.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_INS_1_enrolment_in_leerjaar_2_refused_in_admin(client, app):
    route = LeerrouteFactory()
    r = client.post(
        "/beheer/registratie/leerling/add/",
        leerling_data(route.overeenkomst.vo_instelling, [vo_rij(route, leerjaar="2")]),
    )
    assert_refused(r, "R-INS-1")
    assert not Leerling.objects.exists()


def test_student_with_both_numbers_refused_in_admin(client, app):
    r = client.post(
        "/beheer/registratie/leerling/add/",
        leerling_data(InstellingFactory(), onderwijsnummer=onderwijsnummer_with_check_digit("10000001")),
    )
    assert r.status_code == 200
    assert "precies één persoonsgebonden nummer" in r.content.decode()
    assert not Leerling.objects.exists()


def test_duplicate_bsn_refused_in_admin(client, app):
    bestaand = LeerlingFactory()
    r = client.post("/beheer/registratie/leerling/add/", leerling_data(InstellingFactory(), bsn=bestaand.bsn))
    assert r.status_code == 200
    assert "Er is al een leerling met dit BSN." in r.content.decode()
    assert Leerling.objects.count() == 1


def test_ending_a_vo_enrolment_with_reason_diploma_without_date_is_a_form_error(client, app):
    """The inline has no diploma-date column: the error must still come back as a form error."""
    vo_i = InschrijvingFactory()
    leerling = vo_i.leerling
    rij = vo_rij(
        vo_i.leerroute, id=vo_i.pk, leerling=leerling.pk, einddatum="2026-07-15", reden_einde="diploma"
    )
    rij["inschrijvingsvolgnummer"] = vo_i.inschrijvingsvolgnummer
    del rij["fase"]  # read-only on a stored enrolment
    data = leerling_data(leerling.instelling, [rij], bsn=leerling.bsn, achternaam=leerling.achternaam)
    data |= management("inschrijvingen", total=1, initial=1)
    r = client.post(f"/beheer/registratie/leerling/{leerling.pk}/change/", data)
    assert r.status_code == 200
    assert "diploma" in r.content.decode()
    vo_i.refresh_from_db()
    assert vo_i.einddatum is None


def test_R_INS_2_mbo_enrolment_added_on_its_own_is_a_form_error(client, app):
    """The enrolment screen (not the inline) also refuses an mbo enrolment in the vo-fase of a
    student who has no vo enrolment: as a message on the form, not as a server error."""
    route = LeerrouteFactory()
    leerling = LeerlingFactory(instelling=route.overeenkomst.vo_instelling)
    data = mbo_rij(route, leerling=leerling.pk, vestiging="", geplande_einddatum="", vmbo_diploma_datum="")
    data |= {"vo_activiteiten_afgerond_op": ""}
    r = client.post("/beheer/registratie/inschrijving/add/", data)
    assert_refused(r, "R-INS-2")
    assert not Inschrijving.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_INS_2_ending_the_vo_side_on_the_enrolment_screen_is_a_form_error(client, app):
    vo_i = InschrijvingFactory()
    InschrijvingFactory(leerroute=vo_i.leerroute, leerling=vo_i.leerling, mbo=True)
    data = vo_rij(
        vo_i.leerroute,
        leerling=vo_i.leerling_id,
        inschrijvingsvolgnummer=vo_i.inschrijvingsvolgnummer,
        einddatum="2025-12-01",
        reden_einde="correctie",
        vestiging="",
        geplande_einddatum="",
        vmbo_diploma_datum="",
        vo_activiteiten_afgerond_op="",
    )
    del data["fase"]
    r = client.post(f"/beheer/registratie/inschrijving/{vo_i.pk}/change/", data)
    assert_refused(r, "R-INS-2")
    vo_i.refresh_from_db()
    assert vo_i.einddatum is None


def test_fase_action_moves_enrolments_on_the_next_1_august(client, app):
    vo_i = InschrijvingFactory()
    r = client.post(
        "/beheer/registratie/inschrijving/",
        {"action": "naar_mbo_fase", "_selected_action": [vo_i.pk]},
    )
    assert r.status_code == 302
    vo_i.refresh_from_db()
    assert vo_i.fase == "mbo"
    wissel = vo_i.fasewissels.get()
    assert (wissel.ingangsdatum.month, wissel.ingangsdatum.day) == (8, 1)
    assert wissel.ingangsdatum > datetime.date.today()
    assert AuditRegel.objects.filter(kanaal="admin", model="registratie.Fasewissel").exists()


# --- The student page of a route student with both enrolments -------------------------------------


def bestaande_rijen(leerling) -> dict:
    """The inline rows of a stored student exactly as the change page sends them back."""
    rijen = []
    for i in leerling.inschrijvingen.order_by("sector", "startdatum"):
        maker = vo_rij if i.sector == "vo" else mbo_rij
        rij = maker(
            i.leerroute,
            id=i.pk,
            leerling=leerling.pk,
            instelling=i.instelling_id,
            inschrijvingsvolgnummer=i.inschrijvingsvolgnummer,
            startdatum=i.startdatum.isoformat(),
        )
        del rij["fase"]
        rijen.append(rij)
    data = leerling_data(
        leerling.instelling,
        rijen,
        bsn=leerling.bsn,
        voornamen=leerling.voornamen,
        voorletters=leerling.voorletters,
        roepnaam=leerling.roepnaam,
        achternaam=leerling.achternaam,
        geboortedatum=leerling.geboortedatum.isoformat(),
    )
    return data | management("inschrijvingen", total=len(rijen), initial=len(rijen))


@pytest.fixture
def route_leerling():
    vo_i = InschrijvingFactory()
    mbo_i = InschrijvingFactory(leerroute=vo_i.leerroute, leerling=vo_i.leerling, mbo=True)
    return vo_i, mbo_i


@pytest.mark.parametrize("kant", ["vo", "mbo"])
def test_beheerder_of_either_side_can_correct_the_student_name(client, route_leerling, kant):
    vo_i, _mbo_i = route_leerling
    o = vo_i.leerroute.overeenkomst
    user = gebruiker_met_rol("beheerder", instelling=o.vo_instelling if kant == "vo" else o.mbo_instelling)
    inloggen(client, user)
    leerling = vo_i.leerling
    data = bestaande_rijen(leerling) | {"achternaam": "Gecorrigeerd"}
    r = client.post(f"/beheer/registratie/leerling/{leerling.pk}/change/", data)
    assert r.status_code == 302, r.context and [
        f.errors for f in r.context["inline_admin_formsets"][0].formset
    ]
    leerling.refresh_from_db()
    assert leerling.achternaam == "Gecorrigeerd"


def test_beheerder_cannot_change_the_partners_enrolment_on_the_student_page(client, route_leerling):
    vo_i, mbo_i = route_leerling
    user = gebruiker_met_rol("beheerder", instelling=mbo_i.instelling)
    inloggen(client, user)
    data = bestaande_rijen(vo_i.leerling)
    vo_index = 1  # rows are ordered mbo, vo
    data[f"inschrijvingen-{vo_index}-inschrijvingsvolgnummer"] = "GEWIJZIGD"
    r = client.post(f"/beheer/registratie/leerling/{vo_i.leerling_id}/change/", data)
    assert r.status_code == 200
    assert "eigen instelling" in r.content.decode()
    vo_i.refresh_from_db()
    assert vo_i.inschrijvingsvolgnummer != "GEWIJZIGD"
    assert not AuditRegel.objects.exists()


def test_beheerder_changes_own_enrolment_on_the_student_page(client, route_leerling):
    vo_i, mbo_i = route_leerling
    user = gebruiker_met_rol("beheerder", instelling=mbo_i.instelling)
    inloggen(client, user)
    data = bestaande_rijen(vo_i.leerling)
    data["inschrijvingen-0-inschrijvingsvolgnummer"] = "ROC-NIEUW"
    r = client.post(f"/beheer/registratie/leerling/{vo_i.leerling_id}/change/", data)
    assert r.status_code == 302
    mbo_i.refresh_from_db()
    assert mbo_i.inschrijvingsvolgnummer == "ROC-NIEUW"
    assert AuditRegel.objects.get(kanaal="admin").nieuw == {"inschrijvingsvolgnummer": "ROC-NIEUW"}


def test_partner_cannot_delete_the_vo_enrolment_on_the_student_page(client, route_leerling):
    vo_i, mbo_i = route_leerling
    inloggen(client, gebruiker_met_rol("beheerder", instelling=mbo_i.instelling))
    data = bestaande_rijen(vo_i.leerling) | {"inschrijvingen-1-DELETE": "on"}
    r = client.post(f"/beheer/registratie/leerling/{vo_i.leerling_id}/change/", data)
    assert r.status_code == 200
    assert Inschrijving.objects.filter(pk=vo_i.pk).exists()


def test_R_INS_2_deleting_the_vo_enrolment_while_mbo_is_in_vo_fase_refused(client, app, route_leerling):
    vo_i, _mbo_i = route_leerling
    data = bestaande_rijen(vo_i.leerling) | {"inschrijvingen-1-DELETE": "on"}
    r = client.post(f"/beheer/registratie/leerling/{vo_i.leerling_id}/change/", data)
    assert_refused(r, "R-INS-2")
    assert Inschrijving.objects.filter(pk=vo_i.pk).exists()
    assert not AuditRegel.objects.exists()

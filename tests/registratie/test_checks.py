"""The fase check (registratie.checks): each signal kind by rule id is raised, is not duplicated on
a re-run and closes itself when its cause is fixed; the check is set-based."""

import datetime

import pytest

from registratie import checks, fase
from registratie.models import Fasewissel, Inschrijving, Signaal
from samenwerking.models import AuditRegel, Samenwerkingsovereenkomst
from tests.factories import LeerrouteFactory, route_leerling

D = datetime.date
IN_VO_FASE = D(2026, 3, 1)  # route year 1 of a student who started leerjaar 3 on 1 August 2025
# One query per rule plus reading, inserting and closing signals and their audit rows (16 for 5
# students, 4 of them the rules of checks_afhankelijk), the monitoring figures the run stores, and
# the start page's stored counts (registratie.tellingen: 4 statements at any size); SQLite splits a
# bulk insert into batches of 999 parameters, which adds 2 for 50. PostgreSQL stores set-based: a
# temporary table with its index and statistics, a count, one INSERT for the signals and their
# audit rows, the keys to close (registratie.checks_opslag), and one for the run's planner settings.
MAX_QUERIES = 35


def run(peildatum):
    return checks.check_phases(peildatum=peildatum)


def signalen(regel, **kwargs):
    return list(Signaal.objects.filter(regel=regel, **kwargs).exclude(voorgestelde_datum__isnull=False))


# --- each kind: plant, find, re-run, fix ------------------------------------------------------------


def _plant_rins3():
    vo, _ = route_leerling(met_mbo=False)
    return vo, lambda: route_leerling_mbo(vo)


def route_leerling_mbo(vo):
    from tests.factories import InschrijvingFactory

    InschrijvingFactory(leerroute=vo.leerroute, leerling=vo.leerling, mbo=True, startdatum=D(2027, 8, 1))


def _plant_rins4():
    vo, _ = route_leerling()
    wissel = Fasewissel.objects.create(
        inschrijving=vo, van_fase="vo", naar_fase="mbo", ingangsdatum=D(2026, 1, 15)
    )
    return vo, lambda: Fasewissel.objects.filter(pk=wissel.pk).update(ingangsdatum=D(2027, 8, 1))


def _plant_rins5():
    vo, _ = route_leerling(LeerrouteFactory(dlr4=True))
    Inschrijving.objects.filter(pk=vo.pk).update(
        einddatum=D(2027, 7, 31), reden_einde="vo_afgerond", vo_activiteiten_afgerond_op=D(2028, 6, 30)
    )
    return vo, lambda: Inschrijving.objects.filter(pk=vo.pk).update(
        vo_activiteiten_afgerond_op=D(2027, 7, 15)
    )


def _plant_rins6_fase():
    vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")
    return vo, lambda: Inschrijving.objects.filter(pk=mbo.pk).update(fase="vo")


def _plant_rins6_kenmerk():
    vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(opleidingskenmerk="DLR")
    return vo, lambda: Inschrijving.objects.filter(pk=mbo.pk).update(opleidingskenmerk="GLR")


def _plant_rlr8():
    vo, _ = route_leerling()
    ovk = vo.leerroute.overeenkomst
    Samenwerkingsovereenkomst.objects.filter(pk=ovk.pk).update(status="beeindigd")
    return vo, lambda: Samenwerkingsovereenkomst.objects.filter(pk=ovk.pk).update(status="actief")


def _plant_rins1():
    vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(startdatum=D(2024, 8, 1))
    return vo, lambda: Inschrijving.objects.filter(pk=mbo.pk).update(startdatum=D(2025, 8, 1))


KINDS = [
    pytest.param(
        "R-INS-3", _plant_rins3, D(2027, 9, 1), "mbo", id="R-INS-3 mbo-fase zonder mbo-inschrijving"
    ),
    pytest.param("R-INS-4", _plant_rins4, IN_VO_FASE, "vo", id="R-INS-4 fasewissel niet op 1 augustus"),
    pytest.param("R-INS-5", _plant_rins5, D(2027, 9, 1), "vo", id="R-INS-5 DLR vo-einde zonder diploma"),
    pytest.param("R-INS-6", _plant_rins6_fase, IN_VO_FASE, "vo", id="R-INS-6 fase verschilt"),
    pytest.param("R-INS-6", _plant_rins6_kenmerk, IN_VO_FASE, "vo", id="R-INS-6 kenmerk verschilt"),
    pytest.param("R-LR-8", _plant_rlr8, IN_VO_FASE, "vo", id="R-LR-8 overeenkomst niet actief"),
    pytest.param("R-INS-1", _plant_rins1, IN_VO_FASE, "mbo", id="R-INS-1 start voor leerjaar 3"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("regel", "plant", "peildatum", "verantwoordelijk"), KINDS)
def test_each_kind_is_raised_not_duplicated_and_closes_when_fixed(regel, plant, peildatum, verantwoordelijk):
    vo, fix = plant()
    route_leerling()  # a student without problems next to it
    o = vo.leerroute.overeenkomst

    resultaat = run(peildatum)
    [signaal] = signalen(regel)
    assert signaal.status == "open" and signaal.bron == "fasecontrole"
    assert signaal.leerling_id == vo.leerling_id
    assert signaal.overeenkomst_id == o.pk
    expected = o.vo_instelling_id if verantwoordelijk == "vo" else o.mbo_instelling_id
    assert signaal.instelling_id == expected
    assert {signaal.instelling_id, signaal.partner_instelling_id} == {o.vo_instelling_id, o.mbo_instelling_id}
    assert regel in signaal.toelichting and "Oplossing" in signaal.toelichting
    assert signaal.sleutel in resultaat.nieuw
    assert AuditRegel.objects.filter(
        model="registratie.Signaal", object_id=str(signaal.pk), kanaal="job"
    ).exists()

    again = run(peildatum)
    assert not again.nieuw
    assert len(signalen(regel)) == 1
    assert again.status_van(next(b for b in again.bevindingen if b.sleutel == signaal.sleutel)) == "open"

    fix()
    closed = run(peildatum)
    signaal.refresh_from_db()
    assert signaal.status == "opgelost"
    assert signaal.gesloten_op is not None
    assert "Automatisch gesloten" in signaal.afhandeling
    assert signaal.pk in {s.pk for s in closed.gesloten}
    assert len(signalen(regel)) == 1  # closed, and nothing new


@pytest.mark.django_db
def test_a_due_transition_is_proposed_for_the_coming_1_august():
    vo, mbo = route_leerling()
    o = vo.leerroute.overeenkomst
    assert not run(D(2026, 7, 1)).bevindingen  # the mbo-fase starts in 2027

    resultaat = run(D(2027, 6, 15))
    [signaal] = Signaal.objects.all()
    assert signaal.regel == "R-INS-1"
    assert signaal.voorgestelde_datum == D(2027, 8, 1)
    assert signaal.inschrijving_id == vo.pk
    assert (signaal.instelling_id, signaal.partner_instelling_id) == (o.vo_instelling_id, o.mbo_instelling_id)
    assert "Voorstel" in signaal.toelichting and "1 augustus 2027" in signaal.toelichting
    assert resultaat.samenvatting()["per_regel"] == {"R-INS-1": 1}

    assert not run(D(2027, 8, 1)).nieuw  # on the day itself: the same signal

    Inschrijving.objects.filter(pk__in=[vo.pk, mbo.pk]).update(fase="mbo")
    run(D(2027, 8, 1))
    signaal.refresh_from_db()
    assert signaal.status == "opgelost" and signaal.gesloten_op


@pytest.mark.django_db
def test_a_late_transition_and_a_missing_mbo_inschrijving_are_both_named():
    route_leerling(met_mbo=False)
    run(D(2027, 10, 1))
    assert set(Signaal.objects.values_list("regel", flat=True)) == {"R-INS-1", "R-INS-3"}
    voorstel = Signaal.objects.get(voorgestelde_datum__isnull=False)
    assert "te laat" in voorstel.toelichting and "R-INS-3" in voorstel.toelichting


@pytest.mark.django_db
def test_a_glr_vo_inschrijving_ended_at_the_mbo_fase_still_needs_the_mbo_side():
    vo, _ = route_leerling(met_mbo=False)
    Inschrijving.objects.filter(pk=vo.pk).update(einddatum=D(2027, 7, 31), reden_einde="glr_mbo_fase")
    run(D(2027, 9, 1))
    assert len(signalen("R-INS-3")) == 1


@pytest.mark.django_db
def test_stopping_under_the_overstapoptie_is_not_an_r_ins_5_breach():
    vo, mbo = route_leerling(LeerrouteFactory(dlr4=True))
    Inschrijving.objects.filter(pk__in=[vo.pk, mbo.pk]).update(
        einddatum=D(2026, 2, 1), reden_einde="overstap"
    )
    assert not run(IN_VO_FASE).bevindingen


@pytest.mark.django_db
def test_a_dismissed_signal_is_not_raised_again_and_other_sources_are_left_alone():
    vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")
    run(IN_VO_FASE)
    [signaal] = signalen("R-INS-6")
    Signaal.objects.filter(pk=signaal.pk).update(status="afgewezen", afhandeling="bekend, wordt hersteld")
    rod = Signaal.objects.create(
        regel="R-INS-2", sleutel="rod:R-INS-2:1", bron="rod", leerling=vo.leerling, toelichting="ROD-melding"
    )

    resultaat = run(IN_VO_FASE)
    assert not resultaat.nieuw and resultaat.afgewezen == {signaal.sleutel}
    assert Signaal.objects.filter(regel="R-INS-6").count() == 1
    rod.refresh_from_db()
    assert rod.status == "open"  # not ours to close


@pytest.mark.django_db
def test_a_handed_over_signal_also_closes_when_fixed():
    _vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")
    run(IN_VO_FASE)
    Signaal.objects.update(status="overgedragen", toegewezen_aan=mbo.instelling)
    assert not run(IN_VO_FASE).nieuw
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="vo")
    run(IN_VO_FASE)
    assert Signaal.objects.get().status == "opgelost"


# --- set-based ------------------------------------------------------------------------------------


def _students(n: int):
    """n students over three routes, each with one kind of problem in turn (or none)."""
    glr, dlr, ended = LeerrouteFactory(), LeerrouteFactory(dlr4=True), LeerrouteFactory()
    Samenwerkingsovereenkomst.objects.filter(pk=ended.overeenkomst_id).update(status="beeindigd")
    for k in range(n):
        soort = k % 7
        if soort == 0:
            route_leerling(glr)  # fine; due for the transition of 1 August 2027
        elif soort == 1:
            route_leerling(glr, met_mbo=False)  # R-INS-3
        elif soort == 2:
            _vo, mbo = route_leerling(dlr)
            Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo", opleidingskenmerk="GLR")  # R-INS-6 x2
        elif soort == 3:
            vo, _mbo = route_leerling(glr)
            Fasewissel.objects.create(
                inschrijving=vo, van_fase="vo", naar_fase="mbo", ingangsdatum=D(2026, 1, 15)
            )
        elif soort == 4:
            _vo, mbo = route_leerling(glr)
            Inschrijving.objects.filter(pk=mbo.pk).update(startdatum=D(2024, 8, 1))  # R-INS-1
        elif soort == 5:
            vo, _mbo = route_leerling(dlr)
            Inschrijving.objects.filter(pk=vo.pk).update(einddatum=D(2027, 7, 31), reden_einde="vo_afgerond")
        else:
            route_leerling(ended)  # R-LR-8


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 50])
def test_the_number_of_queries_does_not_grow_with_the_students(n, django_assert_max_num_queries):
    _students(n)
    with django_assert_max_num_queries(MAX_QUERIES):
        first = run(D(2027, 9, 1))
    if n == 50:
        assert set(first.samenvatting()["per_regel"]) == {
            "R-INS-1",
            "R-INS-3",
            "R-INS-4",
            "R-INS-5",
            "R-INS-6",
            "R-LR-8",
        }
    assert len(first.nieuw) == len(first.bevindingen) >= n
    with django_assert_max_num_queries(MAX_QUERIES):
        second = run(D(2027, 9, 1))
    assert not second.nieuw and not second.gesloten
    Inschrijving.objects.update(einddatum=D(2027, 8, 31), reden_einde="overstap")
    with django_assert_max_num_queries(MAX_QUERIES):
        third = run(D(2027, 9, 1))
    # Everything ended before the peildatum: the signals about running enrolments close.
    assert (
        {s.regel for s in third.gesloten} >= {"R-INS-3", "R-INS-6"}
        if n < 7
        else {"R-INS-3", "R-INS-6", "R-LR-8"}
    )


@pytest.mark.django_db
def test_each_new_signal_has_its_route_and_one_audit_row_with_its_values():
    """PostgreSQL stores the findings set-based (COPY, INSERT … SELECT), other databases per batch:
    the audit row of each new signal is, either way, what samenwerking.audit writes for it."""
    from samenwerking import audit

    _students(14)
    resultaat = run(D(2027, 9, 1))
    nieuw = list(Signaal.objects.select_related("inschrijving").order_by("pk"))
    assert len(nieuw) == resultaat.aantal_nieuw == len(resultaat.nieuw) > 0
    for s in nieuw:
        assert s.leerroute_id == s.inschrijving.leerroute_id
        i = s.inschrijving  # the cohort of a vo-inschrijving; none on the mbo side
        assert s.cohort == (fase.routestartjaar(i.startdatum, i.leerjaar) if i.sector == "vo" else None)
        [regel] = AuditRegel.objects.filter(model="registratie.Signaal", object_id=str(s.pk))
        assert (regel.actie, regel.kanaal, regel.gebruiker_id, regel.oud) == ("create", "job", None, None)
        assert regel.nieuw == audit.snapshot(s)
        assert regel.object_repr == str(s)[:200]
        assert (regel.instelling_id, regel.partner_instelling_id) == (
            s.instelling_id,
            s.partner_instelling_id,
        )
    # Nothing new the second time; counts per rule the same.
    again = run(D(2027, 9, 1))
    assert again.aantal_nieuw == 0 and again.per_regel == resultaat.per_regel
    assert AuditRegel.objects.filter(model="registratie.Signaal").count() == len(nieuw)

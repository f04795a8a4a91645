"""The review queue and the transitions view as they stay fast at 250,000 students (issues 10
and 13): a signal keeps its enrolment's cohort, a page reads its keys first, counts over every
status stop at a limit, and the transitions view's joins give the groups its definition per
proposal gives. Driven on the demo data as the demo coordinator and the applicatiebeheerder."""

import datetime
from collections import Counter

import pytest
from django.db.models import Q
from django.urls import reverse

from registratie import checks, fase
from registratie.models import Inschrijving, RedenEinde, Signaal
from registratie.review import overgangen, selectors
from registratie.selectors import SIGNAAL_OPEN
from samenwerking.models import Gebruiker
from tests.factories import route_leerling

pytestmark = pytest.mark.django_db


def _cohort_van(i: Inschrijving):
    return fase.routestartjaar(i.startdatum, i.leerjaar) if i.sector == "vo" else None


# --- the cohort on the signal ----------------------------------------------------------------------


def test_create_and_bulk_create_fill_the_cohort_of_the_enrolment():
    vo, mbo = route_leerling()
    op_vo = Signaal.objects.create(regel="R-INS-5", sleutel="a", toelichting="t", inschrijving=vo)
    op_mbo = Signaal.objects.create(regel="R-INS-5", sleutel="b", toelichting="t", inschrijving=mbo)
    Signaal.objects.bulk_create(
        [
            Signaal(regel="R-INS-5", sleutel="c", toelichting="t", inschrijving=vo),
            Signaal(regel="R-INS-5", sleutel="d", toelichting="t", inschrijving=mbo),
        ]
    )
    cohort = dict(Signaal.objects.values_list("sleutel", "cohort"))
    assert op_vo.cohort == cohort["a"] == cohort["c"] == _cohort_van(vo) is not None
    assert op_mbo.cohort is cohort["b"] is cohort["d"] is None
    assert set(Signaal.objects.values_list("leerroute_id", flat=True)) == {vo.leerroute_id}


def test_the_cohort_filter_finds_what_the_enrolment_says(demo_coordinator):
    coordinator, _ = demo_coordinator
    via_inschrijving = Signaal.objects.annotate(
        c=fase.routestartjaar_expr("inschrijving__startdatum", "inschrijving__leerjaar")
    ).filter(inschrijving__sector="vo")
    cohorten = set(via_inschrijving.values_list("c", flat=True))
    assert cohorten
    for cohort in cohorten:
        f = selectors.Filter(cohort=cohort, status="")
        gevonden = set(selectors.wachtrij(coordinator, f).values_list("pk", flat=True))
        verwacht = set(
            selectors.wachtrij(coordinator, selectors.Filter(status=""))
            .filter(pk__in=via_inschrijving.filter(c=cohort).values("pk"))
            .values_list("pk", flat=True)
        )
        assert gevonden == verwacht


# --- the queue's page and counts ---------------------------------------------------------------------


@pytest.mark.parametrize("sorteer", list(selectors.SORTERINGEN))
def test_pages_read_keys_first_and_follow_the_order_without_overlap(demo_coordinator, sorteer):
    coordinator, _ = demo_coordinator
    f = selectors.Filter(status="", sorteer=sorteer)
    verwacht = list(selectors.wachtrij(coordinator, f).values_list("pk", flat=True))
    assert len(verwacht) > 14
    gezien, nummer = [], 1
    while True:
        pagina = selectors.pagina(coordinator, f, nummer, 7)
        gezien += [s.pk for s in pagina.object_list]
        if not pagina.has_next:
            break
        nummer += 1
    assert gezien == verwacht
    # The related rows come along (select_related), so the template asks nothing more.
    assert all("leerling" in s._state.fields_cache for s in pagina.object_list)


def test_counts_over_every_status_stop_at_the_limit(demo_coordinator, monkeypatch):
    coordinator, client = demo_coordinator
    alle = selectors.wachtrij(coordinator, selectors.Filter(status="")).count()
    open_ = selectors.aantallen(coordinator, selectors.Filter())
    assert not open_["afgekapt"]
    assert (
        sum(r["n"] for r in open_["per_regel"]) == selectors.wachtrij(coordinator, selectors.Filter()).count()
    )

    monkeypatch.setattr(selectors, "GRENS", alle - 1)
    afgekapt = selectors.aantallen(coordinator, selectors.Filter(status=""))
    assert afgekapt["afgekapt"] and sum(r["n"] for r in afgekapt["per_regel"]) == alle - 1
    html = client.get(reverse("registratie:signalen"), {"status": ""}).content.decode()
    assert 'id="aantallen-afgekapt"' in html and "≥ " in html

    monkeypatch.setattr(selectors, "GRENS", alle)
    precies = selectors.aantallen(coordinator, selectors.Filter(status=""))
    assert not precies["afgekapt"] and sum(r["n"] for r in precies["per_regel"]) == alle


# --- the transitions view ------------------------------------------------------------------------------


def _per_voorstel(user) -> dict[tuple, list[int]]:
    """The groups by the definition, one proposal at a time: the first other open rule of the
    student in the agreement blocks it; else it is ready when the student has an mbo
    enrolment in the route on the proposed date (not a correction)."""
    groepen: dict[tuple, list[int]] = {}
    for s in overgangen._voorstellen(user):
        blok = (
            Signaal.objects.filter(
                status__in=SIGNAAL_OPEN, leerling=s.leerling_id, overeenkomst=s.overeenkomst_id
            )
            .exclude(regel=checks.REGEL_OVERGANG)
            .order_by("regel")
            .values_list("regel", flat=True)
            .first()
        )
        heeft_mbo = (
            Inschrijving.objects.filter(sector="mbo", leerling=s.leerling_id, leerroute=s.leerroute_id)
            .exclude(reden_einde=RedenEinde.CORRECTIE)
            .filter(Q(einddatum__isnull=True) | Q(einddatum__gte=s.voorgestelde_datum))
            .exists()
        )
        groep = (
            f"{overgangen.GEBLOKKEERD}:{blok}"
            if blok
            else (overgangen.KLAAR if heeft_mbo else overgangen.ZONDER_MBO)
        )
        sleutel = (s.leerroute_id, s.voorgestelde_datum.year - fase.VO_FASE_JAREN, groep)
        groepen.setdefault(sleutel, []).append(s.pk)
    return groepen


def _elk_soort_groep(coordinator):
    """Make sure every kind of group occurs: two blocked students (two rules, the first one
    counts), one whose mbo enrolment ended before the proposed date, one after it."""
    andere = Signaal.objects.filter(status__in=SIGNAAL_OPEN).exclude(regel=checks.REGEL_OVERGANG)
    mbo = Inschrijving.objects.filter(sector="mbo", einddatum__isnull=True)
    klaar = list(
        overgangen._voorstellen(coordinator)
        .exclude(leerling__in=andere.values("leerling"))
        .filter(leerling__in=mbo.values("leerling"))
        .order_by("pk")[:2]
    )
    assert len(klaar) == 2, "the demo data proposes transitions"
    c, d = klaar
    a, b = overgangen._voorstellen(coordinator).exclude(pk__in=[c.pk, d.pk]).order_by("-pk")[:2]
    for s, regels in ((a, ["R-LR-8", "R-INS-5"]), (b, ["R-INS-6"])):
        for regel in regels:
            Signaal.objects.create(
                regel=regel,
                sleutel=f"test-{regel}-{s.pk}",
                toelichting="t",
                leerling_id=s.leerling_id,
                overeenkomst_id=s.overeenkomst_id,
                inschrijving_id=s.inschrijving_id,
            )
    for s, dagen in ((c, -1), (d, 30)):
        einde = s.voorgestelde_datum + datetime.timedelta(days=dagen)
        Inschrijving.objects.filter(sector="mbo", leerling=s.leerling_id, leerroute=s.leerroute_id).update(
            einddatum=einde, reden_einde=RedenEinde.OVERSTAP
        )


@pytest.mark.parametrize("rol", ["demo-coordinator", "demo-applicatiebeheer"])
def test_transition_groups_are_those_of_the_definition_per_proposal(demo_coordinator, rol):
    coordinator, _ = demo_coordinator
    _elk_soort_groep(coordinator)
    user = Gebruiker.objects.get(username=rol)
    verwacht = _per_voorstel(user)
    assert {k[2].split(":")[0] for k in verwacht} == {"klaar", "zonder_mbo", "geblokkeerd"}

    gevonden: Counter = Counter()
    for g in overgangen.per_route_en_cohort(user):
        gevonden[(g.leerroute, g.cohort, overgangen.KLAAR)] += g.klaar
        gevonden[(g.leerroute, g.cohort, overgangen.ZONDER_MBO)] += g.zonder_mbo
        for regel, n in g.geblokkeerd.items():
            gevonden[(g.leerroute, g.cohort, f"{overgangen.GEBLOKKEERD}:{regel}")] += n
    assert +gevonden == Counter({k: len(v) for k, v in verwacht.items()})
    # A group handed to a bulk decision is exactly its proposals.
    for (route, cohort, groep), ids in verwacht.items():
        qs = overgangen.groep_signalen(user, leerroute=route, cohort=cohort, groep=groep)
        assert sorted(qs.values_list("pk", flat=True)) == sorted(ids)
    assert not overgangen.groep_signalen(user, leerroute=route, cohort=cohort, groep="onzin").exists()


def test_a_reader_decides_on_no_transition(demo_coordinator):
    lezer = Gebruiker.objects.get(username="demo-lezer")
    assert overgangen.per_route_en_cohort(lezer) == []

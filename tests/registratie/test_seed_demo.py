"""The demo seed (``manage.py seed_demo``, ``registratie.demo``): deterministic, valid where it is
meant to be, with every planted inconsistency present, and set-based."""

from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leerroute.kwalificaties import laad_standaardbestand
from leerroute.models import Kwalificatie, LeerjaarProgramma, Leerroute, Programmaonderdeel
from leerroute.rules import GLR_NIVEAUS, TOEGESTANE_NIVEAUS
from registratie import demo, fase, rules
from registratie.models import Fasewissel, Inschrijving, Leerling, Uitstroom
from samenwerking.models import (
    Bestuur,
    Gebruiker,
    Instelling,
    Lidmaatschap,
    Samenwerkingsovereenkomst,
    Vestiging,
)

pytestmark = pytest.mark.django_db

N = 60


@pytest.fixture
def seeded() -> demo.SeedResultaat:
    return demo.genereer(studenten=N, seed=7)


def seed_command(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def dump() -> dict:
    """Everything a person would see, without ids or timestamps."""
    return {
        "leerlingen": list(
            Leerling.objects.order_by("bsn_hash", "onderwijsnummer_hash").values_list(
                "bsn",
                "onderwijsnummer",
                "voornamen",
                "voorletters",
                "roepnaam",
                "tussenvoegsel",
                "achternaam",
                "geboortedatum",
                "instelling__brin",
            )
        ),
        "inschrijvingen": list(
            Inschrijving.objects.order_by("instelling__brin", "inschrijvingsvolgnummer").values_list(
                "leerling__bsn",
                "leerling__onderwijsnummer",
                "leerroute__naam",
                "sector",
                "instelling__brin",
                "vestiging__code",
                "inschrijvingsvolgnummer",
                "opleidingskenmerk",
                "fase",
                "startdatum",
                "geplande_einddatum",
                "einddatum",
                "reden_einde",
                "leerjaar",
                "leerweg",
                "vmbo_diploma_datum",
                "vo_activiteiten_afgerond_op",
                "kwalificatie__crebo",
                "leervorm",
            )
        ),
        "fasewissels": list(
            Fasewissel.objects.order_by(
                "inschrijving__instelling__brin", "inschrijving__inschrijvingsvolgnummer", "ingangsdatum"
            ).values_list(
                "inschrijving__instelling__brin",
                "inschrijving__inschrijvingsvolgnummer",
                "van_fase",
                "naar_fase",
                "ingangsdatum",
            )
        ),
        "uitstroom": list(
            Uitstroom.objects.order_by("leerling__bsn_hash", "leerling__onderwijsnummer_hash").values_list(
                "leerling__bsn",
                "leerling__onderwijsnummer",
                "leerroute__naam",
                "datum",
                "reden",
                "bestemming",
            )
        ),
        "routes": list(
            Leerroute.objects.order_by("naam").values_list("naam", "overeenkomst__naam", "rio_status")
        ),
    }


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    seed_command("--students", str(N), "--seed", "7")
    eerste = dump()
    seed_command("--students", str(N), "--seed", "7", "--reset")
    assert dump() == eerste
    seed_command("--students", str(N), "--seed", "8", "--reset")
    ander = dump()
    assert ander["routes"] == eerste["routes"]  # the structure is fixed
    assert ander["leerlingen"] != eerste["leerlingen"]
    assert len(eerste["leerlingen"]) == N
    assert Instelling.objects.count() == len(demo.INSTELLINGEN)  # the reset left no duplicates


# --- planted inconsistencies ------------------------------------------------------------------------


def _lopend(i, peildatum) -> bool:
    return i.startdatum <= peildatum and (i.einddatum is None or i.einddatum >= peildatum)


def detecteer(peildatum) -> dict[str, set[int]]:
    """An independent reading of every planted kind, over all rows (small N only)."""
    gevonden: dict[str, set[int]] = {k: set() for k in demo.GEPLANT}
    per_route = defaultdict(list)
    for i in Inschrijving.objects.select_related("leerroute__overeenkomst").prefetch_related("fasewissels"):
        per_route[i.leerling_id, i.leerroute_id].append(i)
    for (leerling_id, _route), groep in per_route.items():
        vo = [i for i in groep if i.sector == "vo"]
        mbo = [i for i in groep if i.sector == "mbo"]
        vo_lopend = [i for i in vo if _lopend(i, peildatum)]
        mbo_lopend = [i for i in mbo if _lopend(i, peildatum)]
        eerste_vo = min(vo, key=lambda i: i.startdatum)
        jaar = fase.routejaar(eerste_vo.startdatum, eerste_vo.leerjaar, peildatum)
        routestart = fase.routestart(eerste_vo.startdatum, eerste_vo.leerjaar)
        o = groep[0].leerroute.overeenkomst

        if vo_lopend and mbo_lopend and vo_lopend[0].fase != mbo_lopend[0].fase:
            gevonden["R-INS-6"].add(leerling_id)
        if fase.verwachte_fase(jaar) == "mbo" and any(i.fase == "mbo" for i in vo_lopend) and not mbo:
            gevonden["R-INS-3"].add(leerling_id)
        if any(
            (w.ingangsdatum.month, w.ingangsdatum.day) != (8, 1) for i in groep for w in i.fasewissels.all()
        ):
            gevonden["R-INS-4"].add(leerling_id)
        if any(
            i.opleidingskenmerk == "DLR"
            and i.einddatum
            and i.reden_einde == "vo_afgerond"
            and not i.vmbo_diploma_datum
            and not i.vo_activiteiten_afgerond_op
            for i in vo
        ):
            gevonden["R-INS-5"].add(leerling_id)
        if (vo_lopend or mbo_lopend) and o.status == "beeindigd" and o.einddatum < peildatum:
            gevonden["R-LR-8"].add(leerling_id)
        if any(i.startdatum < routestart for i in mbo):
            gevonden["R-INS-1"].add(leerling_id)
    return gevonden


def test_every_planted_kind_is_present_and_only_where_planted(seeded):
    gevonden = detecteer(seeded.peildatum)
    for regel in demo.GEPLANT:
        assert len(seeded.geplant[regel]) >= 3, regel
        assert gevonden[regel] == set(seeded.geplant[regel]), regel
    # Nothing in the data itself gives them away.
    for model, velden in (
        (Leerling, ("voornamen", "achternaam", "tussenvoegsel")),
        (Inschrijving, ("inschrijvingsvolgnummer", "reden_einde")),
        (Uitstroom, ("toelichting",)),
    ):
        for rij in model.objects.values_list(*velden):
            assert not any("R-INS" in v or "R-LR" in v or "geplant" in v.lower() for v in rij)


def test_due_transitions_next_first_of_august(seeded):
    """g: students in route year 2 now (vo-fase) move to the mbo-fase on 1 August 2027."""
    assert seeded.overgang_datum.isoformat() == "2027-08-01"
    geplant = {i for ids in seeded.geplant.values() for i in ids}
    due = {
        i.leerling_id
        for i in Inschrijving.objects.filter(sector="vo", fase="vo", einddatum=None)
        if i.leerling_id not in geplant and fase.routejaar(i.startdatum, i.leerjaar, seeded.peildatum) == 2
    }
    assert len(due) == seeded.overgang_aantal >= 3


def test_the_fase_check_finds_every_planted_case(seeded):
    checks = pytest.importorskip("registratie.checks")
    if not hasattr(checks, "controleer"):
        pytest.skip("registratie.checks has no controleer() yet")
    per_regel = defaultdict(set)
    for b in checks.controleer(seeded.peildatum):
        per_regel[b.regel].add(b.leerling_id)
    for regel in demo.GEPLANT:
        assert set(seeded.geplant[regel]) <= per_regel[regel], regel


# --- everything not planted is valid ---------------------------------------------------------------


def test_every_row_that_is_not_planted_passes_full_clean(seeded):
    geplant = {i for ids in seeded.geplant.values() for i in ids}
    for model in (
        Bestuur,
        Instelling,
        Vestiging,
        Samenwerkingsovereenkomst,
        Kwalificatie,
        Leerroute,
        LeerjaarProgramma,
        Programmaonderdeel,
        Lidmaatschap,
    ):
        for obj in model.objects.all():
            obj.full_clean()
    for user in Gebruiker.objects.filter(username__in=demo.DEMO_GEBRUIKERS):
        user.full_clean()

    leerlingen = Leerling.objects.exclude(pk__in=geplant)
    assert leerlingen.count() == N - len(geplant)
    for leerling in leerlingen:
        leerling.full_clean()
        inschrijvingen = list(leerling.inschrijvingen.select_related("leerroute__overeenkomst"))
        rules.check_vo_kant_aanwezig(inschrijvingen)
        for i in inschrijvingen:
            i.full_clean()
            # R-LR-8 at the start (full_clean checks it only for new rows)
            assert i.leerroute.overeenkomst.is_actief_op(i.startdatum)
            for w in i.fasewissels.all():
                w.full_clean()
        for u in leerling.uitstroom.all():
            u.full_clean()
            assert {i.reden_einde for i in inschrijvingen} == {"overstap"}


def test_students_are_consistent_with_the_route_year(seeded):
    """Valid students: running enrolments carry the fase of the route year, mbo-fase students have
    an mbo-inschrijving, a fase change is on the 1 August the mbo-fase begins."""
    geplant = {i for ids in seeded.geplant.values() for i in ids}
    peil = seeded.peildatum
    fases = set()
    for leerling in Leerling.objects.exclude(pk__in=geplant).prefetch_related("inschrijvingen__fasewissels"):
        ins = list(leerling.inschrijvingen.all())
        vo = next(i for i in ins if i.sector == "vo")
        assert vo.leerjaar in (3, 4)
        jaar = fase.routejaar(vo.startdatum, vo.leerjaar, peil)
        verwacht = fase.verwachte_fase(jaar)
        fases.add(verwacht)
        if verwacht == "mbo":
            assert any(i.sector == "mbo" for i in ins)
        for i in ins:
            if _lopend(i, peil):
                assert i.fase == verwacht
            for w in i.fasewissels.all():
                assert w.ingangsdatum == fase.mbo_fase_start(vo.startdatum, vo.leerjaar)
    assert fases == {"vo", "mbo"}


def test_realistic_structure(seeded):
    combinaties = set(Leerroute.objects.values_list("soort", "leerweg", "kwalificatie__niveau"))
    toegestaan = {("DLR", lw, n) for lw, niveaus in TOEGESTANE_NIVEAUS.items() for n in niveaus} | {
        ("GLR", "BB", n) for n in GLR_NIVEAUS
    }
    assert combinaties == toegestaan
    assert not Leerroute.objects.filter(kwalificatie__niveau=1).exists()
    assert LeerjaarProgramma.objects.filter(leerroute__kwalificatie__niveau=4, routejaar=5).exists()

    assert Bestuur.objects.count() >= 5
    assert set(Instelling.objects.values_list("soort", flat=True)) == {"vo", "mbo", "aoc"}
    aoc = Samenwerkingsovereenkomst.objects.get(soort="intern")
    assert aoc.vo_instelling == aoc.mbo_instelling and aoc.vo_instelling.soort == "aoc"
    assert set(Samenwerkingsovereenkomst.objects.values_list("status", flat=True)) == {
        "actief",
        "concept",
        "beeindigd",
    }
    for o in Samenwerkingsovereenkomst.objects.filter(status="actief"):
        assert o.ontbrekende_onderdelen() == [] and o.dekt_volledige_route
    beeindigd = Samenwerkingsovereenkomst.objects.get(status="beeindigd")
    assert beeindigd.einddatum < seeded.peildatum

    assert Leerling.objects.filter(onderwijsnummer__isnull=False).exists()
    assert set(Inschrijving.objects.filter(sector="mbo").values_list("leervorm", flat=True)) == {"BOL", "BBL"}
    assert Fasewissel.objects.filter(ingangsdatum__month=8, ingangsdatum__day=1).exists()
    assert Uitstroom.objects.exists()
    assert Inschrijving.objects.filter(reden_einde="overstap").exists()


# --- users, command options -------------------------------------------------------------------------


def test_demo_users_for_every_role_can_log_in(client):
    out = seed_command("--students", "40")
    rollen = {}
    for username in demo.DEMO_GEBRUIKERS:
        user = Gebruiker.objects.get(username=username)
        assert not user.is_staff and not user.is_superuser
        rollen.update(dict.fromkeys(user.lidmaatschappen.values_list("rol", flat=True), username))
        # The real login form: the password is accepted; roles that change data are then sent to
        # set up their authenticator app (no demo user has one yet), a lezer goes straight in.
        r = client.post("/inloggen/", {"username": username, "password": demo.WACHTWOORD}, follow=True)
        assert r.status_code == 200 and r.wsgi_request.user.is_authenticated, username
        if username == "demo-lezer":
            assert r.redirect_chain[-1][0] == "/"
        else:
            assert r.redirect_chain[-1][0].startswith("/inloggen/tweestaps/instellen/"), username
            assert "Tweestapsverificatie instellen" in r.content.decode()
        client.post("/uitloggen/")
        assert username in out
    assert set(rollen) == {"applicatiebeheerder", "beheerder", "coordinator", "lezer"}
    beheerders = Lidmaatschap.objects.filter(rol="beheerder").values_list("instelling__soort", flat=True)
    assert set(beheerders) == {"vo", "mbo"}
    assert demo.WACHTWOORD in out
    for regel in demo.GEPLANT:
        assert regel in out


def test_if_empty_does_nothing_the_second_time():
    seed_command("--students", "40", "--if-empty")
    aantallen = (Leerling.objects.count(), Inschrijving.objects.count(), Instelling.objects.count())
    out = seed_command("--students", "80", "--if-empty")
    assert "geen demodata toegevoegd" in out
    assert (Leerling.objects.count(), Inschrijving.objects.count(), Instelling.objects.count()) == aantallen


def test_refuses_a_filled_database_without_reset():
    seed_command("--students", "40")
    with pytest.raises(CommandError, match="--reset"):
        seed_command("--students", "40")


def test_one_audit_row_summarises_the_seed(seeded):
    from samenwerking.models import AuditRegel

    regel = AuditRegel.objects.get(model="registratie.demo")
    assert regel.kanaal == "job"
    assert regel.nieuw["aantallen"]["leerlingen"] == N


def test_two_enrolments_per_student_and_numbers_unique_per_instelling(seeded):
    assert Inschrijving.objects.count() == 2 * N - len(seeded.geplant["R-INS-3"])
    paren = list(Inschrijving.objects.values_list("instelling_id", "inschrijvingsvolgnummer"))
    assert len(paren) == len(set(paren))


# --- set-based --------------------------------------------------------------------------------------

MAX_QUERIES = 80


def _queries(n: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        demo.genereer(studenten=n, seed=3)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [50, 200])
def test_queries_are_bounded(n, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        demo.genereer(studenten=n, seed=3)


def test_queries_do_not_grow_per_student():
    laad_standaardbestand()  # so that neither run upserts the qualifications
    klein = _queries(50)
    demo.wis_alles()
    groot = _queries(200)
    # PostgreSQL: the same number. SQLite caps a statement at 999 parameters, so a batch holds
    # about 40 enrolments there: still far from a query per student.
    if connection.vendor == "postgresql":
        assert groot == klein
    else:
        assert groot - klein <= 150 // 10

"""Retention (registratie/bewaartermijn.py): ``manage.py anonimiseren`` and the nightly task
anonymise students whose route ended more than LEERROUTE_BEWAARTERMIJN_JAREN years ago; the counts
of monitoring stay, and the trail and ROD keep nothing that names them."""

import datetime
import io
import json
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registratie import bewaartermijn, checks, locks, tasks
from registratie import services as registratie_services
from registratie.models import Inschrijving, Leerling, RodStand, Signaal, Uitstroom
from registratie.rod import services as rod_services
from registratie.selectors import monitoring
from samenwerking import audit
from samenwerking import services as samenwerking_services
from samenwerking.models import AuditRegel, Kanaal
from tests.factories import (
    InschrijvingFactory,
    LeerlingFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    _valid_onderwijsnummer,
    gebruiker_met_rol,
)
from tests.login import inloggen
from tests.registratie.rod_helpers import (
    DAG_DAARNA,
    PEILDATUM,
    VOLGENDE_DAG,
    leerling_in_route,
    open_rod_signalen,
    route_met_vestigingen,
    stand,
)
from tests.slot_helpers import slot_elders

D = datetime.date
PEIL = D(2026, 1, 15)  # with 5 years: routes that ended before 15 January 2021
START = D(2015, 8, 1)
GEBOORTEDATUM = D(2001, 3, 14)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("anonimiseren", *args, stdout=out)
    return out.getvalue()


def _trail_tekst() -> str:
    """Everything the audit trail holds as text."""
    return "\n".join(
        f"{r.object_repr} {json.dumps(r.oud)} {json.dumps(r.nieuw)}" for r in AuditRegel.objects.all()
    )


def _cijfers(user):
    """Every figure of monitoring() per route and cohort."""
    return [
        (r.leerroute.pk, {k: v for k, v in vars(r).items() if k != "leerroute"})
        for r in monitoring(user, peildatum=PEIL)
    ]


class Wereld:
    """One long-running route since 2014 with students whose route ended long ago, recently, or
    not at all, entered through the services so the audit trail holds their names."""

    def __init__(self):
        o = OvereenkomstFactory(actief=True, ingangsdatum=D(2014, 8, 1))
        self.route = LeerrouteFactory(overeenkomst=o, startdatum=D(2014, 8, 1))
        self.vo_instelling = o.vo_instelling
        self.beheerder = gebruiker_met_rol("beheerder", instelling=o.vo_instelling)
        self.app = gebruiker_met_rol("applicatiebeheerder")

        # Left the route in 2019 (uitstroom, with a note naming her), renamed once, number looked at.
        self.oud = self._leerling(achternaam="Vermeulen", bsn="111222333", geboortedatum=D(2001, 5, 17))
        self.oud.achternaam = "Vermeulen-de Wit"
        samenwerking_services.opslaan(self.oud, door=self.beheerder)
        registratie_services.bsn_bekeken(leerling=self.oud, door=self.beheerder)
        self.oud_vo, self.oud_mbo = self._inschrijvingen(self.oud)
        registratie_services.uitstroom_vastleggen(
            uitstroom=Uitstroom(
                leerling=self.oud,
                leerroute=self.route,
                datum=D(2019, 3, 1),
                reden="stopt",
                bestemming="werk_leren",
                toelichting="Mevrouw Vermeulen-de Wit gaat werken bij bakkerij Vermeulen.",
            ),
            door=self.beheerder,
        )
        # A ROD signal quoting her, and a fase-check signal.
        self.rod_signaal = Signaal.objects.create(
            regel="ROD",
            bron="rod",
            sleutel="rod:test:oud",
            leerling=self.oud,
            inschrijving=self.oud_vo,
            instelling=self.vo_instelling,
            toelichting="ROD keurde af: achternaam Vermeulen-de Wit onbekend bij BSN 111222333.",
        )
        self.fase_signaal = Signaal.objects.create(
            regel="R-INS-5",
            bron=checks.BRON,
            sleutel="fasecontrole:R-INS-5:test",
            leerling=self.oud,
            inschrijving=self.oud_vo,
            instelling=self.vo_instelling,
            toelichting="De vo-inschrijving eindigt zonder vmbo-diploma.",
            afhandeling="Gebeld met moeder Vermeulen.",
        )
        audit.record_created_bulk([self.rod_signaal, self.fase_signaal], door=None, kanaal=Kanaal.JOB)

        # Diploma in 2020, no BSN: an onderwijsnummer.
        self.onderwijsnummer = _valid_onderwijsnummer(4242)
        self.oud2 = self._leerling(achternaam="Bakker", onderwijsnummer=self.onderwijsnummer)
        self._inschrijvingen(self.oud2, einde=D(2020, 7, 31))

        # Registered in 2015, never enrolled.
        self.nooit = self._leerling(achternaam="Smit", bsn="123456782")
        Leerling.objects.filter(pk=self.nooit.pk).update(
            aangemaakt_op=datetime.datetime(2015, 3, 1, tzinfo=datetime.UTC)
        )

        # Ended in 2022: within the retention period. Still enrolled. Registered recently.
        self.recent = self._leerling(achternaam="Recent", bsn="100000009")
        self._inschrijvingen(self.recent, einde=D(2022, 7, 31))
        self.lopend = self._leerling(achternaam="Lopend", bsn="100000010")
        self._inschrijvingen(self.lopend)
        self.nieuw = self._leerling(achternaam="Nieuw", bsn="100000022")

    def _leerling(self, *, achternaam, bsn=None, onderwijsnummer=None, geboortedatum=GEBOORTEDATUM):
        leerling = Leerling(
            instelling=self.vo_instelling,
            bsn=bsn,
            onderwijsnummer=onderwijsnummer,
            voornamen="Anna Maria",
            voorletters="A.M.",
            roepnaam="Anna",
            tussenvoegsel="",
            achternaam=achternaam,
            geboortedatum=geboortedatum,
        )
        return samenwerking_services.opslaan(leerling, door=self.beheerder)

    def _inschrijvingen(self, leerling, *, einde=None):
        vo = InschrijvingFactory(leerroute=self.route, leerling=leerling, startdatum=START)
        mbo = InschrijvingFactory(leerroute=self.route, leerling=leerling, mbo=True, startdatum=START)
        if einde:
            for i in (vo, mbo):
                registratie_services.inschrijving_beeindigen(
                    inschrijving=i, einddatum=einde, reden="overstap", door=self.beheerder
                )
        return vo, mbo


@pytest.fixture
def w(db):
    return Wereld()


def test_the_command_anonymises_old_students_and_keeps_the_monitoring_figures(w, client):
    voor = _cijfers(w.app)
    assert "Vermeulen" in _trail_tekst()

    assert "3 leerling(en) zou(den) worden geanonimiseerd (dry-run)" in _run(
        "--datum", "2026-01-15", "--dry-run"
    )
    assert Leerling.objects.filter(geanonimiseerd_op__isnull=False).count() == 0

    uit = _run("--datum", "2026-01-15")
    assert "Bewaartermijn 5 jaar; peildatum 2026-01-15, route geëindigd vóór 2021-01-15" in uit
    assert "3 leerling(en) geanonimiseerd" in uit

    anoniem = {w.oud.pk, w.oud2.pk, w.nooit.pk}
    assert (
        set(Leerling.objects.filter(geanonimiseerd_op__isnull=False).values_list("pk", flat=True)) == anoniem
    )
    # The stored columns themselves, not what the encrypted field decodes.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT bsn, bsn_hash, onderwijsnummer, onderwijsnummer_hash, voornamen, voorletters, roepnaam, "
            f"achternaam, geboortedatum FROM {Leerling._meta.db_table} WHERE id IN (%s, %s, %s)",
            sorted(anoniem),
        )
        for rij in cursor.fetchall():
            assert rij[:4] == (None, None, None, None)
            assert rij[4:8] == ("", "", "", bewaartermijn.PLAATSHOUDER)
    oud = Leerling.objects.get(pk=w.oud.pk)
    assert oud.geboortedatum == D(2001, 1, 1)  # the birth year stays for age at intake
    assert Leerling.objects.met_nummer("111222333").first() is None

    # Free text that named her is gone; the rows monitoring counts are all there.
    assert Uitstroom.objects.get(leerling=w.oud).toelichting == ""
    rod, fase = Signaal.objects.get(pk=w.rod_signaal.pk), Signaal.objects.get(pk=w.fase_signaal.pk)
    assert "Vermeulen" not in rod.toelichting + rod.afhandeling + fase.toelichting + fase.afhandeling
    assert rod.status == "opgelost"  # no longer delivered: nothing left to fix
    assert fase.status == "open"  # the fase check decides about its own signals
    assert Inschrijving.objects.filter(leerling=w.oud).count() == 2
    assert _cijfers(w.app) == voor

    # The trail names nobody: no name, number, birthday or note, in object, old or new values.
    trail = _trail_tekst()
    for persoonlijk in (
        "Vermeulen",
        "Bakker",
        "Smit",
        "111222333",
        w.onderwijsnummer,
        "123456782",
        "2001-05-17",
    ):
        assert persoonlijk not in trail
    assert "•••333" not in trail and "Recent" in trail and "Lopend" in trail  # only these students
    regels = AuditRegel.objects.filter(model="registratie.Leerling", object_id=str(w.oud.pk))
    assert {r.object_repr for r in regels} == {"Geanonimiseerde leerling"}
    wijziging = regels.get(actie="update", oud__isnull=False)
    assert wijziging.oud["achternaam"] == wijziging.nieuw["achternaam"] == bewaartermijn.GEANONIMISEERD
    # ... and records the anonymisation itself, without personal values.
    vastgelegd = regels.get(nieuw__geanonimiseerd=True)
    assert (vastgelegd.kanaal, vastgelegd.actie, vastgelegd.oud, vastgelegd.nieuw) == (
        "job",
        "update",
        None,
        {"geanonimiseerd": True},
    )
    assert vastgelegd.instelling_id == w.vo_instelling.pk

    # Students within the retention period keep everything.
    for leerling, achternaam in ((w.recent, "Recent"), (w.lopend, "Lopend"), (w.nieuw, "Nieuw")):
        leerling = Leerling.objects.get(pk=leerling.pk)
        assert (leerling.achternaam, leerling.roepnaam, leerling.geanonimiseerd_op) == (
            achternaam,
            "Anna",
            None,
        )
        assert leerling.bsn and leerling.geboortedatum == GEBOORTEDATUM

    # The detail page says so.
    inloggen(client, w.beheerder)
    pagina = client.get(reverse("registratie:leerling", args=[w.oud.pk])).content.decode()
    assert "Geanonimiseerd op" in pagina and "Vermeulen" not in pagina

    # Idempotent: a second run finds nobody and changes nothing.
    trail_na = _trail_tekst()
    assert "0 leerling(en) geanonimiseerd" in _run("--datum", "2026-01-15")
    assert _trail_tekst() == trail_na


def test_the_nightly_task_runs_the_same_under_its_lock(w):
    resultaat = tasks.anonimiseren_task.apply(args=["2026-01-15"]).get()
    assert resultaat == {
        "peildatum": "2026-01-15",
        "bewaartermijn_jaren": 5,
        "grensdatum": "2021-01-15",
        "geanonimiseerd": 3,
        "rod_bestanden_verwijderd": 0,
    }
    assert tasks.anonimiseren_task.apply(args=["2026-01-15"]).get()["geanonimiseerd"] == 0

    with slot_elders(bewaartermijn.LOCK_NAAM), pytest.raises(locks.AlBezig):
        tasks.anonimiseren_task.apply(args=["2030-01-15"], throw=True)
    assert Leerling.objects.get(pk=w.recent.pk).geanonimiseerd_op is None


def test_the_setting_moves_the_cut_off(w, settings):
    settings.LEERROUTE_BEWAARTERMIJN_JAREN = 10  # only the student registered in 2015 and never enrolled
    assert "1 leerling(en) geanonimiseerd" in _run("--datum", "2026-01-15")
    assert Leerling.objects.get(pk=w.nooit.pk).geanonimiseerd_op is not None
    assert Leerling.objects.get(pk=w.oud.pk).geanonimiseerd_op is None

    settings.LEERROUTE_BEWAARTERMIJN_JAREN = 3  # ended before 15 January 2023
    assert "3 leerling(en) geanonimiseerd" in _run("--datum", "2026-01-15")
    assert Leerling.objects.get(pk=w.recent.pk).geanonimiseerd_op is not None
    assert Leerling.objects.get(pk=w.lopend.pk).geanonimiseerd_op is None  # still enrolled


def test_a_route_that_ended_exactly_n_years_ago_is_kept_one_day_more(db):
    einde = D(2021, 1, 15)
    vo = InschrijvingFactory(
        leerroute=LeerrouteFactory(startdatum=D(2014, 8, 1), overeenkomst__ingangsdatum=D(2014, 8, 1)),
        startdatum=START,
        einddatum=einde,
        reden_einde="overstap",
    )
    assert not bewaartermijn.te_anonimiseren(D(2026, 1, 15)).exists()
    assert list(bewaartermijn.te_anonimiseren(D(2026, 1, 16))) == [vo.leerling]
    # An uitstroom after the last einddatum counts as the end too.
    Uitstroom.objects.create(
        leerling=vo.leerling, leerroute=vo.leerroute, datum=D(2021, 3, 1), reden="stopt", bestemming="anders"
    )
    assert not bewaartermijn.te_anonimiseren(D(2026, 1, 16)).exists()


def _oude_leerlingen(aantal: int, route):
    for _ in range(aantal):
        leerling = LeerlingFactory(instelling=route.overeenkomst.vo_instelling)
        audit.record(leerling, actie="create", door=None, kanaal=Kanaal.JOB, nieuw=audit.snapshot(leerling))
        InschrijvingFactory(
            leerroute=route,
            leerling=leerling,
            startdatum=START,
            einddatum=D(2018, 7, 31),
            reden_einde="overstap",
        )


def _queries(aantal: int) -> int:
    route = LeerrouteFactory(startdatum=D(2014, 8, 1), overeenkomst__ingangsdatum=D(2014, 8, 1))
    _oude_leerlingen(aantal, route)
    with CaptureQueriesContext(connection) as ctx:
        assert bewaartermijn.anonimiseren(peildatum=PEIL) == aantal
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_number_of_students():
    drie = _queries(3)
    dertig = _queries(30)
    assert dertig == drie
    assert drie <= 17  # per chunk 10 statements (+ savepoints, set_config on PostgreSQL), + 1 to stop


@pytest.mark.django_db
def test_chunks_each_commit_and_together_cover_everyone():
    route = LeerrouteFactory(startdatum=D(2014, 8, 1), overeenkomst__ingangsdatum=D(2014, 8, 1))
    _oude_leerlingen(7, route)
    assert bewaartermijn.anonimiseren(peildatum=PEIL, batch=3) == 7
    assert not Leerling.objects.filter(geanonimiseerd_op__isnull=True).exists()
    assert AuditRegel.objects.filter(nieuw__geanonimiseerd=True).count() == 7


def test_the_trail_is_scrubbed_under_the_database_guard(w, audit_trigger):
    assert "3 leerling(en) geanonimiseerd" in _run("--datum", "2026-01-15")
    assert "Vermeulen" not in _trail_tekst()


def test_rod_neither_delivers_nor_withdraws_an_anonymised_student(db):
    route = route_met_vestigingen()
    weg_vo, weg_mbo = leerling_in_route(route)
    blijft_vo, _ = leerling_in_route(route)
    rod_services.rod_exporteren(peildatum=PEILDATUM)
    Inschrijving.objects.filter(pk__in=[weg_vo.pk, weg_mbo.pk]).update(
        einddatum=PEILDATUM, reden_einde="overstap"
    )
    rod_services.rod_exporteren(peildatum=VOLGENDE_DAG)  # the end goes to ROD
    voor = {i.pk: stand(i).hash for i in (weg_vo, weg_mbo)}
    stand_voor = RodStand.objects.get(inschrijving=weg_vo)
    assert stand_voor.bij_rod and stand_voor.einddatum_geleverd

    assert bewaartermijn.anonimiseren(peildatum=D(2031, 6, 1)) == 1
    resultaten = rod_services.rod_exporteren(peildatum=DAG_DAARNA)

    # Nothing to deliver: no record without a BSN held back with a signal, no withdrawal.
    assert all(r.levering is None and not r.fout for r in resultaten), [r.regel() for r in resultaten]
    assert sum(r.aantal_vastgehouden for r in resultaten) == 0
    assert not open_rod_signalen().exists()
    assert {i.pk: stand(i).hash for i in (weg_vo, weg_mbo)} == voor
    assert RodStand.objects.get(inschrijving=weg_vo).bij_rod

    # A change of the student still in the route goes out alone.
    Inschrijving.objects.filter(pk=blijft_vo.pk).update(geplande_einddatum=D(2029, 7, 31))
    resultaat = {r.instelling.brin: r for r in rod_services.rod_exporteren(peildatum=D(2025, 10, 4))}
    levering = resultaat[route.overeenkomst.vo_instelling.brin]
    assert levering.levering.aantal_records == 1 and levering.aantal_vastgehouden == 0


def test_the_fase_check_raises_nothing_new_for_anonymised_students(w):
    _run("--datum", "2026-01-15")
    voor = set(Signaal.objects.values_list("pk", flat=True))
    checks.check_phases(peildatum=PEIL)
    nieuw = Signaal.objects.exclude(pk__in=voor)
    assert not nieuw.filter(leerling__geanonimiseerd_op__isnull=False).exists()


def test_old_rod_files_are_deleted_and_the_rows_kept(db, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path / "media"
    route = route_met_vestigingen()
    leerling_in_route(route)
    leveringen = [r.levering for r in rod_services.rod_exporteren(peildatum=PEILDATUM) if r.levering]
    paden = [levering.bestand.path for levering in leveringen]
    assert paden and all(os.path.exists(p) for p in paden)

    # Within the retention period nothing goes.
    assert bewaartermijn.rod_bestanden_opruimen(peildatum=PEILDATUM + datetime.timedelta(days=365)) == 0
    assert all(os.path.exists(p) for p in paden)

    later = timezone.localdate() + datetime.timedelta(days=365 * 6)
    assert bewaartermijn.rod_bestanden_opruimen(peildatum=later) == len(leveringen)
    assert not any(os.path.exists(p) for p in paden)
    levering = type(leveringen[0]).objects.get(pk=leveringen[0].pk)
    assert levering.sha256 and levering.aantal_records and not levering.bestand

    beheerder = gebruiker_met_rol("beheerder", instelling=levering.instelling)
    inloggen(client, beheerder)
    assert client.get(reverse("rod:bestand", args=[levering.pk])).status_code == 404
    assert (
        "na de bewaartermijn verwijderd"
        in client.get(reverse("rod:levering", args=[levering.pk])).content.decode()
    )

"""The ROD queue (registratie/rod/wachtrij.py) and its sending job (verzenden.py): every change to
a delivered field queues the enrolment in the change's transaction; the job builds each message at
send time and hands it to the instelling's transport; every status change has a time."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from registratie.models import BerichtStatus, Inschrijving, RodBericht, RodBerichtStatus, RodLevering
from registratie.rod import bericht, bericht_lezen, transport, verzenden, wachtrij
from registratie.services import inschrijving_beeindigen
from samenwerking.services import opslaan, verwijderen
from tests.factories import GebruikerFactory
from tests.registratie.rod_helpers import leerling_in_route, levering_bytes, route_met_vestigingen, vestiging

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rod_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the batch files of the file transport
    return settings.MEDIA_ROOT


@pytest.fixture
def paar():
    """Started yesterday: after every count date whose deadline passed (teldata: none is locked)."""
    route = route_met_vestigingen()
    return leerling_in_route(route, startdatum=timezone.localdate() - datetime.timedelta(days=1))


@pytest.fixture
def gebruiker():
    return GebruikerFactory()


def _berichten(ins, **filters):
    return RodBericht.objects.filter(inschrijving=ins, **filters)


def _statussen(b: RodBericht) -> list[str]:
    return list(
        RodBerichtStatus.objects.filter(bericht=b).order_by("tijd", "id").values_list("status", flat=True)
    )


class Weigerend:
    """A transport that fails as told: a queue of exceptions (None: receipt)."""

    uitkomsten: list = []
    ontvangen: list = []

    def __init__(self, instelling):
        self.instelling = instelling

    def verzenden(self, b, xml):
        uitkomst = Weigerend.uitkomsten.pop(0) if Weigerend.uitkomsten else None
        if uitkomst is not None:
            raise uitkomst
        Weigerend.ontvangen.append((b.document_id, xml))
        return transport.Ontvangst(document_id=b.document_id, ontvangen=True, tijd=timezone.now())


@pytest.fixture
def weigerend(settings, monkeypatch):
    monkeypatch.setitem(transport.TRANSPORTEN, "test", Weigerend)
    settings.LEERROUTE_ROD_TRANSPORT = {"standaard": "test"}
    Weigerend.uitkomsten, Weigerend.ontvangen = [], []
    return Weigerend


# ------------------------------------------------------------------------------------------ queueing


def test_a_change_to_a_delivered_field_queues_once_in_the_same_transaction(paar, gebruiker):
    vo, _mbo = paar
    vo.geplande_einddatum = datetime.date(2029, 7, 31)
    with transaction.atomic():
        opslaan(vo, door=gebruiker)
        assert _berichten(vo, status=BerichtStatus.IN_WACHTRIJ).count() == 1  # inside the transaction
    vo.geplande_einddatum = datetime.date(2029, 6, 30)
    opslaan(vo, door=gebruiker)
    assert _berichten(vo).count() == 1  # still one: it is built when it is sent
    b = _berichten(vo).get()
    assert _statussen(b) == ["in_wachtrij"]


def test_a_change_that_rolls_back_leaves_nothing_queued(paar, gebruiker):
    vo, _mbo = paar
    vo.geplande_einddatum = datetime.date(2029, 7, 31)
    with pytest.raises(RuntimeError), transaction.atomic():
        opslaan(vo, door=gebruiker)
        raise RuntimeError("afgebroken")
    assert not _berichten(vo).exists()


def test_a_field_no_message_carries_queues_nothing(paar, gebruiker):
    vo, _mbo = paar
    vo.vmbo_diploma_datum = datetime.date(2026, 7, 1)
    opslaan(vo, door=gebruiker)
    assert not _berichten(vo).exists()


def test_a_new_bsn_queues_every_enrolment_of_the_student(paar, gebruiker):
    vo, mbo = paar
    leerling = vo.leerling
    leerling.bsn = "111222333"
    opslaan(leerling, door=gebruiker)
    assert RodBericht.objects.filter(inschrijving__in=[vo, mbo]).count() == 2


# ------------------------------------------------------------------------------------------ sending


def test_a_batch_with_a_message_the_xsd_refuses_is_not_stored_and_nothing_leaves_the_queue(
    monkeypatch, rod_media
):
    """The XSD is the safety net behind bericht.controleren for the file batch: when a message
    slips through the check, the instelling's run fails whole, in any block of the batch (the
    validator checks them beside the job): no delivery, no file, every message still queued."""
    route = route_met_vestigingen()
    ids = [leerling_in_route(route)[0].pk for _ in range(5)]
    Inschrijving.objects.filter(pk=ids[3]).update(inschrijvingsvolgnummer="A 1")  # no spaces (XSD)
    monkeypatch.setattr(bericht, "controleren", lambda m: [])  # the check lets it through
    monkeypatch.setattr(transport.BestandTransport, "BLOK", 2)  # three blocks
    wachtrij.in_wachtrij(ids)
    (r,) = [r for r in verzenden.verzenden() if r.aantal or r.fout]
    assert r.fout == "ValueError"
    assert not RodLevering.objects.exists()
    assert not [p for p in rod_media.rglob("*") if p.is_file()]
    assert set(RodBericht.objects.values_list("status", flat=True)) == {"in_wachtrij"}


def test_file_transport_sends_a_valid_batch_and_records_every_status(paar):
    vo, mbo = paar
    wachtrij.in_wachtrij([vo.pk, mbo.pk])
    resultaten = {r.instelling: r for r in verzenden.verzenden()}
    assert {i: r.per_status for i, r in resultaten.items()} == {
        vo.instelling: {"verzonden": 1},
        mbo.instelling: {"verzonden": 1},
    }
    levering = RodLevering.objects.get(pk=resultaten[vo.instelling].levering_id)
    assert levering.formaatversie == "2" and levering.aantal_records == 1
    inhoud = levering_bytes(levering)
    assert bericht_lezen.schema().validate(bericht_lezen._parse(inhoud))
    berichten = {b.volgnummer: b for b in bericht_lezen.batch_lezen(inhoud)}
    assert set(berichten) == {vo.inschrijvingsvolgnummer}  # one instelling per batch
    b = _berichten(vo).get()
    assert b.status == "verzonden" and b.levering_id == levering.pk
    assert _statussen(b) == ["in_wachtrij", "verzonden"]
    assert bericht_lezen.lezen(wachtrij.inhoud(b)).document_id == b.document_id
    assert b"<burgerservicenummer>" in wachtrij.inhoud(b)  # the content is kept, encrypted
    assert b"burgerservicenummer" not in b.inhoud.encode()
    assert verzenden.verzenden() == []  # nothing left: the next run costs nothing


def test_a_temporary_error_is_retried_later_with_the_same_document_id(paar, weigerend):
    vo, _mbo = paar
    wachtrij.in_wachtrij([vo.pk])
    weigerend.uitkomsten = [transport.TijdelijkeFout("time-out")]
    verzenden.verzenden()
    b = _berichten(vo).get()
    assert (b.status, b.pogingen) == ("in_wachtrij", 1)
    assert b.volgende_poging > timezone.now()
    assert "time-out" in b.toelichting
    assert verzenden.verzenden() == []  # not due yet
    RodBericht.objects.filter(pk=b.pk).update(volgende_poging=timezone.now() - datetime.timedelta(seconds=1))
    verzenden.verzenden()
    b.refresh_from_db()
    assert b.status == "ontvangen"
    assert [d for d, _x in weigerend.ontvangen] == [b.document_id]
    assert _statussen(b) == ["in_wachtrij", "in_wachtrij", "ontvangen"]


def test_backoff_grows_exponentially_and_is_capped():
    assert [verzenden.backoff(n).total_seconds() / 60 for n in (1, 2, 3)] == [5, 10, 20]
    assert verzenden.backoff(30) == verzenden.BACKOFF_MAX


def test_a_refused_message_is_rejected_with_the_reason(paar, weigerend):
    vo, _mbo = paar
    wachtrij.in_wachtrij([vo.pk])
    weigerend.uitkomsten = [transport.DefinitieveFout("F01: inschrijving onbekend")]
    verzenden.verzenden()
    b = _berichten(vo).get()
    assert b.status == "afgekeurd" and "F01" in b.toelichting
    # A new change queues a new message with a new document id.
    wachtrij.in_wachtrij([vo.pk])
    nieuw = _berichten(vo, status="in_wachtrij").get()
    assert nieuw.document_id != b.document_id


def test_the_run_stops_for_an_instelling_after_temporary_errors_in_a_row(weigerend):
    route = route_met_vestigingen()
    ids = [leerling_in_route(route)[0].pk for _ in range(5)]
    wachtrij.in_wachtrij(ids)
    weigerend.uitkomsten = [transport.TijdelijkeFout("503")] * 5
    [r] = verzenden.verzenden()
    assert r.gestopt and r.per_status["tijdelijke fout"] == verzenden.MAX_TIJDELIJK_OP_RIJ
    assert RodBericht.objects.filter(status="in_wachtrij").count() == 5  # none lost


def test_a_changed_vestiging_after_delivery_starts_a_new_period(paar, gebruiker):
    vo, _mbo = paar
    wachtrij.in_wachtrij([vo.pk])
    verzenden.verzenden()
    vo.vestiging = vestiging(vo.instelling, 2)
    opslaan(vo, door=gebruiker)
    verzenden.verzenden()
    laatste = _berichten(vo).order_by("-pk").first()
    perioden = bericht_lezen.lezen(wachtrij.inhoud(laatste)).perioden
    assert perioden[0].vestiging.endswith("01") and perioden[-1].vestiging.endswith("02")
    assert perioden[-1].begin == timezone.localdate()


def test_deleting_a_delivered_enrolment_queues_its_deletion(paar, gebruiker):
    _vo, mbo = paar
    wachtrij.in_wachtrij([mbo.pk])
    verzenden.verzenden()
    sleutel = mbo.inschrijvingsvolgnummer
    verwijderen(mbo, door=gebruiker)
    v = RodBericht.objects.get(soort="verwijdering")
    assert v.sleutel == sleutel and v.inschrijving_id is None
    verzenden.verzenden()
    v.refresh_from_db()
    assert v.status == "verzonden"
    assert isinstance(bericht_lezen.lezen(wachtrij.inhoud(v)), bericht.VerwijderBericht)


def test_deleting_an_enrolment_never_delivered_withdraws_its_queued_message(paar, gebruiker):
    _vo, mbo = paar
    wachtrij.in_wachtrij([mbo.pk])
    b = _berichten(mbo).get()
    verwijderen(mbo, door=gebruiker)
    b.refresh_from_db()
    assert b.status == "ingetrokken"
    assert not RodBericht.objects.filter(soort="verwijdering").exists()


def test_an_enrolment_ended_as_correction_becomes_a_deletion_message(paar, gebruiker):
    _vo, mbo = paar
    wachtrij.in_wachtrij([mbo.pk])
    verzenden.verzenden()
    inschrijving_beeindigen(inschrijving=mbo, einddatum=mbo.startdatum, reden="correctie", door=gebruiker)
    verzenden.verzenden()
    laatste = _berichten(mbo).order_by("-pk").first()
    assert laatste.soort == "verwijdering" and laatste.status == "verzonden"


def test_first_fill_queues_every_enrolment_once(paar):
    _vo, _mbo = paar
    assert wachtrij.alles_in_wachtrij() == 2
    assert wachtrij.alles_in_wachtrij() == 0
    assert {b.status for b in RodBericht.objects.all()} == {"in_wachtrij"}


def test_a_withdrawn_message_keeps_its_status(paar):
    vo, _mbo = paar
    wachtrij.in_wachtrij([vo.pk])
    b = _berichten(vo).get()
    wachtrij.status_zetten(b, BerichtStatus.INGETROKKEN, toelichting="test")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        wachtrij.status_zetten(b, BerichtStatus.VERZONDEN)


def test_document_ids_are_unique_uuids(paar):
    vo, mbo = paar
    wachtrij.in_wachtrij([vo.pk, mbo.pk])
    ids = list(RodBericht.objects.values_list("document_id", flat=True))
    assert len(set(ids)) == 2 and all(isinstance(i, uuid.UUID) for i in ids)


def test_each_message_is_read_back_from_its_place_in_a_batch_of_many_chunks(monkeypatch):
    from registratie.rod import opslag

    monkeypatch.setattr(opslag, "BLOK", 700)  # chunks smaller than a message: messages span two
    route = route_met_vestigingen()
    ids = [leerling_in_route(route)[0].pk for _ in range(6)]
    wachtrij.in_wachtrij(ids)
    verzenden.verzenden()
    for b in RodBericht.objects.filter(inschrijving_id__in=ids):
        assert b.inhoud == "" and b.positie is not None  # stored once: in the batch file
        gelezen = bericht_lezen.lezen(wachtrij.inhoud(b))
        assert gelezen.document_id == b.document_id and gelezen.volgnummer == b.sleutel


@pytest.mark.postgres
def test_a_delivery_costs_the_same_queries_for_few_and_for_more_messages():
    """The sending job is set-based per block (one query per kind of row, ids as one array, the
    status and the place in the batch file in one UPDATE): its query count does not grow with
    the number of messages."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    route = route_met_vestigingen()

    def levering(n: int) -> int:
        ids = [leerling_in_route(route)[0].pk for _ in range(n)]
        wachtrij.in_wachtrij(ids)
        with CaptureQueriesContext(connection) as q:
            (r,) = [r for r in verzenden.verzenden() if r.per_status.get("verzonden")]
        berichten = RodBericht.objects.filter(inschrijving_id__in=ids)
        assert r.per_status == {"verzonden": n}
        assert RodLevering.objects.get(pk=r.levering_id).aantal_records == n
        assert {(b.status, b.levering_id) for b in berichten} == {("verzonden", r.levering_id)}
        assert len({b.positie for b in berichten}) == n  # each its own place in the batch
        return len(q)

    assert levering(3) == levering(12)


@pytest.mark.postgres
def test_a_change_delivery_reads_the_previous_messages_per_file_not_per_message():
    """A message after the first keeps what was delivered before (its previous message, read from
    the batch file it went out in): that costs the same queries for few and for more messages."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    route = route_met_vestigingen()

    def wijziging(n: int) -> int:
        ids = [leerling_in_route(route)[0].pk for _ in range(n)]
        wachtrij.in_wachtrij(ids)
        verzenden.verzenden()  # the first message of each
        wachtrij.in_wachtrij(ids)  # a change
        with CaptureQueriesContext(connection) as q:
            (r,) = [r for r in verzenden.verzenden() if r.per_status.get("verzonden")]
        assert r.per_status == {"verzonden": n}
        return len(q)

    assert wijziging(3) == wijziging(12)


def test_a_message_that_fails_the_checks_is_rejected_without_its_value(paar):
    vo, _mbo = paar
    from registratie.models import Leerling

    Leerling.objects.filter(pk=vo.leerling_id).update(bsn="123456789", bsn_hash="x")  # fails the elfproef
    wachtrij.in_wachtrij([vo.pk])
    verzenden.verzenden()
    b = _berichten(vo).get()
    assert b.status == "afgekeurd"
    assert "burgerservicenummer" in b.toelichting and "123456789" not in b.toelichting
    assert not RodLevering.objects.exists()  # nothing else was queued: no batch file


def test_a_message_our_own_check_refuses_opens_a_signal_for_the_beheerders(client, paar):
    """Refused before it was sent, it does not vanish in the queue: the instelling's beheerder
    finds it on the signal list, as a rejection by DUO; a next refusal adds no second signal."""
    from registratie.models import Leerling
    from tests.factories import gebruiker_met_rol
    from tests.login import inloggen
    from tests.registratie.rod_helpers import open_rod_signalen

    vo, _mbo = paar
    Leerling.objects.filter(pk=vo.leerling_id).update(bsn="123456789", bsn_hash="x")  # fails the elfproef
    wachtrij.in_wachtrij([vo.pk])
    verzenden.verzenden()
    [signaal] = open_rod_signalen(instelling=vo.instelling)
    assert signaal.inschrijving_id == vo.pk and signaal.leerling_id == vo.leerling_id
    assert signaal.regel == "ROD" and signaal.partner_instelling_id == _mbo.instelling_id
    assert "burgerservicenummer" in signaal.toelichting and "123456789" not in signaal.toelichting
    assert vo.inschrijvingsvolgnummer in signaal.toelichting

    inloggen(client, gebruiker_met_rol("beheerder", instelling=vo.instelling))
    r = client.get("/signalen/")
    assert r.status_code == 200 and vo.inschrijvingsvolgnummer in r.content.decode()

    wachtrij.in_wachtrij([vo.pk])  # queued again, still wrong
    verzenden.verzenden()
    assert _berichten(vo, status="afgekeurd").count() == 2
    assert open_rod_signalen(instelling=vo.instelling).count() == 1


def test_a_refused_message_that_goes_out_after_the_fix_solves_its_signal(paar, gebruiker):
    """The beheerder corrects the number: the change queues a new message, it goes out, and the
    refusal's signal is solved by the job (audited), not left open for someone to close."""
    from registratie.models import Leerling, Signaal
    from samenwerking.models import AuditRegel
    from tests.registratie.rod_helpers import open_rod_signalen

    vo, _mbo = paar
    goed = vo.leerling.bsn
    Leerling.objects.filter(pk=vo.leerling_id).update(bsn="123456789", bsn_hash="x")  # fails the elfproef
    wachtrij.in_wachtrij([vo.pk])
    verzenden.verzenden()
    [signaal] = open_rod_signalen(instelling=vo.instelling)

    leerling = Leerling.objects.get(pk=vo.leerling_id)
    leerling.bsn = goed
    opslaan(leerling, door=gebruiker)  # queues the enrolments again
    verzenden.verzenden()
    assert _berichten(vo, status="verzonden").count() == 1
    assert not open_rod_signalen(instelling=vo.instelling).exists()
    signaal = Signaal.objects.get(pk=signaal.pk)
    assert signaal.status == "opgelost" and "alsnog verzonden" in signaal.afhandeling
    assert AuditRegel.objects.filter(
        model="registratie.Signaal", object_id=str(signaal.pk), actie="update"
    ).exists()


def test_a_message_duo_refuses_on_receipt_opens_a_signal_too(paar, weigerend):
    from tests.registratie.rod_helpers import open_rod_signalen

    vo, _mbo = paar
    wachtrij.in_wachtrij([vo.pk])
    weigerend.uitkomsten = [transport.DefinitieveFout("F01: inschrijving onbekend")]
    verzenden.verzenden()
    [signaal] = open_rod_signalen(instelling=vo.instelling, inschrijving=vo)
    assert "F01: inschrijving onbekend" in signaal.toelichting


def test_a_change_through_the_api_queues_the_enrolment(paar):
    """Whatever made the change: here an integration's API key (the same write path as the
    screens, the admin and the import)."""
    from django.core.cache import cache
    from rest_framework.test import APIClient

    from samenwerking.api.sleutels import sleutel_aanmaken
    from samenwerking.models import ApiScope
    from tests.factories import gebruiker_met_rol

    cache.clear()  # throttle counters
    vo, _mbo = paar
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling)
    _rij, sleutel = sleutel_aanmaken(
        instelling=vo.instelling, naam="Magister", bevoegdheid=ApiScope.LEZEN_SCHRIJVEN, door=beheerder
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {sleutel}")
    r = api.post(
        f"/api/v1/inschrijvingen/{vo.pk}/beeindigen/",
        {"einddatum": timezone.localdate().isoformat(), "reden": "overstap"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert _berichten(vo, status="in_wachtrij").count() == 1

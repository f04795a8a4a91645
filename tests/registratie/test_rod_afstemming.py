"""Reconciliation (registratie/rod/afstemming.py): DUO's snapshot against our data. Every planted
difference is found, and nothing else; the screen, the CSV and "opnieuw in de wachtrij"."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from registratie.models import BerichtStatus, RodAfstemming, RodBericht, RodBerichtSoort, RodVerschil
from registratie.rod import afstemming, bericht, bericht_lezen, wachtrij
from registratie.rod import terugkoppeling_xml as tx
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen
from tests.registratie.rod_helpers import leerling_in_route, route_met_vestigingen

# Uploaded files are stored (encrypted) until their run ends: a fresh MEDIA_ROOT per test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rod_media")]

NU = datetime.datetime(2026, 11, 2, 6, 0, tzinfo=datetime.UTC)


@pytest.fixture
def school():
    """Five route students of one vo-school; the mbo side is the partner's."""
    route = route_met_vestigingen()
    vo = [leerling_in_route(route)[0] for _ in range(5)]
    return vo[0].instelling, vo


def _duo(ins, **wijzigingen) -> bericht.InschrijvingBericht:
    """DUO's record of an enrolment: our message as DUO got it, with planted changes."""
    b = bericht.bericht_van(ins, document_id=uuid.uuid4(), tijd=NU)
    return dataclasses.replace(b, **wijzigingen)


def _momentopname(instelling, records) -> bytes:
    return tx.momentopname_schrijven(
        tx.Momentopname(brin=instelling.brin, aangemaakt=NU, inschrijvingen=records)
    )


def _verschillen(a: RodAfstemming) -> set[tuple]:
    return {(v.sleutel, v.soort, v.veld, v.ons, v.duo) for v in a.verschillen.all()}


@pytest.fixture
def geplant(school):
    instelling, vo = school
    zelfde, _weg, datum, vestiging, nummer = vo
    andere_vestiging = [
        dataclasses.replace(p, vestiging=f"{instelling.brin}07") for p in _duo(vestiging).perioden
    ]
    alleen_duo = dataclasses.replace(_duo(zelfde), volgnummer="DUO-ALLEEN", nummer="111222333")
    records = [
        _duo(zelfde),
        _duo(datum, datum_inschrijving=datum.startdatum + datetime.timedelta(days=3)),
        _duo(vestiging, perioden=andere_vestiging),
        _duo(nummer, nummer="123456782"),
        alleen_duo,
    ]
    return instelling, vo, _momentopname(instelling, records)


def test_every_planted_difference_is_found_and_nothing_else(geplant):
    instelling, (_zelfde, weg, datum, vestiging, nummer), data = geplant
    a = afstemming.afstemmen(data)
    start = datum.startdatum
    perioden = bericht.bericht_van(vestiging, document_id=uuid.uuid4(), tijd=NU).perioden
    verwacht = {
        (weg.inschrijvingsvolgnummer, "ontbreekt_bij_duo", "", "", ""),
        ("DUO-ALLEEN", "ontbreekt_bij_ons", "", "", ""),
        (
            datum.inschrijvingsvolgnummer,
            "veld",
            "datum inschrijving",
            start.isoformat(),
            (start + datetime.timedelta(days=3)).isoformat(),
        ),
        (
            nummer.inschrijvingsvolgnummer,
            "veld",
            "burgerservicenummer/onderwijsnummer",
            "••••••" + nummer.leerling.bsn[-3:],
            "••••••782",
        ),
    } | {
        (
            vestiging.inschrijvingsvolgnummer,
            "veld",
            f"periode vanaf {p.begin:%d-%m-%Y}: vestiging",
            p.vestiging,
            f"{instelling.brin}07",
        )
        for p in perioden
    }
    assert _verschillen(a) == verwacht
    assert (a.aantal_duo, a.aantal_ons, a.aantal_verschillen) == (5, 5, len(verwacht))
    assert a.instelling == instelling


def test_a_difference_in_how_periods_are_split_is_no_difference(school):
    instelling, vo = school
    ins = vo[0]
    b = _duo(ins)
    if len(b.perioden) < 2:
        pytest.skip("needs an enrolment over more than one school year")
    # DUO joined two periods into one with the same content but a new leerjaar: that IS a difference;
    # splitting one period in two with the same content is not.
    eerste = b.perioden[0]
    midden = eerste.begin + datetime.timedelta(days=30)
    gesplitst = [
        dataclasses.replace(eerste, einde=midden - datetime.timedelta(days=1)),
        dataclasses.replace(eerste, begin=midden),
        *b.perioden[1:],
    ]
    a = afstemming.afstemmen(_momentopname(instelling, [dataclasses.replace(b, perioden=gesplitst)]))
    assert {v.sleutel for v in a.verschillen.all()} == {i.inschrijvingsvolgnummer for i in vo[1:]}


def test_opnieuw_in_de_wachtrij_per_difference_and_for_all(geplant):
    instelling, (_zelfde, weg, datum, vestiging, nummer), data = geplant
    a = afstemming.afstemmen(data)
    RodBericht.objects.all().delete()  # start from an empty queue
    een = a.verschillen.get(sleutel=datum.inschrijvingsvolgnummer)
    assert afstemming.opnieuw_in_wachtrij(a.verschillen.filter(pk=een.pk)) == 1
    assert list(RodBericht.objects.values_list("inschrijving", "status")) == [
        (datum.pk, BerichtStatus.IN_WACHTRIJ)
    ]
    een.refresh_from_db()
    assert een.opnieuw_in_wachtrij_op is not None

    afstemming.opnieuw_in_wachtrij(a.verschillen.all())
    in_wachtrij = RodBericht.objects.filter(status=BerichtStatus.IN_WACHTRIJ)
    assert {b.inschrijving_id for b in in_wachtrij.filter(soort=RodBerichtSoort.INSCHRIJVING)} == {
        weg.pk,
        datum.pk,
        vestiging.pk,
        nummer.pk,
    }
    verwijdering = in_wachtrij.get(soort=RodBerichtSoort.VERWIJDERING)
    assert verwijdering.sleutel == "DUO-ALLEEN" and verwijdering.instelling == instelling
    weg_bericht = bericht_lezen.lezen(wachtrij.inhoud(verwijdering))
    assert isinstance(weg_bericht, bericht.VerwijderBericht) and weg_bericht.nummer == "111222333"
    assert bericht_lezen.valideren(wachtrij.inhoud(verwijdering)) == []
    assert not a.verschillen.filter(opnieuw_in_wachtrij_op__isnull=True).exists()


def test_opnieuw_in_de_wachtrij_for_all_goes_through_every_block(geplant, monkeypatch):
    """ "Alle verschillen opnieuw in de wachtrij" reads the differences in blocks (flat memory for
    a reconciliation with one difference per enrolment): with blocks of two, every difference of
    every block is queued and marked, the deletion of the key only DUO has included."""
    _instelling, (_zelfde, weg, datum, vestiging, nummer), data = geplant
    monkeypatch.setattr(afstemming, "BLOK", 2)
    a = afstemming.afstemmen(data)
    RodBericht.objects.all().delete()
    assert a.verschillen.count() > 2 * afstemming.BLOK
    assert afstemming.opnieuw_in_wachtrij(a.verschillen.all()) == 5
    in_wachtrij = RodBericht.objects.filter(status=BerichtStatus.IN_WACHTRIJ)
    assert {b.inschrijving_id for b in in_wachtrij.filter(soort=RodBerichtSoort.INSCHRIJVING)} == {
        weg.pk,
        datum.pk,
        vestiging.pk,
        nummer.pk,
    }
    assert in_wachtrij.filter(soort=RodBerichtSoort.VERWIJDERING, sleutel="DUO-ALLEEN").count() == 1
    assert not a.verschillen.filter(opnieuw_in_wachtrij_op__isnull=True).exists()


def test_the_snapshot_must_follow_its_schema(school):
    instelling, _vo = school
    kapot = _momentopname(instelling, []).replace(b"<brin>", b"<brinn>").replace(b"</brin>", b"</brinn>")
    with pytest.raises(Exception, match="volgt het schema"):
        afstemming.afstemmen(kapot)
    assert not RodAfstemming.objects.exists()


def _client(user) -> Client:
    c = Client()
    inloggen(c, user)
    return c


def test_the_screen_shows_the_differences_masked_and_offers_csv_and_requeue(geplant, eager_taken):
    instelling, _vo, data = geplant
    c = _client(gebruiker_met_rol("beheerder", instelling=instelling))
    with eager_taken(execute=True):  # the upload's task, after the commit
        r = c.post(reverse("rod:afstemming_inlezen"), {"bestand": SimpleUploadedFile("m.xml", data)})
    r = c.get(r["Location"])
    assert r.status_code == 200
    tekst = r.content.decode()  # the run's page: its result line and the way to the differences
    a = RodAfstemming.objects.get()
    assert f"{a.aantal_verschillen} verschillen gevonden" in tekst
    assert reverse("rod:afstemming", args=[a.pk]) in tekst and "123456782" not in tekst
    tekst = c.get(reverse("rod:afstemming", args=[a.pk])).content.decode()
    assert "DUO-ALLEEN" in tekst and "ontbreekt in Leerroute" in tekst
    assert "123456782" not in tekst and "111222333" not in tekst and "••••••782" in tekst
    csv = b"".join(c.get(reverse("rod:afstemming_csv", args=[a.pk])).streaming_content).decode()
    regels = csv.strip().splitlines()
    assert regels[0].startswith("inschrijvingsvolgnummer;soort;veld")
    assert len(regels) == 1 + a.aantal_verschillen and "123456782" not in csv
    v = a.verschillen.get(sleutel="DUO-ALLEEN")
    r = c.post(reverse("rod:verschil_wachtrij", args=[a.pk, v.pk]), follow=True)
    assert "1 berichten in de wachtrij gezet" in r.content.decode()
    assert RodBericht.objects.filter(soort=RodBerichtSoort.VERWIJDERING, sleutel="DUO-ALLEEN").exists()
    r = c.post(reverse("rod:afstemming_wachtrij", args=[a.pk]), follow=True)
    assert r.status_code == 200


def test_other_users_do_not_see_or_requeue_the_reconciliation(geplant):
    instelling, vo, data = geplant
    a = afstemming.afstemmen(data)
    v = a.verschillen.first()
    for user in (
        gebruiker_met_rol("beheerder", instelling=InstellingFactory()),
        gebruiker_met_rol("lezer", instelling=instelling),
        gebruiker_met_rol("beheerder", instelling=vo[0].leerroute.overeenkomst.mbo_instelling),
    ):
        c = _client(user)
        assert c.get(reverse("rod:afstemming", args=[a.pk])).status_code == 404
        assert c.get(reverse("rod:afstemming_csv", args=[a.pk])).status_code == 404
        assert c.post(reverse("rod:verschil_wachtrij", args=[a.pk, v.pk])).status_code == 404
        r = c.post(
            reverse("rod:afstemming_inlezen"), {"bestand": SimpleUploadedFile("m.xml", data)}, follow=True
        )
        assert "geen beheerder" in r.content.decode()
    assert (
        RodAfstemming.objects.count() == 1
        and RodVerschil.objects.filter(opnieuw_in_wachtrij_op__isnull=False).count() == 0
    )

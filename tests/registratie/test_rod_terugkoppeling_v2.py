"""DUO's feedback per enrolment and count date (format v2, registratie/rod/terugkoppeling.py):
a rejection becomes an open signal and sets the message afgekeurd, a warning may be accepted with
a remark, acceptance sets geaccepteerd; reading twice changes nothing; the upload screen."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from registratie.models import (
    BerichtStatus,
    RodBericht,
    RodTerugkoppelingMelding,
    RodTerugkoppelingRegel,
    Signaal,
)
from registratie.rod import terugkoppeling, wachtrij
from registratie.rod import terugkoppeling_xml as tx
from samenwerking.models import AuditRegel
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen
from tests.registratie.rod_helpers import leerling_in_route, open_rod_signalen, route_met_vestigingen

# Uploaded files are stored (encrypted) until their run ends: a fresh MEDIA_ROOT per test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rod_media")]

TELDATUM = datetime.date(2025, 10, 1)
NU = datetime.datetime(2025, 10, 3, 6, 0, tzinfo=datetime.UTC)


def _ontvangen(ins) -> RodBericht:
    """The enrolment's message as the sending job leaves it: received by DUO."""
    wachtrij.in_wachtrij([ins.pk])
    b = RodBericht.objects.get(inschrijving=ins, status=BerichtStatus.IN_WACHTRIJ)
    return wachtrij.status_zetten(b, BerichtStatus.ONTVANGEN, toelichting="test")


def _regel(ins, b=None, *meldingen, status="V", bekostigd=True) -> tx.Regel:
    return tx.Regel(
        volgnummer=ins.inschrijvingsvolgnummer,
        document_id=b.document_id if b else None,
        teldatum=TELDATUM,
        status=status,
        indicatie_bekostigbaar=True,
        bekostigd=bekostigd,
        leerroute="GLP",
        leerroutefase="VO",
        meldingen=list(meldingen),
    )


def _bestand(instelling, *regels) -> bytes:
    return tx.schrijven(tx.Terugkoppeling(brin=instelling.brin, aangemaakt=NU, regels=list(regels)))


AFKEUR = tx.Melding("L12", tx.AFKEUR, "Leerroute ontbreekt in RIO voor 123456782.", {"partner": "30XY"})
WAARSCHUWING = tx.Melding("W03", tx.WAARSCHUWING, "Geplande einddatum ligt ver weg.")


@pytest.fixture
def ins():
    vo, _mbo = leerling_in_route(route_met_vestigingen())
    return vo


def test_the_file_is_written_and_read_back_unchanged(ins):
    regel = _regel(ins, None, AFKEUR, WAARSCHUWING, bekostigd=False)
    kop, regels = tx.lezen(_bestand(ins.instelling, regel))
    assert kop == tx.Kop(brin=ins.instelling.brin, aangemaakt=NU)
    assert list(regels) == [regel]


def test_a_file_that_does_not_follow_the_schema_changes_nothing(ins):
    kapot = _bestand(ins.instelling, _regel(ins)).replace(b"<status>V</status>", b"<status>X</status>")
    with pytest.raises(ValidationError, match="volgt het schema"):
        terugkoppeling.inlezen(kapot)
    assert not RodTerugkoppelingRegel.objects.exists()


def test_acceptance_without_signals_sets_the_message_geaccepteerd(ins):
    b = _ontvangen(ins)
    r = terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b)))
    assert (r.regels, r.zonder_meldingen, r.afgekeurd) == (1, 1, 0)
    b.refresh_from_db()
    assert b.status == BerichtStatus.GEACCEPTEERD
    assert list(b.statussen.values_list("status", flat=True)) == ["in_wachtrij", "ontvangen", "geaccepteerd"]
    regel = RodTerugkoppelingRegel.objects.get()
    assert (regel.inschrijving, regel.bericht, regel.teldatum, regel.status) == (ins, b, TELDATUM, "V")
    assert regel.leerroute == "GLP" and regel.leerroutefase == "VO"


def test_without_a_document_id_the_latest_sent_message_is_judged(ins):
    b = _ontvangen(ins)
    terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, None)))
    b.refresh_from_db()
    assert b.status == BerichtStatus.GEACCEPTEERD


def test_a_rejection_opens_a_signal_for_the_beheerders_and_sets_afgekeurd(ins):
    b = _ontvangen(ins)
    r = terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b, AFKEUR)))
    assert r.afgekeurd == 1
    b.refresh_from_db()
    assert b.status == BerichtStatus.AFGEKEURD
    signaal = open_rod_signalen().get()
    assert signaal.instelling == ins.instelling and signaal.inschrijving == ins and signaal.regel == "ROD"
    assert signaal.partner_instelling == ins.leerroute.overeenkomst.mbo_instelling
    assert "L12" in signaal.toelichting and "01-10-2025" in signaal.toelichting
    assert "123456782" not in signaal.toelichting and "••••••782" in signaal.toelichting  # BSN masked
    melding = RodTerugkoppelingMelding.objects.get()
    assert melding.signaal == signaal and melding.parameters == {"partner": "30XY"}
    assert b.toelichting == signaal.toelichting


def test_reading_the_same_file_twice_changes_nothing(ins):
    b = _ontvangen(ins)
    data = _bestand(ins.instelling, _regel(ins, b, AFKEUR))
    terugkoppeling.inlezen(data)
    statussen, audit = b.statussen.count(), AuditRegel.objects.count()
    terugkoppeling.inlezen(data)
    assert RodTerugkoppelingRegel.objects.count() == 1 and RodTerugkoppelingMelding.objects.count() == 1
    assert open_rod_signalen().count() == 1
    assert b.statussen.count() == statussen and AuditRegel.objects.count() == audit


def test_a_later_line_without_the_rejection_closes_the_signal(ins):
    b = _ontvangen(ins)
    terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b, AFKEUR)))
    terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b, status="D")))
    assert not open_rod_signalen().exists()
    assert Signaal.objects.get(bron="rod").status == "opgelost"
    regel = RodTerugkoppelingRegel.objects.get()
    assert regel.status == "D" and not regel.meldingen.exists()


def test_a_warning_waits_for_acceptance_with_a_remark(ins):
    b = _ontvangen(ins)
    r = terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b, WAARSCHUWING)))
    assert r.met_waarschuwing == 1
    b.refresh_from_db()
    assert b.status == BerichtStatus.ONTVANGEN and not open_rod_signalen().exists()
    melding = RodTerugkoppelingMelding.objects.get()
    beheerder = gebruiker_met_rol("beheerder", instelling=ins.instelling)
    with pytest.raises(ValidationError, match="Geef een opmerking"):
        terugkoppeling.waarschuwing_accepteren(melding, opmerking=" ", door=beheerder)
    terugkoppeling.waarschuwing_accepteren(melding, opmerking="Afgesproken met DUO.", door=beheerder)
    b.refresh_from_db()
    assert b.status == BerichtStatus.GEACCEPTEERD
    assert "W03" in b.toelichting and "Afgesproken met DUO." in b.toelichting
    assert AuditRegel.objects.filter(object_id=str(melding.pk), gebruiker=beheerder).exists()
    # The same warning in a later file stays accepted.
    terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b, WAARSCHUWING, status="D")))
    assert RodTerugkoppelingMelding.objects.get().geaccepteerd_op is not None


def test_a_rejection_cannot_be_accepted(ins):
    b = _ontvangen(ins)
    terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b, AFKEUR)))
    with pytest.raises(ValidationError, match="afkeur kan niet"):
        terugkoppeling.waarschuwing_accepteren(
            RodTerugkoppelingMelding.objects.get(), opmerking="x", door=None
        )


def test_an_unknown_key_is_kept_and_counted(ins):
    andere = _regel(ins)
    andere.volgnummer = "ONBEKEND1"
    r = terugkoppeling.inlezen(_bestand(ins.instelling, andere))
    assert r.onbekend == 1
    assert RodTerugkoppelingRegel.objects.get().inschrijving is None


def test_a_file_for_an_unknown_brin_is_refused(ins):
    data = tx.schrijven(tx.Terugkoppeling(brin="99ZZ", aangemaakt=NU, regels=[]))
    with pytest.raises(ValidationError, match="99ZZ"):
        terugkoppeling.inlezen(data)


# ------------------------------------------------------------------------------------------ screens


def _client(user) -> Client:
    c = Client()
    inloggen(c, user)
    return c


def test_the_beheerder_uploads_feedback_and_accepts_a_warning_on_the_screen(ins, eager_taken):
    b = _ontvangen(ins)
    beheerder = gebruiker_met_rol("beheerder", instelling=ins.instelling)
    c = _client(beheerder)
    bestand = SimpleUploadedFile("t.xml", _bestand(ins.instelling, _regel(ins, b, WAARSCHUWING)))
    with eager_taken(execute=True):  # the upload's task, after the commit
        r = c.post(reverse("rod:terugkoppeling_inlezen"), {"bestand": bestand})
    r = c.get(r["Location"])
    assert r.status_code == 200
    tekst = r.content.decode()  # the run's page: its result line and the way to the list
    assert "1 regels ingelezen" in tekst and reverse("rod:terugkoppeling_lijst") in tekst
    tekst = c.get(reverse("rod:terugkoppeling_lijst")).content.decode()
    assert "W03" in tekst and ins.inschrijvingsvolgnummer in tekst
    melding = RodTerugkoppelingMelding.objects.get()
    r = c.post(
        reverse("rod:waarschuwing_accepteren", args=[melding.pk]), {"opmerking": "Klopt."}, follow=True
    )
    assert "Waarschuwing W03 is geaccepteerd" in r.content.decode()
    b.refresh_from_db()
    assert b.status == BerichtStatus.GEACCEPTEERD


def test_other_users_neither_see_nor_upload_for_the_instelling(ins):
    b = _ontvangen(ins)
    terugkoppeling.inlezen(_bestand(ins.instelling, _regel(ins, b, WAARSCHUWING)))
    melding = RodTerugkoppelingMelding.objects.get()
    partner = gebruiker_met_rol("beheerder", instelling=ins.leerroute.overeenkomst.mbo_instelling)
    ander = gebruiker_met_rol("beheerder", instelling=InstellingFactory())
    for user in (partner, ander, gebruiker_met_rol("lezer", instelling=ins.instelling)):
        c = _client(user)
        assert ins.inschrijvingsvolgnummer not in c.get(reverse("rod:terugkoppeling_lijst")).content.decode()
        r = c.post(reverse("rod:waarschuwing_accepteren", args=[melding.pk]), {"opmerking": "x"})
        assert r.status_code == 404
        bestand = SimpleUploadedFile("t.xml", _bestand(ins.instelling, _regel(ins, b, AFKEUR)))
        r = c.post(reverse("rod:terugkoppeling_inlezen"), {"bestand": bestand}, follow=True)
        assert "geen beheerder" in r.content.decode()
    assert not open_rod_signalen().exists()


def test_reading_costs_the_same_queries_for_few_and_many_lines():
    """Set-based: the number of queries does not grow with the lines of a file."""
    route = route_met_vestigingen()
    alle = [leerling_in_route(route)[0] for _ in range(12)]
    for ins in alle:
        _ontvangen(ins)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def kosten(inschrijvingen) -> int:
        data = _bestand(alle[0].instelling, *[_regel(i, None, WAARSCHUWING) for i in inschrijvingen])
        with CaptureQueriesContext(connection) as q:
            terugkoppeling.inlezen(data)
        return len(q)

    assert kosten(alle[:3]) == kosten(alle[3:])
    assert RodTerugkoppelingRegel.objects.count() == 12

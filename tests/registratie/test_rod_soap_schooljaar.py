"""End to end (issue 15, "done when"): a school year of demo data flows through the queue and the
SOAP transport to the stub DUO service, with faults injected on the way (timeouts, 5xx,
malformed answers, a receipt for another document, a server fault), and comes back as feedback
per enrolment and count date; DUO's snapshot then agrees with our data."""

from __future__ import annotations

import datetime
from collections import deque

import pytest
from django.db.models import Count
from django.utils import timezone

from registratie import demo
from registratie.models import BerichtStatus, Inschrijving, RodBericht, RodBerichtStatus, Signaal
from registratie.rod import afstemming, terugkoppeling, verzenden, wachtrij
from registratie.rod import terugkoppeling_xml as tx

pytestmark = pytest.mark.django_db

TELDATUM = demo.PEILDATUM  # 1 October of the demo's school year
STORINGEN = ["traag", None, "5xx", None, None, "kapot", None, "vreemd", None, None, "server", "5xx", None]


def _alles_verzenden(max_rondes: int = 10) -> int:
    """Run the sending job until nothing is queued; between runs the backoff has passed."""
    for ronde in range(1, max_rondes + 1):
        verzenden.verzenden()
        wachtend = RodBericht.objects.filter(status=BerichtStatus.IN_WACHTRIJ)
        if not wachtend.exists():
            return ronde
        wachtend.update(volgende_poging=timezone.now() - datetime.timedelta(seconds=1))
    raise AssertionError("de wachtrij raakt niet leeg")


def test_a_school_year_flows_through_soap_to_duo_and_back_as_feedback(soap_naar_stub):
    stub = soap_naar_stub
    demo.genereer(studenten=40, seed=7)
    wachtrij.alles_in_wachtrij()
    inschrijvingen = Inschrijving.objects.exclude(reden_einde="correctie").filter(
        leerling__geanonimiseerd_op__isnull=True
    )
    aantal = inschrijvingen.count()
    assert RodBericht.objects.filter(status=BerichtStatus.IN_WACHTRIJ).count() == aantal > 40

    stub.storingen = deque(STORINGEN)
    rondes = _alles_verzenden()
    assert rondes > 1  # the faults made some messages wait for a retry

    # Never lost: every message has a final status of the exchange, received by DUO.
    assert set(RodBericht.objects.values_list("status", flat=True)) == {BerichtStatus.ONTVANGEN}
    # Never doubled: DUO processed each document once, and holds each enrolment once.
    assert stub.verwerkt == RodBericht.objects.count() == aantal
    assert len(stub.stand) == aantal
    # Each fault cost its message one extra attempt (the sending job counts every attempt), with
    # the same document id; the three that DUO had processed already were answered as duplicates.
    storingen = [s for s in STORINGEN if s]
    assert RodBericht.objects.filter(pogingen=2).count() == len(storingen)
    assert set(RodBericht.objects.values_list("pogingen", flat=True)) == {1, 2}
    assert len(stub.aanroepen) == aantal + len(storingen)
    assert sum(1 for a in stub.aanroepen if a.endswith(":dubbel")) == 3  # traag, kapot, vreemd
    # Each change of status has a time, in order.
    for b in RodBericht.objects.annotate(n=Count("statussen")).filter(n__lt=2):
        raise AssertionError(f"bericht {b.pk} heeft geen statusgeschiedenis")

    # DUO's feedback for the count date, with a rejection and a warning planted per instelling.
    brins = sorted({brin for brin, _v in stub.stand})
    afgekeurd, gewaarschuwd = [], []
    for brin in brins:
        sleutels = sorted(v for b, v in stub.stand if b == brin)
        stub.signalen[(brin, sleutels[0])] = [tx.Melding("L12", tx.AFKEUR, "Leerroute ontbreekt in RIO.")]
        afgekeurd.append((brin, sleutels[0]))
        if len(sleutels) > 1:
            stub.signalen[(brin, sleutels[1])] = [tx.Melding("W03", tx.WAARSCHUWING, "Let op de einddatum.")]
            gewaarschuwd.append((brin, sleutels[1]))
    regels = 0
    for brin in brins:
        with terugkoppeling.ophalen(
            f"{stub.url}/terugkoppeling?brin={brin}&teldatum={TELDATUM.isoformat()}"
        ) as data:
            regels += terugkoppeling.inlezen(data).regels
    assert regels == inschrijvingen.filter(startdatum__lte=TELDATUM).count()

    def status(brin, sleutel):
        return RodBericht.objects.get(instelling__brin=brin, sleutel=sleutel).status

    for brin, sleutel in afgekeurd:
        assert status(brin, sleutel) == BerichtStatus.AFGEKEURD
        assert Signaal.objects.filter(
            bron="rod", status="open", instelling__brin=brin, inschrijving__inschrijvingsvolgnummer=sleutel
        ).exists()
    for brin, sleutel in gewaarschuwd:
        assert status(brin, sleutel) == BerichtStatus.ONTVANGEN
    geteld = RodBericht.objects.filter(inschrijving__startdatum__lte=TELDATUM)
    assert geteld.filter(status=BerichtStatus.GEACCEPTEERD).count() == geteld.count() - len(afgekeurd) - len(
        gewaarschuwd
    )
    assert (
        RodBerichtStatus.objects.filter(status=BerichtStatus.GEACCEPTEERD).count()
        == geteld.filter(status=BerichtStatus.GEACCEPTEERD).count()
    )

    # DUO's snapshot agrees with our data, enrolment for enrolment and field for field.
    for brin in brins:
        a = afstemming.afstemmen(stub.momentopname(brin))
        assert a.aantal_verschillen == 0, list(a.verschillen.values_list("sleutel", "soort", "veld"))
        assert a.aantal_duo == a.aantal_ons == inschrijvingen.filter(instelling__brin=brin).count()

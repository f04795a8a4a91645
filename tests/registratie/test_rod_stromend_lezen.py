"""DUO's files are read as streams: a snapshot of a large instelling is 100 MB (100,000
enrolments), and reading it must not hold it as a tree or a list (jobs stay under 250 MB).
The reconciliation and the feedback still behave as one transaction per file."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from registratie.models import RodAfstemming, RodTerugkoppelingRegel, RodVerschil
from registratie.rod import afstemming, bericht, terugkoppeling
from registratie.rod import terugkoppeling_xml as tx
from tests.registratie.rod_helpers import leerling_in_route, route_met_vestigingen

NU = datetime.datetime(2026, 11, 2, 6, 0, tzinfo=datetime.UTC)

# Writes a snapshot and a feedback file of N records each, record by record (never whole in
# memory), then reads both with the streaming readers from their paths. Prints the file sizes,
# the peak RSS before reading and after (MiB).
MEETPROGRAMMA = """
import dataclasses, datetime, hashlib, os, sys, uuid, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from registratie.management.bench import piek_rss_mb
from registratie.rod import bericht
from registratie.rod import terugkoppeling_xml as tx
n, map_ = int(sys.argv[1]), sys.argv[2]
nu = datetime.datetime(2026, 11, 2, 6, 0, tzinfo=datetime.UTC)
periode = bericht.Periode(begin=datetime.date(2024, 8, 1), einde=None, vestiging="94MA01",
    leerroute="DLP", leerroutefase="MBO", crebo="25263", niveau=4, leervorm="BOL")
record = bericht.InschrijvingBericht(document_id=uuid.UUID(int=1), verzender="94MA", ontvanger="DUO",
    tijd=nu, nummer="123456782", brin="94MA", volgnummer="K", datum_inschrijving=periode.begin,
    geplande_einddatum=datetime.date(2028, 7, 31), datum_uitschrijving=None, reden_uitschrijving=None,
    sector="MBO", perioden=[periode, dataclasses.replace(periode, begin=datetime.date(2025, 8, 1))])
regel = tx.Regel(volgnummer="K", teldatum=datetime.date(2026, 10, 1), status="V",
    document_id=uuid.UUID(int=1), indicatie_bekostigbaar=True, bekostigd=True, leerroute="DLP",
    leerroutefase="MBO",
    meldingen=[tx.Melding("W03", tx.WAARSCHUWING, "Geplande einddatum ligt ver weg.", {"datum": "2028"})])
bestanden = {
    "m.xml": (tx.momentopname_schrijven(tx.Momentopname(brin="94MA", aangemaakt=nu, inschrijvingen=[record])),
              b"</rodMomentopname>"),
    "t.xml": (tx.schrijven(tx.Terugkoppeling(brin="94MA", aangemaakt=nu, regels=[regel])),
              b"</rodTerugkoppeling>"),
}
for naam, (een, slot) in bestanden.items():
    kop, rest = een.split(b">K<", 1)  # around the one record's key
    begin = kop.rindex(b"<b:inschrijvingBericht" if naam == "m.xml" else b"<inschrijving>")
    voor, staart = rest[: rest.rindex(slot)], slot
    with open(f"{map_}/{naam}", "wb") as fh:
        fh.write(kop[:begin])
        for i in range(n):
            fh.write(kop[begin:] + f">K{i}<".encode() + voor)
        fh.write(staart)
basis = piek_rss_mb()
kop, records = tx.momentopname_lezen(f"{map_}/m.xml", sha256=hashlib.sha256())
assert kop.brin == "94MA" and sum(1 for r in records if r.perioden[1].niveau == 4) == n
kop, regels = tx.lezen(f"{map_}/t.xml")
assert sum(1 for r in regels if r.meldingen[0].parameters == {"datum": "2028"}) == n
grootte = [os.path.getsize(f"{map_}/{naam}") / 2**20 for naam in bestanden]
print(*grootte, basis, piek_rss_mb())
"""


def test_reading_a_large_snapshot_and_feedback_file_keeps_memory_flat(tmp_path):
    """40,000 records in each file, read in a fresh process: the peak grows by far less than
    the files (the old readers held a tree of the whole file: many times its size)."""
    uit = subprocess.run(
        [sys.executable, "-c", MEETPROGRAMMA, "40000", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        check=True,
    ).stdout.split()
    momentopname, feedback, basis, piek = (float(x) for x in uit[-4:])
    assert momentopname > 40 and feedback > 15, (momentopname, feedback)
    assert piek - basis < 10, f"piek {piek:.0f} MB tegen {basis:.0f} MB bij de start"


@pytest.fixture
def school():
    route = route_met_vestigingen()
    vo = [leerling_in_route(route)[0] for _ in range(5)]
    return vo[0].instelling, vo


@pytest.mark.django_db
def test_a_snapshot_that_breaks_its_schema_after_some_blocks_leaves_nothing(school, monkeypatch):
    """Compared block by block, yet all or nothing: the error is met after two blocks were
    written, names the line and not the value (a BSN), and nothing of the run remains."""
    instelling, vo = school
    monkeypatch.setattr(afstemming, "BLOK", 2)
    records = [bericht.bericht_van(ins, document_id=uuid.uuid4(), tijd=NU) for ins in vo]
    records[-1] = dataclasses.replace(records[-1], nummer="98765432X")
    data = tx.momentopname_schrijven(
        tx.Momentopname(brin=instelling.brin, aangemaakt=NU, inschrijvingen=records)
    )
    with pytest.raises(ValidationError) as fout:
        afstemming.afstemmen(io.BytesIO(data))
    melding = " ".join(fout.value.messages)
    assert "volgt het schema" in melding and "regel 2:" in melding and "burgerservicenummer" in melding
    assert "98765432X" not in melding
    assert not RodAfstemming.objects.exists() and not RodVerschil.objects.exists()


@pytest.mark.django_db
def test_a_feedback_file_that_breaks_its_schema_in_a_later_block_changes_nothing(school, monkeypatch):
    instelling, vo = school
    monkeypatch.setattr(terugkoppeling, "BLOK", 1)
    regels = [
        tx.Regel(volgnummer=ins.inschrijvingsvolgnummer, teldatum=datetime.date(2026, 10, 1), status="V")
        for ins in vo
    ]
    data = tx.schrijven(tx.Terugkoppeling(brin=instelling.brin, aangemaakt=NU, regels=regels))
    kapot = data[: data.rindex(b"<status>V")] + b"<status>X" + data[data.rindex(b"<status>V") + 9 :]
    with pytest.raises(ValidationError, match="volgt het schema"):
        terugkoppeling.inlezen(io.BytesIO(kapot))
    assert not RodTerugkoppelingRegel.objects.exists()
    assert terugkoppeling.inlezen(io.BytesIO(data)).regels == 5
    kop = tx.kop_lezen(io.BytesIO(kapot))  # the screens' BRIN check reads only the header
    assert kop == tx.Kop(brin=instelling.brin, aangemaakt=NU)


@pytest.mark.django_db
def test_the_command_reconciles_a_snapshot_from_its_path_and_counts_per_kind(school, tmp_path):
    """``manage.py rod_afstemming BESTAND`` streams the file from disk; the counts per kind come
    from the database (a first reconciliation can have a difference per enrolment)."""
    instelling, vo = school
    records = [bericht.bericht_van(ins, document_id=uuid.uuid4(), tijd=NU) for ins in vo[1:]]
    records.append(dataclasses.replace(records[0], volgnummer="DUO-ALLEEN"))
    pad = tmp_path / "momentopname.xml"
    pad.write_bytes(
        tx.momentopname_schrijven(
            tx.Momentopname(brin=instelling.brin, aangemaakt=NU, inschrijvingen=records)
        )
    )
    uit = io.StringIO()
    call_command("rod_afstemming", str(pad), stdout=uit)
    assert uit.getvalue().strip() == (
        f"{instelling.brin}: 5 bij DUO, 5 in Leerroute, 2 verschillen; "
        "ontbreekt bij DUO: 1; ontbreekt in Leerroute: 1"
    )
    a = RodAfstemming.objects.get()
    assert a.sha256 == hashlib.sha256(pad.read_bytes()).hexdigest()
    assert {(v.sleutel, v.soort) for v in a.verschillen.all()} == {
        (vo[0].inschrijvingsvolgnummer, "ontbreekt_bij_duo"),
        ("DUO-ALLEEN", "ontbreekt_bij_ons"),
    }


@pytest.mark.django_db
def test_the_command_fetches_feedback_from_a_service_as_a_stream_and_names_a_failure():
    """``rod_terugkoppeling --url``: the file arrives into a temporary file (not whole in memory)
    and is read like a file on disk; a service that cannot be reached gives a Dutch error."""
    import http.server
    import threading

    from django.core.management.base import CommandError

    route = route_met_vestigingen()
    vo, _mbo = leerling_in_route(route)
    brin = vo.instelling.brin
    nu = datetime.datetime.now(datetime.UTC)
    regel = tx.Regel(volgnummer=vo.inschrijvingsvolgnummer, teldatum=datetime.date(2025, 10, 1), status="V")
    inhoud = tx.schrijven(tx.Terugkoppeling(brin=brin, aangemaakt=nu, regels=[regel]))

    class Dienst(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(inhoud)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Dienst)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        uit = io.StringIO()
        call_command("rod_terugkoppeling", "--url", f"http://127.0.0.1:{server.server_port}/t", stdout=uit)
    finally:
        server.shutdown()
    assert RodTerugkoppelingRegel.objects.filter(inschrijving=vo).count() == 1
    assert brin in uit.getvalue()
    with pytest.raises(CommandError, match="kon niet worden opgehaald"):
        call_command("rod_terugkoppeling", "--url", "http://127.0.0.1:9/t")

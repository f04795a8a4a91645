"""ROD delivery files at rest (registratie/rod/opslag.py): encrypted with the project's keys,
decrypted only to download or send, under the documented name, and re-encrypted on rotation."""

from __future__ import annotations

import datetime
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from registratie.models import RodLevering, RodStand
from registratie.rod import opslag, services
from tests.registratie.rod_helpers import leerling_in_route, levering_bytes, route_met_vestigingen

PEILDATUM = datetime.date(2025, 10, 1)


@pytest.fixture(autouse=True)
def rod_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def geleverd(db):
    route = route_met_vestigingen()
    vo, _ = leerling_in_route(route)
    services.rod_exporteren(peildatum=PEILDATUM)
    return RodLevering.objects.get(instelling=route.overeenkomst.vo_instelling), vo.leerling.bsn


def test_the_stored_file_is_encrypted_and_decrypts_to_the_xml_duo_receives(geleverd, rod_media):
    levering, bsn = geleverd
    opgeslagen = (Path(rod_media) / levering.bestand.name).read_bytes()
    assert opgeslagen.startswith(opslag.KOP)
    assert bsn.encode() not in opgeslagen and b"<rodLevering" not in opgeslagen
    xml = levering_bytes(levering)
    assert xml.startswith(b"<?xml") and bsn.encode() in xml
    assert hashlib.sha256(xml).hexdigest() == levering.sha256  # the sha256 of what DUO receives


def test_the_file_has_its_documented_name_and_a_leftover_file_of_that_name_is_replaced(geleverd, rod_media):
    levering, _ = geleverd
    naam = levering.bestand.name
    assert (
        naam
        == f"rod/{levering.instelling.brin}/{services.bestandsnaam(levering.instelling.brin, 1, PEILDATUM)}"
    )
    xml = levering_bytes(levering)
    # A database reset: the rows go, the file stays. The next delivery gets the same name, no suffix.
    RodStand.objects.all().delete()
    RodLevering.objects.all().delete()
    services.rod_exporteren(peildatum=PEILDATUM)
    nieuw = RodLevering.objects.get(instelling=levering.instelling)
    assert nieuw.bestand.name == naam
    assert sorted(p.name for p in (Path(rod_media) / "rod" / levering.instelling.brin).iterdir()) == [
        Path(naam).name
    ]
    assert levering_bytes(nieuw) == xml


def test_a_file_that_belongs_to_another_delivery_is_never_overwritten(geleverd, rod_media, tmp_path):
    levering, _ = geleverd
    voor = (Path(rod_media) / levering.bestand.name).read_bytes()
    ander = RodLevering(instelling=levering.instelling, volgnummer=2, peildatum=PEILDATUM)
    bron = tmp_path / "ander.xml"
    bron.write_bytes(b"<?xml version='1.0'?><anders/>")
    with pytest.raises(ValidationError, match="hoort al bij een andere levering"):
        opslag.opslaan(ander, Path(levering.bestand.name).name, bron)
    assert (Path(rod_media) / levering.bestand.name).read_bytes() == voor


def test_the_copy_for_sending_and_the_download_are_the_plain_xml(geleverd, tmp_path):
    levering, bsn = geleverd
    uit = tmp_path / "uit"
    call_command("rod_export", "--date", PEILDATUM.isoformat(), "--out", str(uit), stdout=io.StringIO())
    kopie = (uit / levering.bestandsnaam).read_bytes()
    assert kopie == levering_bytes(levering) and bsn.encode() in kopie


def test_key_rotation_re_encrypts_the_files(geleverd, settings, rod_media):
    levering, _ = geleverd
    xml = levering_bytes(levering)
    nieuwe_sleutel = Fernet.generate_key().decode()
    settings.LEERROUTE_VERSLEUTELSLEUTELS = [nieuwe_sleutel, *settings.LEERROUTE_VERSLEUTELSLEUTELS]
    uit = io.StringIO()
    call_command("nummers_herversleutelen", stdout=uit)
    assert "2 leveringsbestanden" in uit.getvalue()  # the vo- and the mbo-school's file
    settings.LEERROUTE_VERSLEUTELSLEUTELS = [nieuwe_sleutel]  # old key dropped
    assert levering_bytes(levering) == xml
    assert not list((Path(rod_media) / "rod").rglob("*.tmp"))


def test_an_older_plain_file_is_still_read_and_encrypted_by_the_rotation(geleverd, rod_media):
    levering, _ = geleverd
    xml = levering_bytes(levering)
    pad = Path(rod_media) / levering.bestand.name
    pad.write_bytes(xml)  # as stored before encryption at rest
    assert levering_bytes(levering) == xml
    call_command("nummers_herversleutelen", stdout=io.StringIO())
    assert pad.read_bytes().startswith(opslag.KOP) and levering_bytes(levering) == xml


MEETPROGRAMMA = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from registratie.management.bench import piek_rss_mb
from registratie.rod import opslag
grootte, map_ = int(sys.argv[1]), sys.argv[2]
basis = piek_rss_mb()
blok = os.urandom(1024 * 1024)
with open(f"{map_}/plat.xml", "wb") as fh:
    for _ in range(grootte):
        fh.write(blok)
with open(f"{map_}/plat.xml", "rb") as bron, open(f"{map_}/vers", "wb") as doel:
    opslag.versleutelen(bron, doel)
n = 0
with open(f"{map_}/vers", "rb") as fh:
    for deel in opslag.ontsleutelen(fh):
        n += len(deel)
assert n == grootte * 1024 * 1024
print(basis, piek_rss_mb())
"""


def test_encrypting_and_decrypting_a_large_file_keeps_memory_flat(tmp_path):
    """64 MB through both directions in a fresh process: the peak grows by a few chunks, not by
    the file (the 500 MB figure is in the report; its run is too long for the suite)."""
    uit = subprocess.run(
        [sys.executable, "-c", MEETPROGRAMMA, "64", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        check=True,
    ).stdout.split()
    basis, piek = float(uit[-2]), float(uit[-1])
    assert piek - basis < 32, f"piek {piek:.0f} MB tegen {basis:.0f} MB bij de start"


def test_many_places_in_one_file_are_read_each_as_stored_also_across_chunks(geleverd, rod_media, monkeypatch):
    """The sending job reads the previous message of every enrolment of a block from its batch
    file at once (opslag.delen_lezen): each place gives exactly its bytes, in the order asked,
    also a place that spans two chunks, and an older plain file gives the same."""
    levering, _ = geleverd
    monkeypatch.setattr(opslag, "BLOK", 64)  # small chunks: many boundaries in a small file
    pad = Path(rod_media) / levering.bestand.name
    xml = levering_bytes(levering)
    with io.BytesIO(xml) as bron, open(pad, "wb") as doel:
        opslag.versleutelen(bron, doel)
    plaatsen = [(200, 10), (0, 5), (60, 10), (100, 300), (len(xml) - 7, 7), (61, 2)]
    verwacht = [xml[p : p + n] for p, n in plaatsen]
    assert opslag.delen_lezen(levering, plaatsen) == verwacht
    assert [opslag.deel_lezen(levering, p, n) for p, n in plaatsen] == verwacht
    pad.write_bytes(xml)  # an older plain file
    assert opslag.delen_lezen(levering, plaatsen) == verwacht


def test_an_encrypted_file_reads_back_as_a_stream_in_any_piece_size(monkeypatch):
    """opslag.ontsleuteld: the plain bytes of an encrypted file as a readable stream (a stored
    upload goes through it into the streaming readers), the same bytes whatever the reader asks
    for at a time, across chunk boundaries."""
    monkeypatch.setattr(opslag, "BLOK", 64)
    plat = bytes(range(256)) * 7
    versleuteld = io.BytesIO()
    opslag.versleutelen(io.BytesIO(plat), versleuteld)
    for stuk in (1, 7, 64, 100, 10_000):
        versleuteld.seek(0)
        gelezen = b""
        with opslag.ontsleuteld(versleuteld) as stroom:
            while deel := stroom.read(stuk):
                gelezen += deel
        assert gelezen == plat

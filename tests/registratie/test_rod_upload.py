"""The ROD screens' uploads run as a background task (registratie/rod/upload.py): the request
only checks the header and stores the file (encrypted); the run's page polls its status and then
shows the result line, or the Dutch error, and links to the result. The file is emptied once the
run has ended; another instelling's beheerder does not see the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from registratie.models import RodAfstemming, RodTerugkoppelingMelding, RodUpload
from registratie.rod import afstemming, upload
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen
from tests.registratie.test_rod_afstemming import _verschillen, geplant, school  # noqa: F401
from tests.registratie.test_rod_terugkoppeling_v2 import (  # noqa: F401
    WAARSCHUWING,
    _bestand,
    _ontvangen,
    _regel,
    ins,
)

# Uploaded files are stored (encrypted) until their run ends: a fresh MEDIA_ROOT per test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rod_media")]


def _client(user) -> Client:
    c = Client()
    inloggen(c, user)
    return c


def _uploaden(c, naam: str, data: bytes, capture, **kw):
    with capture(**kw) as wachtrij:
        r = c.post(reverse(naam), {"bestand": SimpleUploadedFile("duo.xml", data)})
    return r, wachtrij


def test_a_snapshot_upload_returns_at_once_and_its_run_ends_with_the_same_reconciliation(
    geplant,  # noqa: F811
    eager_taken,
):
    instelling, _vo, data = geplant
    c = _client(gebruiker_met_rol("beheerder", instelling=instelling))
    r, wachtrij = _uploaden(c, "rod:afstemming_inlezen", data, eager_taken)
    run = RodUpload.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("rod:upload", args=[run.pk])
    assert len(wachtrij) == 1 and not RodAfstemming.objects.exists()  # nothing read in the request
    opgeslagen = run.bestand.read()
    assert run.status == "gepland" and opgeslagen and b"123456782" not in opgeslagen  # encrypted at rest
    pad = run.bestand.path
    pagina = c.get(r["Location"]).content.decode()
    assert "<progress" in pagina and f'hx-get="{reverse("rod:upload_status", args=[run.pk])}"' in pagina
    assert c.get(reverse("rod:upload_status", args=[run.pk])).status_code == 200

    wachtrij[0]()  # what the worker does (eager: right after the commit)

    klaar = c.get(reverse("rod:upload_status", args=[run.pk]))
    assert klaar.status_code == 204 and klaar["HX-Refresh"] == "true"
    run.refresh_from_db()
    a = run.afstemming
    assert run.status == "klaar" and not run.bestand and run.klaar_op
    assert not Path(pad).exists()  # the file with its BSNs is gone
    assert run.uitkomst == f"{a.aantal_verschillen} verschillen gevonden." and a.aantal_verschillen
    pagina = c.get(r["Location"]).content.decode()
    assert run.uitkomst in pagina and reverse("rod:afstemming", args=[a.pk]) in pagina
    assert "<progress" not in pagina
    # The same differences as reading the file directly (the old request did that).
    assert _verschillen(a) == _verschillen(afstemming.afstemmen(data))


def test_a_feedback_upload_runs_in_the_background_with_the_same_result_line(
    ins,  # noqa: F811
    eager_taken,
):
    b = _ontvangen(ins)
    c = _client(gebruiker_met_rol("beheerder", instelling=ins.instelling))
    data = _bestand(ins.instelling, _regel(ins, b, WAARSCHUWING))
    r, _w = _uploaden(c, "rod:terugkoppeling_inlezen", data, eager_taken, execute=True)
    run = RodUpload.objects.get()
    assert r["Location"] == reverse("rod:upload", args=[run.pk])
    assert (run.status, run.soort, run.bestand.name) == ("klaar", "terugkoppeling", "")
    assert run.uitkomst.startswith(f"{ins.instelling.brin}: 1 regels ingelezen")
    assert RodTerugkoppelingMelding.objects.get().code == "W03"
    pagina = c.get(r["Location"]).content.decode()
    assert run.uitkomst in pagina and reverse("rod:terugkoppeling_lijst") in pagina


def test_a_file_for_another_brin_is_refused_at_upload_and_nothing_is_stored(
    geplant,  # noqa: F811
    eager_taken,
):
    _instelling, _vo, data = geplant
    c = _client(gebruiker_met_rol("beheerder", instelling=InstellingFactory()))
    r, wachtrij = _uploaden(c, "rod:afstemming_inlezen", data, eager_taken)
    assert r["Location"] == reverse("rod:afstemming_lijst")
    assert not wachtrij and not RodUpload.objects.exists()
    assert "geen beheerder" in c.get(r["Location"]).content.decode()


def test_a_file_that_breaks_its_schema_ends_failed_naming_the_line_and_no_personal_number(
    geplant,  # noqa: F811
    eager_taken,
):
    instelling, _vo, data = geplant
    # The header is fine (the upload is accepted); a record further on is not.
    kapot = data.replace(b"<b:sector>VO</b:sector>", b"<b:sector>123456782</b:sector>", 1)
    c = _client(gebruiker_met_rol("beheerder", instelling=instelling))
    r, _w = _uploaden(c, "rod:afstemming_inlezen", kapot, eager_taken, execute=True)
    run = RodUpload.objects.get()
    assert (run.status, run.afstemming, run.bestand.name) == ("mislukt", None, "")
    assert "volgt het schema" in run.fout and "regel 2" in run.fout and "123456782" not in run.fout
    pagina = c.get(r["Location"]).content.decode()
    assert "Het inlezen is mislukt" in pagina and escape(run.fout) in pagina and "123456782" not in pagina
    assert not RodAfstemming.objects.exists()


def test_another_instellings_beheerder_cannot_open_the_run(
    geplant,  # noqa: F811
    eager_taken,
):
    instelling, vo, data = geplant
    c = _client(gebruiker_met_rol("beheerder", instelling=instelling))
    _uploaden(c, "rod:afstemming_inlezen", data, eager_taken)
    run = RodUpload.objects.get()
    for user in (
        gebruiker_met_rol("beheerder", instelling=InstellingFactory()),
        gebruiker_met_rol("beheerder", instelling=vo[0].leerroute.overeenkomst.mbo_instelling),
        gebruiker_met_rol("lezer", instelling=instelling),
    ):
        ander = _client(user)
        assert ander.get(reverse("rod:upload", args=[run.pk])).status_code == 404
        assert ander.get(reverse("rod:upload_status", args=[run.pk])).status_code == 404
    upload.uitvoeren(run.pk)
    assert c.get(reverse("rod:upload", args=[run.pk])).status_code == 200


def test_a_second_upload_while_the_first_is_read_starts_no_second_run(
    geplant,  # noqa: F811
    eager_taken,
):
    """A second click, or a colleague, while the instelling's snapshot is still being read: the
    first run's page, with a message, and no second run over the same records."""
    instelling, _vo, data = geplant
    c = _client(gebruiker_met_rol("beheerder", instelling=instelling))
    _uploaden(c, "rod:afstemming_inlezen", data, eager_taken)
    eerste = RodUpload.objects.get()
    r, wachtrij = _uploaden(c, "rod:afstemming_inlezen", data, eager_taken)
    assert r["Location"] == reverse("rod:upload", args=[eerste.pk]) and not wachtrij
    assert RodUpload.objects.count() == 1
    assert "wordt al een momentopname ingelezen" in c.get(r["Location"]).content.decode()

    upload.uitvoeren(eerste.pk)  # once it has been read, the next file is welcome
    r, wachtrij = _uploaden(c, "rod:afstemming_inlezen", data, eager_taken)
    assert RodUpload.objects.count() == 2 and len(wachtrij) == 1


def test_a_file_over_the_size_limit_is_refused_naming_its_size_and_nothing_is_stored(
    geplant,  # noqa: F811
    eager_taken,
    settings,
):
    instelling, _vo, data = geplant
    settings.LEERROUTE_ROD_UPLOAD_MAX_MB = 1
    c = _client(gebruiker_met_rol("beheerder", instelling=instelling))
    te_groot = data + b" " * (1024 * 1024)  # still a valid file, but over 1 MB
    r, wachtrij = _uploaden(c, "rod:afstemming_inlezen", te_groot, eager_taken)
    assert r["Location"] == reverse("rod:afstemming_lijst")
    assert not wachtrij and not RodUpload.objects.exists()
    assert (
        "Het bestand is 2 MB; een bestand van DUO mag hier hoogstens 1 MB zijn."
        in c.get(r["Location"]).content.decode()
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_guards_migration_closes_older_open_runs_left_from_before(request):
    """Before 0023 nothing kept two open runs of one instelling and kind apart (a dead worker's run
    stayed open): the migration keeps the newest open and closes the older, file and all."""
    if request.config.getoption("nomigrations"):
        pytest.skip("needs the migrations (run without --no-migrations, as `make test` does)")
    laatste = MigrationExecutor(connection).loader.graph.leaf_nodes("registratie")
    instelling = InstellingFactory()
    MigrationExecutor(connection).migrate([("registratie", "0022_rodupload_upload")])
    try:
        oud, nieuw = (
            RodUpload.objects.create(soort="momentopname", instelling=instelling, bestandsnaam=n, status=s)
            for n, s in (("oud.xml", "bezig"), ("nieuw.xml", "bezig"))
        )
        ander = RodUpload.objects.create(soort="terugkoppeling", instelling=instelling, bestandsnaam="t.xml")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(laatste)
    status = dict(RodUpload.objects.values_list("bestandsnaam", "status"))
    assert status == {"oud.xml": "mislukt", "nieuw.xml": "bezig", "t.xml": "gepland"}
    assert "afgebroken" in RodUpload.objects.get(pk=oud.pk).fout
    open_ = RodUpload.objects.filter(klaar_op__isnull=True).values_list("pk", flat=True)
    assert {nieuw.pk, ander.pk} == set(open_)


def test_a_file_the_storage_refuses_leaves_no_queued_run_and_says_so(
    geplant,  # noqa: F811
    eager_taken,
    settings,
    tmp_path,
):
    """A full disk or a storage without rights: a message instead of a 500, and no run left
    queued (it would block the next upload of its kind)."""
    instelling, _vo, data = geplant
    geen_map = tmp_path / "geen-map"
    geen_map.write_bytes(b"")  # MEDIA_ROOT is a file: the storage cannot create rod/uploads/ in it
    settings.MEDIA_ROOT = geen_map
    c = _client(gebruiker_met_rol("beheerder", instelling=instelling))
    r, wachtrij = _uploaden(c, "rod:afstemming_inlezen", data, eager_taken)
    assert r.status_code == 302 and r["Location"] == reverse("rod:afstemming_lijst")
    assert not wachtrij and not RodUpload.objects.exists()
    assert "Het bestand kon niet worden opgeslagen" in c.get(r["Location"]).content.decode()

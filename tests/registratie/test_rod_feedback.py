"""ROD's response to a delivery: accepted records are marked, rejected ones become signals with
the code and message and go out again once fixed; a bad response file changes nothing."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from registratie.models import Inschrijving, Leerling, RodLevering, RodStand, RodTerugkoppeling, Signaal
from registratie.rod import services
from samenwerking.models import AuditRegel
from tests.registratie.rod_helpers import (
    DAG_DAARNA,
    PEILDATUM,
    VOLGENDE_DAG,
    leerling_in_route,
    levering_bytes,
    open_rod_signalen,
    records,
    route_met_vestigingen,
    stand,
    terugkoppeling_xml,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rod_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def geleverd():
    """A route with three students, delivered once; returns (vo-levering, [vo-inschrijvingen])."""
    route = route_met_vestigingen()
    vo = [leerling_in_route(route)[0] for _ in range(3)]
    services.rod_exporteren(peildatum=PEILDATUM)
    return RodLevering.objects.get(instelling=route.overeenkomst.vo_instelling), vo


def inlezen(tmp_path, data: bytes, naam: str = "antwoord.xml") -> str:
    pad = tmp_path / naam
    pad.write_bytes(data)
    out = io.StringIO()
    call_command("rod_import_feedback", str(pad), stdout=out)
    return out.getvalue()


def volgende(datum, levering) -> RodLevering | None:
    return {r.instelling.pk: r for r in services.rod_exporteren(peildatum=datum)}[
        levering.instelling_id
    ].levering


def test_accepted_records_are_marked_delivered(geleverd, tmp_path):
    levering, vo = geleverd
    sleutels = [i.inschrijvingsvolgnummer for i in vo]

    uit = inlezen(tmp_path, terugkoppeling_xml(levering, geaccepteerd=sleutels, sha256=levering.sha256))

    assert "3 geaccepteerd, 0 afgekeurd" in uit
    assert all(stand(i).terugkoppeling == "geaccepteerd" for i in vo)
    levering.refresh_from_db()
    assert (levering.status, levering.aantal_geaccepteerd, levering.aantal_afgekeurd) == (
        "geaccepteerd",
        3,
        0,
    )
    tk = RodTerugkoppeling.objects.get(levering=levering)
    assert tk.aantal_geaccepteerd == 3 and tk.bestand.name.startswith(f"rod/{levering.instelling.brin}/")
    assert AuditRegel.objects.filter(model="registratie.RodTerugkoppeling", object_id=str(tk.pk)).exists()
    assert not open_rod_signalen().exists()
    assert volgende(VOLGENDE_DAG, levering) is None  # accepted and unchanged: nothing to send


def test_a_rejection_becomes_a_signal_and_goes_out_again_once_fixed(geleverd, tmp_path):
    levering, (goed, fout, derde) = geleverd
    bsn_in_melding = fout.leerling.bsn
    data = terugkoppeling_xml(
        levering,
        geaccepteerd=[goed.inschrijvingsvolgnummer, derde.inschrijvingsvolgnummer],
        afgekeurd=[
            (fout.inschrijvingsvolgnummer, "R0417", f"Persoon {bsn_in_melding} onbekend in BRP", "bsn")
        ],
    )

    uit = inlezen(tmp_path, data)

    assert "2 geaccepteerd, 1 afgekeurd" in uit and bsn_in_melding not in uit
    signaal = open_rod_signalen().get(inschrijving=fout)
    assert signaal.regel == "ROD" and signaal.instelling_id == levering.instelling_id
    assert "R0417" in signaal.toelichting and "onbekend in BRP" in signaal.toelichting
    assert "element bsn" in signaal.toelichting
    assert bsn_in_melding not in signaal.toelichting  # a number quoted by ROD is masked
    st = stand(fout)
    assert (st.terugkoppeling, st.afkeurcode, st.signaal_id, st.bij_rod) == (
        "afgekeurd",
        "R0417",
        signaal.pk,
        False,
    )
    levering.refresh_from_db()
    assert (levering.status, levering.aantal_afgekeurd) == ("deels_afgekeurd", 1)

    # Not fixed yet: it waits (held with its signal), nothing goes out.
    assert volgende(VOLGENDE_DAG, levering) is None

    # Fixed: the first delivery after carries it, as new (ROD never accepted it), and the
    # signal is closed.
    Leerling.objects.filter(pk=fout.leerling_id).update(achternaam="Hersteld")
    r = records(levering_bytes(volgende(DAG_DAARNA, levering)))
    assert list(r) == [fout.inschrijvingsvolgnummer]
    assert r[fout.inschrijvingsvolgnummer].get("mutatie") == "nieuw"
    signaal.refresh_from_db()
    assert signaal.status == "opgelost" and signaal.gesloten_op is not None
    assert stand(fout).terugkoppeling == "verwacht" and stand(fout).bij_rod


def test_closing_the_rejection_signal_sends_the_unchanged_record_again(geleverd, tmp_path):
    levering, (_, fout, _) = geleverd
    inlezen(
        tmp_path, terugkoppeling_xml(levering, afgekeurd=[(fout.inschrijvingsvolgnummer, "X1", "Tijdelijk")])
    )
    assert volgende(VOLGENDE_DAG, levering) is None
    Signaal.objects.filter(bron="rod", inschrijving=fout).update(status="opgelost")

    r = records(levering_bytes(volgende(DAG_DAARNA, levering)))
    assert (
        list(r) == [fout.inschrijvingsvolgnummer]
        and r[fout.inschrijvingsvolgnummer].get("mutatie") == "nieuw"
    )


def test_a_rejected_end_goes_out_as_an_end_again(geleverd, tmp_path):
    levering, (_, fout, _) = geleverd
    Inschrijving.objects.filter(pk=fout.pk).update(
        einddatum=datetime.date(2025, 10, 1), reden_einde="overstap"
    )
    tweede = volgende(VOLGENDE_DAG, levering)
    assert records(levering_bytes(tweede))[fout.inschrijvingsvolgnummer].get("mutatie") == "beeindigd"
    inlezen(
        tmp_path,
        terugkoppeling_xml(tweede, afgekeurd=[(fout.inschrijvingsvolgnummer, "E9", "Einde te vroeg")]),
    )

    Inschrijving.objects.filter(pk=fout.pk).update(einddatum=datetime.date(2025, 10, 2))
    r = records(levering_bytes(volgende(DAG_DAARNA, levering)))
    assert r[fout.inschrijvingsvolgnummer].get("mutatie") == "beeindigd"
    assert r[fout.inschrijvingsvolgnummer].findtext("einddatum") == "2025-10-02"


def test_feedback_on_a_record_sent_again_since_is_skipped(geleverd, tmp_path):
    levering, (_, fout, _) = geleverd
    Leerling.objects.filter(pk=fout.leerling_id).update(achternaam="Nieuw")
    volgende(VOLGENDE_DAG, levering)  # the key now belongs to delivery 2

    uit = inlezen(
        tmp_path, terugkoppeling_xml(levering, afgekeurd=[(fout.inschrijvingsvolgnummer, "X", "oud")])
    )

    assert "0 afgekeurd (signaal), 1 overgeslagen" in uit
    assert not open_rod_signalen().exists() and stand(fout).terugkoppeling == "verwacht"


@pytest.mark.parametrize(
    "maak, melding",
    [
        (lambda lev: b"<rodTerugkoppeling formaatversie='1'><kop><brin>25LG</brin></kop>", "formaat"),
        (lambda lev: terugkoppeling_xml(lev).replace(b"<kop>", b"<kop><onbekend/>"), "formaat"),
        (lambda lev: terugkoppeling_xml(lev, volgnummer=99), "geen levering 99"),
        (lambda lev: terugkoppeling_xml(lev, sha256="0" * 64), "sha256"),
        (
            lambda lev: terugkoppeling_xml(lev, geaccepteerd=["x"], afgekeurd=[("y", "", "leeg")]),
            "formaat",
        ),
    ],
)
def test_a_bad_response_file_changes_nothing(geleverd, tmp_path, maak, melding):
    levering, _ = geleverd
    data = maak(levering)
    voor = list(RodStand.objects.values_list("sleutel", "terugkoppeling").order_by("sleutel"))

    with pytest.raises(CommandError, match=melding):
        inlezen(tmp_path, data)

    assert list(RodStand.objects.values_list("sleutel", "terugkoppeling").order_by("sleutel")) == voor
    assert not RodTerugkoppeling.objects.exists() and not open_rod_signalen().exists()
    levering.refresh_from_db()
    assert levering.status == "aangemaakt"
    media = tmp_path / "media"
    assert not list(media.rglob("terugkoppeling/*"))


def test_a_response_halfway_invalid_rolls_back_what_it_read_before(geleverd, tmp_path):
    levering, vo = geleverd
    data = terugkoppeling_xml(levering, geaccepteerd=[i.inschrijvingsvolgnummer for i in vo])
    kapot = b"<afgekeurd><inschrijvingsvolgnummer>x</inschrijvingsvolgnummer></afgekeurd>"  # no code
    data = data.replace(b"</rodTerugkoppeling>", kapot + b"</rodTerugkoppeling>")
    with pytest.raises(CommandError, match="formaat"):
        inlezen(tmp_path, data)
    assert all(stand(i).terugkoppeling == "verwacht" for i in vo)


def test_the_same_response_is_read_only_once(geleverd, tmp_path):
    levering, vo = geleverd
    data = terugkoppeling_xml(levering, geaccepteerd=[vo[0].inschrijvingsvolgnummer])
    inlezen(tmp_path, data)
    with pytest.raises(CommandError, match="al ingelezen"):
        inlezen(tmp_path, data, "nogmaals.xml")
    assert RodTerugkoppeling.objects.count() == 1


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="niet gevonden"):
        call_command("rod_import_feedback", str(tmp_path / "weg.xml"))

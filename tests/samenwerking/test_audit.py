"""The audit trail: services write who, when, what changed (old and new), and through which channel;
personal numbers never enter it in full."""

import datetime
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from registratie import services as registratie_services
from registratie.models import Leerling
from samenwerking import audit, services
from samenwerking.identifiers import bsn_with_check_digit
from samenwerking.models import AuditRegel, Bestuur, Kanaal
from tests.factories import (
    BestuurFactory,
    InstellingFactory,
    LeerlingFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return gebruiker_met_rol("applicatiebeheerder")


def nieuwe_leerling(**kwargs) -> Leerling:
    defaults = {
        "instelling": InstellingFactory(),
        "bsn": "111222333",
        "achternaam": "de Vries",
        "geboortedatum": datetime.date(2011, 5, 1),
    }
    return Leerling(**(defaults | kwargs))


def test_create_writes_a_row_with_all_new_values(user):
    bestuur = services.opslaan(Bestuur(naam="Stichting Vmbo Oost", bevoegd_gezag_nummer="41234"), door=user)
    regel = AuditRegel.objects.get()
    assert (regel.actie, regel.model, regel.object_id) == ("create", "samenwerking.Bestuur", str(bestuur.pk))
    assert regel.gebruiker == user
    assert regel.oud is None
    assert regel.nieuw == {"id": bestuur.pk, "naam": "Stichting Vmbo Oost", "bevoegd_gezag_nummer": "41234"}
    assert regel.object_repr == "Stichting Vmbo Oost"


def test_update_records_only_the_changed_fields(user):
    bestuur = BestuurFactory(naam="Oud", bevoegd_gezag_nummer="41234")
    bestuur.naam = "Nieuw"
    services.opslaan(bestuur, door=user)
    regel = AuditRegel.objects.get()
    assert regel.actie == "update"
    assert regel.oud == {"naam": "Oud"}
    assert regel.nieuw == {"naam": "Nieuw"}


def test_update_of_several_fields_records_each(user):
    sok = OvereenkomstFactory(actief=True, naam="SOK 2025")
    sok.naam, sok.einddatum = "SOK verlengd", datetime.date(2030, 7, 31)
    services.opslaan(sok, door=user)
    regel = AuditRegel.objects.get()
    assert regel.oud == {"naam": "SOK 2025", "einddatum": None}
    assert regel.nieuw == {"naam": "SOK verlengd", "einddatum": "2030-07-31"}


def test_delete_records_the_old_values_and_keeps_the_id(user):
    bestuur = BestuurFactory(naam="Weg")
    pk = bestuur.pk
    services.verwijderen(bestuur, door=user)
    assert not Bestuur.objects.filter(pk=pk).exists()
    regel = AuditRegel.objects.get()
    assert (regel.actie, regel.object_id) == ("delete", str(pk))
    assert regel.oud["naam"] == "Weg"
    assert regel.nieuw is None


def test_refused_save_writes_no_audit_row(user):
    with pytest.raises(ValidationError):
        services.opslaan(Bestuur(naam="Fout", bevoegd_gezag_nummer="12"), door=user)
    assert not Bestuur.objects.exists()
    assert not AuditRegel.objects.exists()


def test_bsn_is_masked_in_the_json(user):
    leerling = services.opslaan(nieuwe_leerling(bsn="111222333"), door=user)
    regel = AuditRegel.objects.get(model="registratie.Leerling")
    assert regel.nieuw["bsn"] == "••••••333"
    assert "111222333" not in json.dumps([regel.oud, regel.nieuw, regel.object_repr])
    assert leerling.bsn == "111222333"  # only the trail is masked


def test_bsn_change_is_recorded_masked_on_both_sides(user):
    leerling = services.opslaan(nieuwe_leerling(bsn="111222333"), door=user)
    leerling.bsn = "123456782"
    services.opslaan(leerling, door=user)
    regel = AuditRegel.objects.get(actie="update")
    assert regel.oud == {"bsn": "••••••333"}
    assert regel.nieuw == {"bsn": "••••••782"}


def test_bsn_change_with_the_same_last_digits_is_still_recorded(user):
    # Two valid BSNs that end in the same three digits: masked they look the same, but the
    # change must still show up in the trail.
    eerste = next(
        v for n in range(100) if (v := bsn_with_check_digit(f"1000{n:02d}33")) and v.endswith("333")
    )
    tweede = next(
        v
        for n in range(100)
        if (v := bsn_with_check_digit(f"2000{n:02d}33")) and v.endswith("333") and v != eerste
    )
    leerling = services.opslaan(nieuwe_leerling(bsn=eerste), door=user)
    leerling.bsn = tweede
    services.opslaan(leerling, door=user)
    regel = AuditRegel.objects.get(actie="update")
    assert list(regel.nieuw) == ["bsn"]
    assert regel.nieuw["bsn"].endswith("333")
    assert eerste not in json.dumps(regel.oud)
    assert tweede not in json.dumps(regel.nieuw)


def test_onderwijsnummer_is_masked_too(user):
    leerling = LeerlingFactory(zonder_bsn=True)
    services.verwijderen(leerling, door=user)
    regel = AuditRegel.objects.get()
    assert regel.oud["onderwijsnummer"].startswith("••••")
    assert leerling.onderwijsnummer not in json.dumps(regel.oud)


def test_unchanged_bsn_is_not_in_the_diff(user):
    leerling = LeerlingFactory()
    leerling.achternaam = "Bakker"
    services.opslaan(leerling, door=user)
    regel = AuditRegel.objects.get()
    assert regel.oud.keys() == {"achternaam"}


@pytest.mark.parametrize("kanaal", [Kanaal.UI, Kanaal.ADMIN, Kanaal.API, Kanaal.IMPORT, Kanaal.JOB])
def test_channel_is_recorded(user, kanaal):
    services.opslaan(Bestuur(naam=f"Via {kanaal}"), door=user, kanaal=kanaal)
    assert AuditRegel.objects.get().kanaal == kanaal


def test_job_without_user_is_recorded_without_user():
    services.opslaan(Bestuur(naam="Nachtelijke taak"), door=None, kanaal=Kanaal.JOB)
    services.opslaan(Bestuur(naam="Anoniem"), door=AnonymousUser(), kanaal=Kanaal.JOB)
    assert list(AuditRegel.objects.values_list("gebruiker", flat=True)) == [None, None]


def test_agreement_row_is_readable_by_both_parties(user):
    sok = services.opslaan(
        OvereenkomstFactory.build(
            vo_instelling=InstellingFactory(), mbo_instelling=InstellingFactory(mbo=True)
        ),
        door=user,
    )
    regel = AuditRegel.objects.get()
    assert (regel.instelling_id, regel.partner_instelling_id) == (sok.vo_instelling_id, sok.mbo_instelling_id)
    for instelling in (sok.vo_instelling, sok.mbo_instelling):
        beheerder = gebruiker_met_rol("beheerder", instelling=instelling)
        assert AuditRegel.objects.for_user(beheerder).filter(pk=regel.pk).exists()


def test_bsn_bekeken_is_recorded_without_the_number(user):
    leerling = LeerlingFactory()
    registratie_services.bsn_bekeken(leerling=leerling, door=user, kanaal=Kanaal.UI)
    regel = AuditRegel.objects.get()
    assert (regel.actie, regel.gebruiker, regel.object_id) == ("view_bsn", user, str(leerling.pk))
    assert regel.oud is None and regel.nieuw is None
    assert leerling.bsn not in regel.object_repr


def test_bulk_creation_writes_one_row_per_instance(user):
    besturen = [BestuurFactory(naam=f"Import {n}") for n in range(3)]
    assert audit.record_created_bulk(besturen, door=user, kanaal=Kanaal.IMPORT) == 3
    assert set(AuditRegel.objects.values_list("kanaal", "actie", "object_id")) == {
        ("import", "create", str(b.pk)) for b in besturen
    }


def test_mask_keeps_only_the_last_three_characters():
    assert audit.mask("111222333") == "••••••333"
    assert audit.mask(None) is None
    assert audit.mask("") == ""


def test_saving_without_changes_writes_no_audit_row(user):
    bestuur = BestuurFactory(naam="Ongewijzigd")
    services.opslaan(bestuur, door=user)
    assert not AuditRegel.objects.exists()

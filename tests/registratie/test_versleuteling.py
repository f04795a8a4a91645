"""R-ID (DOMAIN.md 'Identifiers'): a BSN is encrypted at rest with a key from the environment and
found by exact match through a keyed hash; plain numbers stored before encryption are converted."""

import datetime
import io

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registratie.models import Leerling
from samenwerking.versleuteling import zoekhash
from tests.factories import InstellingFactory, LeerlingFactory

BSN = "123456782"
ONR = "101234567"  # not necessarily valid: only the conversion is tested with raw SQL


def _kolommen(pk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bsn, bsn_hash, onderwijsnummer, onderwijsnummer_hash "
            "FROM registratie_leerling WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_bsn_is_stored_encrypted_and_read_back_plain():
    leerling = LeerlingFactory(bsn=BSN)
    bsn_kolom, bsn_hash, onr_kolom, onr_hash = _kolommen(leerling.pk)
    assert BSN not in bsn_kolom and len(bsn_kolom) > 50
    assert bsn_hash == zoekhash(BSN) and BSN not in bsn_hash
    assert onr_kolom is None and onr_hash is None
    assert Leerling.objects.get(pk=leerling.pk).bsn == BSN


@pytest.mark.django_db
def test_the_same_bsn_encrypts_differently_each_time_but_hashes_the_same():
    a = LeerlingFactory(bsn=BSN)
    kolom_a, hash_a, *_ = _kolommen(a.pk)
    a.bsn = BSN
    a.save()
    kolom_b, hash_b, *_ = _kolommen(a.pk)
    assert kolom_a != kolom_b and hash_a == hash_b


@pytest.mark.django_db
def test_student_is_found_by_exact_number_only():
    leerling = LeerlingFactory(bsn=BSN)
    assert list(Leerling.objects.met_nummer(BSN)) == [leerling]
    assert list(Leerling.objects.met_nummer(f" {BSN} ")) == [leerling]
    assert not Leerling.objects.met_nummer("123456790").exists()
    assert not Leerling.objects.met_nummer("").exists()


@pytest.mark.django_db
def test_filtering_on_the_encrypted_column_is_refused_rather_than_silently_empty():
    with pytest.raises(Exception, match="Unsupported lookup 'exact'"):
        list(Leerling.objects.filter(bsn__exact=BSN))


@pytest.mark.django_db
def test_a_second_student_with_the_same_bsn_is_refused_by_the_hash():
    eerste = LeerlingFactory(bsn=BSN)
    tweede = Leerling(
        instelling=eerste.instelling, bsn=BSN, achternaam="Twee", geboortedatum=eerste.geboortedatum
    )
    with pytest.raises(ValidationError, match="Er is al een leerling met dit BSN"):
        tweede.full_clean()


@pytest.mark.django_db
def test_key_rotation_with_the_command(settings):
    from cryptography.fernet import Fernet

    leerling = LeerlingFactory(bsn=BSN)
    ander = LeerlingFactory(bsn=None, onderwijsnummer="101234564")
    oude_sleutels = settings.LEERROUTE_VERSLEUTELSLEUTELS
    nieuwe_sleutel = Fernet.generate_key().decode()
    settings.LEERROUTE_VERSLEUTELSLEUTELS = [nieuwe_sleutel, *oude_sleutels]
    assert Leerling.objects.get(pk=leerling.pk).bsn == BSN  # old tokens still read
    settings.LEERROUTE_BSN_HASHSLEUTEL = "een-nieuwe-hashsleutel-van-minstens-32-tekens"
    uit = io.StringIO()
    call_command("nummers_herversleutelen", batch=1, stdout=uit)
    assert "Klaar: 2 leerlingen, 0 leveringsbestanden." in uit.getvalue()
    settings.LEERROUTE_VERSLEUTELSLEUTELS = [nieuwe_sleutel]  # old key dropped
    assert Leerling.objects.get(pk=leerling.pk).bsn == BSN
    assert Leerling.objects.get(pk=ander.pk).onderwijsnummer == "101234564"
    assert list(Leerling.objects.met_nummer(BSN)) == [leerling]
    assert list(Leerling.objects.met_nummer("101234564")) == [ander]


@pytest.mark.django_db
def test_a_missing_key_is_a_clear_configuration_error_without_the_number(settings):
    from cryptography.fernet import Fernet

    leerling = LeerlingFactory(bsn=BSN)
    settings.LEERROUTE_VERSLEUTELSLEUTELS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="LEERROUTE_VERSLEUTELSLEUTELS") as exc:
        Leerling.objects.get(pk=leerling.pk)
    assert BSN not in str(exc.value)


# serialized_rollback: the migrations run back and forth; the tables get their data back after.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_encrypts_numbers_stored_in_plain_text(request):
    if request.config.getoption("nomigrations"):
        pytest.skip("needs the migrations (run without --no-migrations, as `make test` does)")
    vorige = [("registratie", "0002_initial")]
    laatste = MigrationExecutor(connection).loader.graph.leaf_nodes("registratie")
    instelling = InstellingFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(vorige)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO registratie_leerling (instelling_id, bsn, voornamen, voorletters, roepnaam, "
                "tussenvoegsel, achternaam, geboortedatum, aangemaakt_op) "
                "VALUES (%s, %s, '', '', '', '', 'Oud', %s, %s)",
                [instelling.pk, BSN, datetime.date(2010, 1, 1), datetime.datetime(2026, 1, 1)],
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(laatste)
    leerling = Leerling.objects.get(achternaam="Oud")
    assert leerling.bsn == BSN
    assert BSN not in _kolommen(leerling.pk)[0]
    assert list(Leerling.objects.met_nummer(BSN)) == [leerling]

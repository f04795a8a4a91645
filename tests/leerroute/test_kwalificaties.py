"""mbo qualifications as reference data: ``manage.py load_kwalificaties``, the loader and the data
migration."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from leerroute.kwalificaties import STANDAARD_BESTAND, laad_kwalificaties
from leerroute.models import Kwalificatie
from samenwerking.models import AuditRegel

pytestmark = pytest.mark.django_db

KOP = "crebo;naam;niveau;domein\n"


@pytest.fixture(autouse=True)
def leeg():
    Kwalificatie.objects.all().delete()  # the data migration may have filled the table


def load(path) -> str:
    out = StringIO()
    call_command("load_kwalificaties", str(path), stdout=out)
    return out.getvalue()


def schrijf(tmp_path, tekst: str, naam="kwalificaties.csv"):
    path = tmp_path / naam
    path.write_text(KOP + tekst, encoding="utf-8")
    return path


def test_the_shipped_file_loads_by_default():
    out = StringIO()
    call_command("load_kwalificaties", stdout=out)
    regels = STANDAARD_BESTAND.read_text(encoding="utf-8").strip().splitlines()[1:]
    assert Kwalificatie.objects.count() == len(regels)
    assert 30 <= len(regels) <= 60
    assert f"{len(regels)} nieuw, 0 gewijzigd" in out.getvalue()
    assert set(Kwalificatie.objects.values_list("niveau", flat=True)) == {1, 2, 3, 4}
    vig = Kwalificatie.objects.get(crebo="25491")
    assert (vig.naam, vig.niveau, vig.domein) == ("Verzorgende IG", 3, "Zorg en welzijn")
    for k in Kwalificatie.objects.all():
        k.full_clean()
    regel = AuditRegel.objects.get(model="leerroute.Kwalificatie")
    assert regel.kanaal == "import" and regel.nieuw["nieuw"] == len(regels)


def test_a_valid_csv_loads_and_a_reload_updates_instead_of_duplicating(tmp_path):
    path = schrijf(tmp_path, "25180;Kok;2;Horeca en bakkerij\n25182;Zelfstandig werkend kok;3;\n")
    assert "2 nieuw, 0 gewijzigd" in load(path)
    assert Kwalificatie.objects.get(crebo="25182").domein == ""

    schrijf(tmp_path, "25180;Kok;2;Horeca en bakkerij\n25182;Zelfstandig werkend kok;3;Horeca en bakkerij\n")
    assert "0 nieuw, 1 gewijzigd" in load(path)
    assert Kwalificatie.objects.count() == 2
    assert Kwalificatie.objects.get(crebo="25182").domein == "Horeca en bakkerij"

    assert "0 nieuw, 0 gewijzigd" in load(path)
    assert Kwalificatie.objects.count() == 2


def test_the_loader_returns_created_and_updated():
    assert laad_kwalificaties([KOP, "25498;Helpende zorg en welzijn;2;Zorg en welzijn\n"]) == (1, 0)
    assert laad_kwalificaties([KOP, "25498;Helpende Zorg en Welzijn;2;Zorg en welzijn\n"]) == (0, 1)


@pytest.mark.parametrize(
    ("regel", "veld"),
    [
        ("2549;Verzorgende IG;3;Zorg en welzijn", "crebo"),
        ("2549a;Verzorgende IG;3;Zorg en welzijn", "crebo"),
        ("25491;;3;Zorg en welzijn", "naam"),
        ("25491;Verzorgende IG;5;Zorg en welzijn", "niveau"),
        ("25491;Verzorgende IG;drie;Zorg en welzijn", "niveau"),
    ],
)
def test_a_bad_line_refuses_the_file_with_line_number_and_field(tmp_path, regel, veld):
    path = schrijf(tmp_path, f"25180;Kok;2;Horeca en bakkerij\n{regel}\n25168;Gastheer/-vrouw;2;Horeca\n")
    with pytest.raises(CommandError) as exc:
        load(path)
    assert f"Regel 3, veld '{veld}'" in str(exc.value)
    assert "niets opgeslagen" in str(exc.value)
    assert not Kwalificatie.objects.exists()  # the good lines were not saved either


def test_every_bad_line_is_reported_and_nothing_changes(tmp_path):
    laad_kwalificaties([KOP, "25180;Kok;2;Horeca en bakkerij\n"])
    with pytest.raises(ValidationError) as exc:
        laad_kwalificaties(
            [KOP, "25180;Kok (nieuw);2;Horeca\n", "123456;Te lang;2;\n", "25182;Zelfstandig werkend kok;0;\n"]
        )
    assert exc.value.messages == [
        "Regel 3, veld 'crebo': '123456' is geen crebo-code van precies vijf cijfers.",
        "Regel 4, veld 'niveau': '0' is geen mbo-niveau (1 tot en met 4).",
    ]
    assert list(Kwalificatie.objects.values_list("crebo", "naam")) == [("25180", "Kok")]


def test_a_crebo_twice_and_a_wrong_header_are_refused():
    with pytest.raises(ValidationError, match=r"Regel 3, veld 'crebo': 25180 staat al op regel 2"):
        laad_kwalificaties([KOP, "25180;Kok;2;\n", "25180;Kok;2;\n"])
    with pytest.raises(ValidationError, match=r"Regel 1: de kopregel mist de kolom\(men\) niveau"):
        laad_kwalificaties(["crebo;naam;domein\n", "25180;Kok;Horeca\n"])
    assert not Kwalificatie.objects.exists()


def test_extra_columns_and_a_byte_order_mark_are_accepted():
    assert laad_kwalificaties(["\ufeffCrebo;Naam;Niveau;Domein;Dossier\n", "25180;Kok;2;Horeca;23085\n"]) == (
        1,
        0,
    )


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="niet gevonden"):
        load(tmp_path / "bestaat-niet.csv")


def test_the_data_migration_loads_the_shipped_file_with_the_historical_model():
    migratie = importlib.import_module("leerroute.migrations.0003_kwalificaties")
    migratie.laad(apps, None)
    regels = STANDAARD_BESTAND.read_text(encoding="utf-8").strip().splitlines()[1:]
    assert Kwalificatie.objects.count() == len(regels)
    migratie.laad(apps, None)  # idempotent
    assert Kwalificatie.objects.count() == len(regels)

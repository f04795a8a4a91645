"""Reading an export: CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX (first sheet),
into rows of {our column: text}, through the instelling's column mapping."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Our columns, in the order of the example files. Required ones are checked per row by the rules.
KOLOMMEN = (
    "bsn",
    "onderwijsnummer",
    "voorletters",
    "voornamen",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "leerroute",
    "kant",
    "inschrijvingsvolgnummer",
    "startdatum",
    "geplande_einddatum",
    "fase",
    "leerjaar",
    "leerweg",
    "crebo",
    "leervorm",
    # Optional: the reason for a change after a ROD count date's deadline (registratie.rod.teldata).
    "correctiereden",
)


def _tekst(waarde) -> str:
    if waarde is None:
        return ""
    if hasattr(waarde, "date") and callable(waarde.date):  # XLSX datetime cell
        return waarde.date().isoformat()
    if hasattr(waarde, "isoformat"):
        return waarde.isoformat()
    if isinstance(waarde, float) and waarde.is_integer():
        return str(int(waarde))
    return str(waarde).strip()


def _rijen_csv(inhoud: bytes) -> list[list[str]]:
    tekst = inhoud.decode("utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(tekst[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(tekst), dialect)]


def _rijen_xlsx(inhoud: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    blad = load_workbook(io.BytesIO(inhoud), read_only=True, data_only=True).worksheets[0]
    return [[_tekst(c) for c in rij] for rij in blad.iter_rows(values_only=True)]


def lees(inhoud: bytes, naam: str, koppeling: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The data rows as {our column: text}. ``koppeling`` maps our column to the export's header
    (our own name is used where it maps nothing). Unknown headers are ignored."""
    if naam.lower().endswith(".xlsx"):
        rijen = _rijen_xlsx(inhoud)
    elif naam.lower().endswith((".csv", ".txt")):
        rijen = _rijen_csv(inhoud)
    else:
        raise ValidationError({"bestand": _("Lever een CSV- of XLSX-bestand aan.")})
    if not rijen:
        raise ValidationError({"bestand": _("Het bestand is leeg.")})
    kop = [_tekst(k).lower() for k in rijen[0]]
    koppeling = {k: v.lower() for k, v in (koppeling or {}).items()}
    plek = {}
    for kolom in KOLOMMEN:
        bron = koppeling.get(kolom, kolom)
        if bron in kop:
            plek[kolom] = kop.index(bron)
    if "achternaam" not in plek or "inschrijvingsvolgnummer" not in plek:
        raise ValidationError(
            {
                "bestand": _(
                    "De kolommen achternaam en inschrijvingsvolgnummer ontbreken (zie de kolomkoppeling)."
                )
            }
        )
    return [
        {k: _tekst(rij[i]) if i < len(rij) else "" for k, i in plek.items()}
        for rij in rijen[1:]
        if any(_tekst(c) for c in rij)
    ]


def bronkolom(kolom: str, koppeling: dict[str, str] | None) -> str:
    """The export's header of our column (for an error message: the user's own column name)."""
    return (koppeling or {}).get(kolom, kolom)

"""Reading ROD files of format version 1: a delivery (checked against its XSD while it streams)
and DUO's response (terugkoppeling), record by record so a large file never sits in memory.
The writing side is ``registratie.rod.format``."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import re
from collections.abc import Iterator

from django.utils.translation import gettext as _
from lxml import etree

from registratie.rod.format import (
    _ELEMENT_IN_MELDING,
    AFGEKEURD,
    GEACCEPTEERD,
    E,
    FormaatFout,
    Kop,
    schema_levering,
    schema_terugkoppeling,
)


def _veilige_melding(bericht: str, gelezen: int) -> str:
    """A parser or XSD error without the value it quotes (values can be BSNs): the element and
    how many records came before it."""
    m = _ELEMENT_IN_MELDING.search(bericht or "")
    return _("Het bestand volgt het formaat niet: element %(element)s, na %(gelezen)s records.") % {
        "element": m.group(1) if m else "?",
        "gelezen": gelezen,
    }


def _plat_lezen(
    bron, schema: etree.XMLSchema, *, kop: str, records: frozenset[str], slot: str | None = None
) -> Iterator[etree._Element]:
    """Read a file of our formats (a root with a kop, records, and maybe a slot) in flat memory,
    yielding each top-level element once it has been validated against the XSD.

    libxml2's streaming XSD validation keeps about a hundred bytes per record (measured with
    bench_rod), so instead every record is validated on its own against the XSD's global
    declaration as soon as it is parsed and then dropped, and the skeleton (root, its
    attributes, kop, slot) is validated as a small document of its own. Together that is
    exactly the XSD's content model. The skeleton is checked when the kop has been read if
    there is no slot, else at the end: consume the iterator to the end inside a transaction.
    """
    kop_el = slot_el = None
    gelezen = 0

    def skelet(wortel) -> None:
        doc = etree.Element(wortel.tag, dict(wortel.attrib))
        doc.extend(copy.deepcopy(x) for x in (kop_el, slot_el) if x is not None)
        if not schema.validate(doc):
            raise FormaatFout(_veilige_melding(schema.error_log[0].message, gelezen))

    try:
        for _event, el in etree.iterparse(
            bron, events=("end",), resolve_entities=False, no_network=True, huge_tree=True
        ):
            wortel = el.getparent()
            if wortel is None:  # the root ends: everything has been read
                if (el.text or "").strip():
                    raise FormaatFout(_veilige_melding(f"Element '{el.tag}'", gelezen))
                skelet(el)
                continue
            if wortel.getparent() is not None:
                continue  # inside a record: checked (and freed) with the record
            wortel.remove(el)
            if (el.tail or "").strip():
                raise FormaatFout(_veilige_melding(f"Element '{wortel.tag}'", gelezen))
            el.tail = None
            if kop_el is None:
                if el.tag != kop:
                    raise FormaatFout(_veilige_melding(f"Element '{el.tag}'", gelezen))
                kop_el = el
                if slot is None:
                    skelet(wortel)
            elif el.tag in records and slot_el is None:
                if not schema.validate(el):
                    raise FormaatFout(_veilige_melding(schema.error_log[0].message, gelezen))
                gelezen += 1
            elif slot is not None and el.tag == slot and slot_el is None:
                slot_el = el
            else:
                raise FormaatFout(_veilige_melding(f"Element '{el.tag}'", gelezen))
            yield el
    except etree.XMLSyntaxError as exc:
        raise FormaatFout(_veilige_melding(getattr(exc, "msg", ""), gelezen)) from None


def levering_valideren(bron) -> Kop:
    """Validate a whole delivery file (path or binary file) against the XSD in flat memory;
    also checks that aantalRecords in the slot matches the records. Returns the kop; raises
    FormaatFout."""
    kop = slot = None
    aantal = 0
    for el in _plat_lezen(
        bron, schema_levering(), kop=E.KOP, records=frozenset({E.INSCHRIJVING, E.INTREKKING}), slot=E.SLOT
    ):
        if el.tag == E.KOP:
            kop = {naam: el.findtext(naam) for naam in (E.BRIN, E.VOLGNUMMER, E.PEILDATUM, E.SOORT)}
        elif el.tag == E.SLOT:
            slot = el.findtext(E.AANTAL)
        else:
            aantal += 1
    if int(slot) != aantal:
        raise FormaatFout(_("aantalRecords in het slot klopt niet met het aantal records."))
    return Kop(
        brin=kop[E.BRIN],
        volgnummer=int(kop[E.VOLGNUMMER]),
        peildatum=datetime.date.fromisoformat(kop[E.PEILDATUM]),
        soort=kop[E.SOORT],
    )


# ------------------------------------------------------------------------------------------ response


@dataclasses.dataclass(frozen=True, slots=True)
class TerugkoppelingKop:
    brin: str
    volgnummer: int
    sha256: str | None
    verwerkingsdatum: datetime.date | None


@dataclasses.dataclass(frozen=True, slots=True)
class Beoordeling:
    status: str  # GEACCEPTEERD or AFGEKEURD
    sleutel: str
    code: str = ""
    melding: str = ""
    element: str = ""


_NEGEN_CIJFERS = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")


def _zonder_nummers(tekst: str) -> str:
    """A response message may quote a BSN; it becomes a signal that administrators read."""
    return _NEGEN_CIJFERS.sub(lambda m: "•" * 6 + m.group(0)[-3:], tekst)


def terugkoppeling_lezen(bron) -> tuple[TerugkoppelingKop, Iterator[Beoordeling]]:
    """Read a response file (path or binary file): its kop, validated, and an iterator over the
    assessments, each validated before it is given. A FormaatFout can come from either: consume
    the iterator inside a transaction."""
    stroom = _plat_lezen(
        bron, schema_terugkoppeling(), kop=E.KOP, records=frozenset({E.GEACCEPTEERD, E.AFGEKEURD})
    )
    eerste = next(stroom, None)
    if eerste is None:  # pragma: no cover - an empty root fails the skeleton check first
        raise FormaatFout(_("De kop ontbreekt."))
    datum = eerste.findtext(E.VERWERKINGSDATUM)
    kop = TerugkoppelingKop(
        brin=eerste.findtext(E.BRIN),
        volgnummer=int(eerste.findtext(E.VOLGNUMMER)),
        sha256=eerste.findtext(E.SHA256),
        verwerkingsdatum=datetime.date.fromisoformat(datum) if datum else None,
    )

    def beoordelingen() -> Iterator[Beoordeling]:
        for el in stroom:
            if el.tag == E.GEACCEPTEERD:
                yield Beoordeling(GEACCEPTEERD, el.findtext(E.SLEUTEL))
            else:
                yield Beoordeling(
                    AFGEKEURD,
                    el.findtext(E.SLEUTEL),
                    code=(el.findtext(E.CODE) or "").strip(),
                    melding=_zonder_nummers((el.findtext(E.MELDING) or "").strip()),
                    element=(el.findtext(E.ELEMENT) or "").strip(),
                )

    return kop, beoordelingen()

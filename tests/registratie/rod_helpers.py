"""Shared set-up for the ROD tests (not a test module itself)."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from lxml import etree
from stdnum.nl import bsn as stdnum_bsn

from registratie.models import RodStand, Signaal
from registratie.rod import format, opslag, services
from samenwerking.models import Vestiging
from tests.factories import InschrijvingFactory, LeerrouteFactory

PEILDATUM = datetime.date(2025, 10, 1)
VOLGENDE_DAG = datetime.date(2025, 10, 2)
DAG_DAARNA = datetime.date(2025, 10, 3)


def vestiging(instelling, nr: int = 1) -> Vestiging:
    return Vestiging.objects.get_or_create(
        code=f"{instelling.brin}{nr:02d}", defaults={"instelling": instelling, "naam": f"Locatie {nr}"}
    )[0]


def route_met_vestigingen(**kwargs):
    """A route whose vo- and mbo-side each have one vestiging (ROD needs BRIN and vestiging)."""
    route = LeerrouteFactory(**kwargs)
    o = route.overeenkomst
    route.vo_vestiging = vestiging(o.vo_instelling)
    route.mbo_vestiging = vestiging(o.mbo_instelling)
    route.save(update_fields=["vo_vestiging", "mbo_vestiging"])
    return route


def leerling_in_route(route, **vo_kwargs):
    """A route student with a vo- and an mbo-inschrijving; returns (vo, mbo)."""
    vo = InschrijvingFactory(leerroute=route, **vo_kwargs)
    mbo = InschrijvingFactory(leerroute=route, leerling=vo.leerling, mbo=True, startdatum=vo.startdatum)
    return vo, mbo


def records(pad_of_bytes) -> dict[str, etree._Element]:
    """The records of a delivery file by key (an intrekking under 'key!ingetrokken')."""
    data = Path(pad_of_bytes).read_bytes() if not isinstance(pad_of_bytes, bytes) else pad_of_bytes
    root = etree.fromstring(data)
    out = {}
    for el in root:
        if el.tag == format.E.INSCHRIJVING:
            out[el.findtext(format.E.SLEUTEL)] = el
        elif el.tag == format.E.INTREKKING:
            out[el.findtext(format.E.SLEUTEL) + "!ingetrokken"] = el
    return out


def levering_bytes(levering) -> bytes:
    """The plain XML of a delivery (the stored file is encrypted: registratie/rod/opslag.py)."""
    return b"".join(opslag.lezen(levering))


def geldig(data: bytes) -> bool:
    return format.schema_levering().validate(etree.fromstring(data))


def open_rod_signalen(**filters):
    return Signaal.objects.filter(bron="rod", status__in=["open", "overgedragen"], **filters)


def stand(inschrijving) -> RodStand | None:
    return RodStand.objects.filter(
        instelling_id=inschrijving.instelling_id, sleutel=inschrijving.inschrijvingsvolgnummer
    ).first()


class KapotteOpslag(FileSystemStorage):
    """A real storage whose disk is full: every save fails (for the crash tests)."""

    pogingen = 0

    def _save(self, name, content):
        type(self).pogingen += 1
        raise OSError("geen ruimte meer op het apparaat")


def ongeldig_bsn(n: int) -> str:
    """A distinct nine-digit number that is neither a valid BSN nor an onderwijsnummer."""
    k = 0
    while True:
        kandidaat = f"9{n:04d}{k:04d}"
        if not stdnum_bsn.is_valid(kandidaat):
            return kandidaat
        k += 1


def terugkoppeling_xml(
    levering, *, geaccepteerd=(), afgekeurd=(), sha256: str | None = None, volgnummer: int | None = None
) -> bytes:
    """A response file: ``afgekeurd`` holds (key, code, message[, element])."""
    root = etree.Element("rodTerugkoppeling", formaatversie="1")
    kop = etree.SubElement(root, "kop")
    etree.SubElement(kop, "brin").text = levering.instelling.brin
    etree.SubElement(kop, "volgnummer").text = str(volgnummer or levering.volgnummer)
    if sha256:
        etree.SubElement(kop, "sha256").text = sha256
    for sleutel in geaccepteerd:
        el = etree.SubElement(root, "geaccepteerd")
        etree.SubElement(el, "inschrijvingsvolgnummer").text = sleutel
    for sleutel, code, melding, *element in afgekeurd:
        el = etree.SubElement(root, "afgekeurd")
        etree.SubElement(el, "inschrijvingsvolgnummer").text = sleutel
        etree.SubElement(el, "code").text = code
        etree.SubElement(el, "melding").text = melding
        if element:
            etree.SubElement(el, "element").text = element[0]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def exporteer(datum=PEILDATUM, **kwargs) -> dict[str, services.Resultaat]:
    """Run the ROD export for the date; the results by BRIN."""
    return {r.instelling.brin: r for r in services.rod_exporteren(peildatum=datum, **kwargs)}


def vo_brin(route) -> str:
    return route.overeenkomst.vo_instelling.brin


def mbo_brin(route) -> str:
    return route.overeenkomst.mbo_instelling.brin

"""The monitoring page for a board (R-MON-2): the figures of registratie.monitoring (through
selectors.monitoring_met_bron; never computed again here), filtered to a route and cohorts, drawn
as server-rendered SVG bar charts with the numbers beside them, and exported as CSV and XLSX with
exactly the rows and columns shown.

The charts are plain SVG in the page: shapes with classes styled by the site's stylesheet, no
style attributes and no script, so the strict CSP (only this site's files) allows them."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from registratie.review.selectors import geheel
from registratie.selectors import MonitoringRij

# (figure, column label) in the order of the table, the CSV and the XLSX.
KOLOMMEN = (
    ("instroom", _("Instroom")),
    ("in_vo_fase", _("In vo-fase")),
    ("in_mbo_fase", _("In mbo-fase")),
    ("oneens", _("Registraties oneens")),
    ("overgangen", _("Naar mbo-fase")),
    ("uitstroom", _("Uitstroom")),
    ("vmbo_diplomas", _("vmbo-diploma")),
    ("mbo_diplomas", _("mbo-diploma")),
)

# Each chart: title and the figures it stacks side by side per route and cohort.
GRAFIEKEN = (
    (_("Leerlingen per fase"), ("in_vo_fase", "in_mbo_fase", "oneens")),
    (_("Instroom en overgang naar de mbo-fase"), ("instroom", "overgangen")),
    (_("Uitstroom en diploma's"), ("uitstroom", "vmbo_diplomas", "mbo_diplomas")),
)

BREEDTE, HOOGTE, MARGE_LINKS, MARGE_ONDER = 640, 220, 40, 48


@dataclass
class Keuze:
    leerroute: int | None
    cohorten: list[int]

    @classmethod
    def uit(cls, params) -> Keuze:
        cohorten = sorted({c for c in (geheel(v) for v in params.getlist("cohort")) if c is not None})
        return cls(leerroute=geheel(params.get("leerroute")), cohorten=cohorten)

    def filter(self, rijen: list[MonitoringRij]) -> list[MonitoringRij]:
        return [
            r
            for r in rijen
            if (self.leerroute is None or r.leerroute.pk == self.leerroute)
            and (not self.cohorten or r.cohort in self.cohorten)
        ]


def _label(rij: MonitoringRij) -> str:
    if rij.cohort is None and getattr(rij, "alle_cohorten", False):
        return rij.leerroute.naam
    return f"{rij.leerroute.naam} {rij.cohort_label}"


def per_route(rijen: list[MonitoringRij]) -> list[MonitoringRij]:
    """The rows summed over their cohorts, one per route: what the charts show when no route is
    chosen (a board's overview); choosing a route compares its cohorts."""
    totaal: dict[int, MonitoringRij] = {}
    for r in rijen:
        t = totaal.get(r.leerroute.pk)
        if t is None:
            t = totaal[r.leerroute.pk] = MonitoringRij(leerroute=r.leerroute, cohort=None)
            t.alle_cohorten = True
        for f, _l in KOLOMMEN:
            setattr(t, f, getattr(t, f) + getattr(r, f))
    return list(totaal.values())


@dataclass
class Staaf:
    x: float
    y: float
    breedte: float
    hoogte: float
    reeks: int
    waarde: int
    titel: str


def grafiek(titel, figuren: tuple[str, ...], rijen: list[MonitoringRij]) -> dict:
    """One grouped bar chart: a group per row (route and cohort), a bar per figure. Coordinates
    for the template; the numbers go in the table beside it."""
    labels = dict(KOLOMMEN)
    hoogste = max((getattr(r, f) for r in rijen for f in figuren), default=0) or 1
    plot_b, plot_h = BREEDTE - MARGE_LINKS - 8, HOOGTE - MARGE_ONDER - 8
    groep_b = plot_b / max(len(rijen), 1)
    staaf_b = max(groep_b * 0.8 / len(figuren), 1)
    staven, groepen = [], []
    for i, r in enumerate(rijen):
        x0 = MARGE_LINKS + i * groep_b + groep_b * 0.1
        groepen.append({"x": x0 + groep_b * 0.4, "label": _label(r)})
        for j, f in enumerate(figuren):
            waarde = getattr(r, f)
            h = plot_h * waarde / hoogste
            staven.append(
                Staaf(
                    x=round(x0 + j * staaf_b, 1),
                    y=round(8 + plot_h - h, 1),
                    breedte=round(staaf_b - 1, 1),
                    hoogte=round(h, 1),
                    reeks=j + 1,
                    waarde=waarde,
                    titel=f"{_label(r)}: {labels[f]} {waarde}",
                )
            )
    return {
        "titel": titel,
        "breedte": BREEDTE,
        "hoogte": HOOGTE,
        "as_y": 8 + plot_h,
        "links": MARGE_LINKS,
        "hoogste": hoogste,
        "staven": staven,
        "groepen": groepen,
        "legenda": [{"reeks": j + 1, "label": labels[f]} for j, f in enumerate(figuren)],
        "kolommen": [labels[f] for f in figuren],
        "rijen": [(_label(r), [getattr(r, f) for f in figuren]) for r in rijen],
    }


def grafieken(rijen: list[MonitoringRij], *, route_gekozen: bool) -> list[dict]:
    """Per cohort of the chosen route, else per route over all cohorts."""
    getoond = rijen if route_gekozen else per_route(rijen)
    return [grafiek(titel, figuren, getoond) for titel, figuren in GRAFIEKEN]


def kopregel() -> list[str]:
    return [
        str(_("Route")),
        str(_("Cohort")),
        *(str(label) for _f, label in KOLOMMEN),
        str(_("Uitstroom per reden")),
        str(_("Uitstroom per bestemming")),
    ]


def tabel(rijen: list[MonitoringRij]) -> list[list]:
    """The rows exactly as the page's table shows them (the export writes these)."""
    return [
        [
            r.leerroute.naam,
            r.cohort_label,
            *(getattr(r, f) for f, _l in KOLOMMEN),
            "; ".join(f"{reden}: {n}" for reden, n in r.uitstroom_per_reden.items()),
            "; ".join(f"{b}: {n}" for b, n in r.uitstroom_per_bestemming.items()),
        ]
        for r in rijen
    ]


def als_csv(rijen: list[MonitoringRij], peildatum: datetime.date) -> bytes:
    uit = io.StringIO()
    schrijver = csv.writer(uit, delimiter=";")
    schrijver.writerow([str(_("Peildatum")), peildatum.isoformat()])
    schrijver.writerow(kopregel())
    schrijver.writerows(tabel(rijen))
    # A BOM so a spreadsheet opens the Dutch characters correctly.
    return ("\ufeff" + uit.getvalue()).encode("utf-8")


def als_xlsx(rijen: list[MonitoringRij], peildatum: datetime.date) -> bytes:
    from openpyxl import Workbook

    boek = Workbook()
    blad = boek.active
    blad.title = "Monitoring"
    blad.append([str(_("Peildatum")), peildatum])
    blad.append(kopregel())
    for rij in tabel(rijen):
        blad.append(rij)
    uit = io.BytesIO()
    boek.save(uit)
    return uit.getvalue()

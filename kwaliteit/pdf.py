"""The inspection dossier as a PDF (fpdf2: pure Python, so `make run` needs no system package).

The PDF uses the core Helvetica font, which knows Latin-1 only: the few other characters our
Dutch texts use (dashes, arrows) are replaced by their plain equivalents."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kwaliteit.dossier import STANDAARDEN, Dossier

_VERVANG = str.maketrans({"–": "-", "—": "-", "→": "->", "•": "*", "‘": "'", "’": "'", "“": '"', "”": '"'})


def _t(waarde) -> str:
    return str(waarde).translate(_VERVANG).encode("latin-1", "replace").decode("latin-1")


def _datum(d) -> str:
    return date_format(d, "j F Y") if d else "-"


class _Pdf(FPDF):
    def kop(self, tekst: str, grootte: int = 13):
        self.ln(2)
        self.set_font("helvetica", "B", grootte)
        self.multi_cell(0, 7, _t(tekst), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("helvetica", "", 10)

    def alinea(self, tekst: str):
        self.multi_cell(0, 5, _t(tekst), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def tabel(self, rijen: list[list], breedtes: tuple | None = None):
        if len(rijen) < 2:
            return
        self.set_font("helvetica", "", 9)
        with self.table(col_widths=breedtes, first_row_as_headings=True) as tabel:
            for rij in rijen:
                r = tabel.row()
                for cel in rij:
                    r.cell(_t(cel))
        self.set_font("helvetica", "", 10)
        self.ln(2)


def _ska(pdf: _Pdf, d: Dossier):
    o, r = d.overeenkomst, d.route
    pdf.kop(STANDAARDEN["ska"])
    pdf.alinea(
        _("Overeenkomst: %(n)s (%(s)s), %(st)s, van %(van)s tot %(tot)s.")
        % {
            "n": o.naam,
            "s": o.get_soort_display(),
            "st": o.get_status_display(),
            "van": _datum(o.ingangsdatum),
            "tot": _datum(o.einddatum) if o.einddatum else _("onbepaald"),
        }
    )
    pdf.tabel(
        [[_("Vereist onderdeel (R-SOK-2, R-SOK-4)"), _("Status")]]
        + [[naam, _("vastgelegd") if ok else _("ontbreekt")] for naam, ok in d.overeenkomst_onderdelen]
    )
    pdf.kop(_("Bestuur en projectorganisatie"), 11)
    pdf.alinea(
        _("Route: %(st)s; RIO: %(rio)s%(k)s; eerste instroom %(start)s; coördinatoren: %(c)s.")
        % {
            "st": r.get_status_display(),
            "rio": r.get_rio_status_display(),
            "k": f" ({r.rio_kenmerk})" if r.rio_kenmerk else "",
            "start": _datum(r.startdatum),
            "c": d.coordinatoren,
        }
    )
    if d.projectorganisatie and d.projectorganisatie.notities:
        pdf.alinea(d.projectorganisatie.notities)
    pdf.tabel(
        [[_("Stap"), _("Status"), _("Streefdatum"), _("Documenten")]]
        + [
            [s.get_code_display(), s.get_status_display(), _datum(s.streefdatum), s.aantal_documenten]
            for s in d.stappen
        ],
        (60, 25, 25, 20),
    )
    pdf.kop(_("Evaluaties (R-MON-2)"), 11)
    if not d.evaluaties:
        pdf.alinea(_("Nog geen evaluaties vastgelegd."))
    for e in d.evaluaties:
        pdf.set_font("helvetica", "B", 10)
        pdf.alinea(
            _("Schooljaar %(j)s (cijfers per %(p)s)") % {"j": e.schooljaar_label, "p": _datum(e.peildatum)}
        )
        pdf.set_font("helvetica", "", 10)
        for label, tekst in (
            (_("Doelen"), e.doelen),
            (_("Bereikt"), e.behaald),
            (_("Besluiten"), e.besluiten),
        ):
            pdf.alinea(f"{label}: {tekst or '-'}")


def _onderdelen(pdf: _Pdf, rijen, leeg: str):
    if not rijen:
        pdf.alinea(leeg)
        return
    pdf.tabel(
        [[_("Leerjaar route"), _("Onderdeel"), _("Gemengd team")]]
        + [[o.routejaar, o.naam, _("ja") if o.teambevoegdheid else _("nee")] for o in rijen],
        (25, 120, 25),
    )


def _examenregeling(pdf: _Pdf, d: Dossier):
    stap = d.examenregeling
    if stap is not None:
        pdf.alinea(
            _("Examenregeling (stappenplan): %(s)s. %(n)s")
            % {"s": stap.get_status_display(), "n": stap.notities}
        )


def _op6(pdf: _Pdf, d: Dossier):
    pdf.kop(STANDAARDEN["op6"])
    pdf.alinea(
        _("Het vmbo-deel van de gecombineerde PTA/OER (R-LR-7); geëxamineerd door %(vo)s.")
        % {"vo": d.overeenkomst.vo_instelling.naam}
    )
    _onderdelen(pdf, d.vo_onderdelen, _("Geen onderdelen die de vo-school examineert."))
    _examenregeling(pdf, d)


def _ba(pdf: _Pdf, d: Dossier):
    r = d.route
    pdf.kop(STANDAARDEN["ba"])
    pdf.alinea(
        _("Het mbo-deel: kwalificatie %(k)s; geëxamineerd en gediplomeerd door %(mbo)s.%(lwt)s")
        % {
            "k": r.kwalificatie,
            "mbo": d.overeenkomst.mbo_instelling.naam,
            "lwt": (" " + _("Met leerwerktraject (eigen overeenkomst).")) if r.omvat_leerwerktraject else "",
        }
    )
    _onderdelen(pdf, d.mbo_onderdelen, _("Geen onderdelen die de mbo-instelling examineert."))
    _examenregeling(pdf, d)


def _resultaten(pdf: _Pdf, d: Dossier):
    pdf.kop(STANDAARDEN["resultaten"])
    pdf.alinea(
        _("Per cohort (schooljaar van routejaar 1), aantallen per %(p)s.") % {"p": _datum(d.peildatum)}
    )
    if not d.cohorten:
        pdf.alinea(_("Nog geen leerlingen in deze route."))
        return
    pdf.tabel(
        [[_("Cohort"), *[c["cohort_label"] for c in d.cohorten]]]
        + [[label, *w] for label, w in d.cijferregels]
    )
    for c in d.cohorten:
        if c.get("uitstroom"):
            redenen = "; ".join(f"{k}: {n}" for k, n in c.get("uitstroom_per_reden", {}).items())
            pdf.alinea(_("Uitstroom cohort %(c)s: %(r)s") % {"c": c["cohort_label"], "r": redenen})


def als_pdf(d: Dossier) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.set_title(_t(_("Inspectiedossier %(r)s") % {"r": d.route.naam}))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.kop(_("Inspectiedossier leerroute (R-MON-1)"), 16)
    pdf.alinea(f"{d.route.naam} - {d.overeenkomst.vo_instelling.naam} / {d.overeenkomst.mbo_instelling.naam}")
    pdf.alinea(
        _("Gegenereerd op %(g)s; peildatum van de gegevens: %(p)s. Alleen aantallen, geen persoonsgegevens.")
        % {"g": date_format(d.gegenereerd_op, "j F Y H:i"), "p": _datum(d.peildatum)}
    )
    for sectie in (_ska, _op6, _ba, _resultaten):
        sectie(pdf, d)
    return bytes(pdf.output())

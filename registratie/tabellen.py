"""The administrator's lists of issue 12 as django-tables2 tables: the dual list and the mbo
worklist. Only columns whose order an index serves are sortable, so a sorted page still stops
after its rows instead of sorting every route student in scope (see the indexes named below)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from samenwerking.tabel import Tabel


def _periode(start, einde) -> str:
    return f"{date_format(start, 'd-m-Y')} – {date_format(einde, 'd-m-Y') if einde else _('lopend')}"


def _leerling_link(record):
    return format_html(
        '<a href="{}">{}</a>', reverse("registratie:leerling", args=[record.leerling_id]), record.leerling
    )


class DubbeleLijstTabel(Tabel):
    """One row per vo-inschrijving of a route student, the mbo side beside it (registratie.dubbel)."""

    caption = _("Routeleerlingen met de vo- en de mbo-inschrijving")

    leerling = tables.Column(verbose_name=_("Leerling"), orderable=False, empty_values=())
    route = tables.Column(verbose_name=_("Route / cohort"), orderable=False, empty_values=())
    vo_instelling = tables.Column(
        accessor="instelling__naam", verbose_name=_("vo-instelling"), orderable=False
    )
    vo_kenmerk = tables.Column(verbose_name=_("vo kenmerk / fase"), orderable=False, empty_values=())
    # inschrijving_vo_start_idx serves this order (and its reverse).
    startdatum = tables.Column(verbose_name=_("vo start – einde"), order_by=("startdatum", "id"))
    mbo_instelling = tables.Column(
        accessor="mbo_instelling_naam", verbose_name=_("mbo-instelling"), orderable=False, empty_values=()
    )
    mbo_kenmerk = tables.Column(verbose_name=_("mbo kenmerk / fase"), orderable=False, empty_values=())
    mbo_periode = tables.Column(verbose_name=_("mbo start – einde"), orderable=False, empty_values=())
    afwijking = tables.Column(verbose_name=_("Afwijking"), orderable=False, empty_values=())

    class Meta(Tabel.Meta):
        attrs = {"class": "tabel dubbel"}
        row_attrs = {"class": lambda record: "afwijking" if record.afwijking else ""}
        empty_text = _("Geen routeleerlingen gevonden.")

    def render_leerling(self, record):
        return _leerling_link(record)

    def render_route(self, record):
        return f"{record.leerroute.naam} / {record.cohort}"

    def render_vo_kenmerk(self, record):
        return f"{record.opleidingskenmerk} / {record.fase}"

    def render_startdatum(self, record):
        return _periode(record.startdatum, record.einddatum)

    def render_mbo_instelling(self, record):
        return record.mbo_instelling_naam or _("geen mbo-inschrijving")

    def render_mbo_kenmerk(self, record):
        return f"{record.mbo_opleidingskenmerk} / {record.mbo_fase}" if record.mbo_fase else "–"

    def render_mbo_periode(self, record):
        return _periode(record.mbo_startdatum, record.mbo_einddatum) if record.mbo_fase else "–"

    def render_afwijking(self, record):
        if not record.afwijking:
            return "–"
        return format_html('<strong class="regel-id">{}</strong>', record.afwijking)


class WerklijstMboTabel(Tabel):
    """R-INS-3: route students without an mbo-inschrijving yet (registratie.dubbel.werklijst_mbo);
    each row has a checkbox for "complete together" and opens its own inline form."""

    caption = _("Routeleerlingen zonder mbo-inschrijving")

    kies = tables.Column(verbose_name=_("Kies"), orderable=False, empty_values=())
    leerling = tables.Column(verbose_name=_("Leerling"), orderable=False, empty_values=())
    route = tables.Column(accessor="leerroute__naam", verbose_name=_("Route"), orderable=False)
    crebo = tables.Column(accessor="leerroute__kwalificatie__crebo", verbose_name=_("Crebo"), orderable=False)
    kenmerk = tables.Column(verbose_name=_("Kenmerk / fase"), orderable=False, empty_values=())
    # inschrijving_werklijst_idx (routestartjaar, id) serves this order (and its reverse).
    cohort = tables.Column(verbose_name=_("mbo-fase vanaf"), order_by=("cohort", "id"))
    actie = tables.Column(verbose_name=_("Actie"), orderable=False, empty_values=())

    class Meta(Tabel.Meta):
        template_name = "registratie/_werklijst_tabel.html"
        row_attrs = {"id": lambda record: f"rij-{record.pk}"}
        empty_text = _("Geen routeleerlingen zonder mbo-inschrijving.")

    def render_kies(self, record):
        return format_html(
            '<input type="checkbox" name="gekozen" value="{0}" id="kies-{0}" aria-label="{1}">',
            record.pk,
            _("Kies %(l)s") % {"l": record.leerling},
        )

    def render_leerling(self, record):
        return _leerling_link(record)

    def render_kenmerk(self, record):
        return f"{record.opleidingskenmerk} / {record.get_fase_display()}"

    def render_cohort(self, value):
        return f"1-8-{value + 2}"

    def render_actie(self, record):
        url = reverse("registratie:mbo-aanvullen", args=[record.pk])
        return format_html(
            '<a href="{0}" hx-get="{0}" hx-target="#rij-{1}-formulier" hx-swap="innerHTML">{2}</a>',
            url,
            record.pk,
            _("mbo-kant invullen"),
        )

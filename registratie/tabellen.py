"""The administrator's lists of issue 12 as django-tables2 tables: the dual list and the mbo
worklist. Only columns whose order an index serves are sortable, so a sorted page still stops
after its rows instead of sorting every route student in scope (see the indexes named below).

The columns give the headers, the sorting and the paging; each table's template writes its rows
from the record (templates/registratie/_dubbele_lijst_tabel.html, _werklijst_tabel.html), as a
cell rendered through django-tables2's column machinery costs about 0.1 ms, 450 per page."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from samenwerking.tabel import Tabel


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
        template_name = "registratie/_dubbele_lijst_tabel.html"
        attrs = {"class": "tabel dubbel"}
        empty_text = _("Geen routeleerlingen gevonden.")


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
        empty_text = _("Geen routeleerlingen zonder mbo-inschrijving.")

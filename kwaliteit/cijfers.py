"""The one adapter onto the monitoring figures (R-MON-2): evaluations and the dossier read them
through registratie.selectors.monitoring, never computing figures of their own."""

from __future__ import annotations

import dataclasses
import datetime

from django.utils.translation import gettext_lazy as _

from registratie import fase, selectors

# The figures shown per cohort, in this order, with their labels. A figure the monitoring adds
# later is kept in the frozen snapshot and simply not shown until it gets a label here.
LABELS = {
    "instroom": _("Instroom"),
    "in_vo_fase": _("In vo-fase"),
    "in_mbo_fase": _("In mbo-fase"),
    "oneens": _("Registraties oneens"),
    "overgangen": _("Naar de mbo-fase"),
    "vmbo_diplomas": _("vmbo-diploma"),
    "mbo_diplomas": _("mbo-diploma"),
    "uitstroom": _("Uitstroom (uitval en overstap)"),
}
SOMMEN = ("instroom", "overgangen", "vmbo_diplomas", "mbo_diplomas", "uitstroom")


def _als_dict(rij) -> dict:
    d = {f.name: getattr(rij, f.name) for f in dataclasses.fields(rij) if f.name != "leerroute"}
    d["cohort_label"] = rij.cohort_label
    return d


def route_cijfers(user, route, peildatum: datetime.date) -> list[dict]:
    """The monitoring rows of one route, per cohort, as JSON-safe dicts, as ``user`` sees them on
    ``peildatum``. Cohorts that start after ``peildatum`` are left out: the monitoring counts every
    enrolment it knows, also one registered ahead for a later school year."""
    laatste = fase.schooljaar(peildatum)
    return [
        _als_dict(r)
        for r in selectors.monitoring(user, peildatum=peildatum)
        if r.leerroute.pk == route.pk and (r.cohort is None or r.cohort <= laatste)
    ]


def regels(cohorten: list[dict]) -> list[tuple[str, list]]:
    """(label, value per cohort) for the figures present in a snapshot, in LABELS order."""
    return [
        (str(label), [c.get(k, 0) for c in cohorten])
        for k, label in LABELS.items()
        if any(k in c for c in cohorten)
    ]


def totalen(cohorten: list[dict]) -> dict[str, int]:
    """The sums over all cohorts of the figures that add up (not the 'now in fase' counts)."""
    return {k: sum(c.get(k, 0) for c in cohorten) for k in SOMMEN}

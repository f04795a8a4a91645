"""Reads of the administrator's lists (issue 12): the dual list (vo and mbo side by side) and the
mbo intake worklist.

One row per running or ended vo-inschrijving of a route student; the mbo side of the same route
comes in as correlated subqueries, each an index probe on inschrijving_leerling_kant_idx, so a
page costs the same at any size. Lists page without a total (samenwerking.paginering).
"""

from __future__ import annotations

import django_filters
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models import CharField as CharVeld
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from leerroute.models import Leerroute
from registratie import fase
from registratie.models import Fase, Inschrijving, Sector
from samenwerking import scope

MBO_VELDEN = ("instelling__naam", "fase", "opleidingskenmerk", "startdatum", "einddatum")


def _mbo_kant():
    """The latest mbo-inschrijving of the same student in the same route."""
    return Inschrijving.objects.filter(
        leerling_id=OuterRef("leerling_id"), leerroute_id=OuterRef("leerroute_id"), sector=Sector.MBO
    ).order_by(F("einddatum").desc(nulls_first=True), "-startdatum")


def dubbele_lijst(user):
    """Route students in scope: the vo side, with the mbo side and the disagreement annotated."""
    mbo = _mbo_kant()
    qs = (
        Inschrijving.objects.for_user(user)
        .filter(sector=Sector.VO)
        .select_related("leerling", "leerroute", "instelling")
        .annotate(
            cohort=fase.routestartjaar_expr(),
            **{f"mbo_{v.replace('__', '_')}": Subquery(mbo.values(v)[:1]) for v in MBO_VELDEN},
        )
    )
    # Newest first unless a column header asks otherwise (registratie.tabellen): the key's index.
    return qs.annotate(afwijking=_afwijking()).order_by("-id")


def _afwijking():
    """The rule the two sides break, or "" (R-INS-6: same opleidingskenmerk and fase; R-INS-3:
    the mbo side exists from the mbo-fase)."""
    lopend = Q(einddatum__isnull=True)
    return Case(
        When(lopend & Q(fase=Fase.MBO, mbo_fase__isnull=True), then=Value("R-INS-3")),
        When(lopend & Q(mbo_fase__isnull=False) & ~Q(mbo_fase=F("fase")), then=Value("R-INS-6")),
        When(
            lopend
            & Q(mbo_opleidingskenmerk__isnull=False)
            & ~Q(mbo_opleidingskenmerk=F("opleidingskenmerk")),
            then=Value("R-INS-6"),
        ),
        default=Value(""),
        output_field=CharVeld(),
    )


def _mbo_sleutel():
    """fase|opleidingskenmerk of the mbo side: one index probe per row, where the annotated
    afwijking reads the mbo side's columns one subquery each."""
    return Subquery(_mbo_kant().annotate(s=Concat("fase", Value("|"), "opleidingskenmerk")).values("s")[:1])


def _eigen_sleutel():
    return Concat(F("fase"), Value("|"), F("opleidingskenmerk"), output_field=CharVeld())


def _vergelijk_sleutel():
    """What the vo row's own fase|opleidingskenmerk must equal: the mbo side's, or without one,
    "" in the mbo-fase (so R-INS-3 always differs) and else the row's own (nothing to break).
    One expression, so PostgreSQL probes the mbo side once per scanned row (``a IS NULL OR a <> b``
    over the same subquery runs it twice)."""
    zonder_mbo = Case(When(fase=Fase.MBO, then=Value("")), default=_eigen_sleutel(), output_field=CharVeld())
    return Coalesce(_mbo_sleutel(), zonder_mbo, output_field=CharVeld())


def _afwijkend() -> Q:
    """The rows whose ``afwijking`` is not empty (the same rules as ``_afwijking``), given the
    alias ``vergelijk`` (``_vergelijk_sleutel``): no probe for an ended row."""
    return Q(einddatum__isnull=True) & ~Q(vergelijk=_eigen_sleutel())


class DubbeleLijstFilter(django_filters.FilterSet):
    leerroute = django_filters.ModelChoiceFilter(label=_("Route"), queryset=Leerroute.objects.none())
    cohort = django_filters.NumberFilter(label=_("Cohort (startjaar routejaar 1)"), method="_cohort")
    fase = django_filters.ChoiceFilter(label=_("Fase"), choices=Fase.choices, empty_label=_("alle"))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=(("lopend", _("lopend")), ("beeindigd", _("beëindigd"))),
        empty_label=_("alle"),
        method="_status",
    )
    afwijkingen = django_filters.BooleanFilter(
        label=_("Alleen afwijkingen"),
        method="_afwijkingen",
        widget=django_filters.widgets.forms.CheckboxInput,
    )

    class Meta:
        model = Inschrijving
        fields = ["leerroute", "cohort", "fase", "status", "afwijkingen"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["leerroute"].queryset = Leerroute.objects.for_user(user).order_by("naam")

    def _cohort(self, qs, name, value):
        return qs.filter(cohort=value) if value is not None else qs

    def _status(self, qs, name, value):
        if value == "lopend":
            return qs.filter(einddatum__isnull=True)
        if value == "beeindigd":
            return qs.filter(einddatum__isnull=False)
        return qs

    def _afwijkingen(self, qs, name, value):
        return qs.alias(vergelijk=_vergelijk_sleutel()).filter(_afwijkend()) if value else qs


# --- the mbo intake worklist ------------------------------------------------------------------------


def werklijst_mbo(user):
    """R-INS-3: running vo-inschrijvingen of routes whose mbo side is the user's instelling (to
    change), without a running mbo-inschrijving yet; the ones whose mbo-fase starts soonest first."""
    s = scope.scope_for(user)
    qs = Inschrijving.objects.for_user(user).filter(sector=Sector.VO, einddatum__isnull=True)
    if not s.alles:
        # The routes as a short key list first (a few per school): with a join to the agreement
        # the planner walks the whole ordering index filtering row by row, and a user who manages
        # no mbo side (a vo beheerder) walked every running vo row to show an empty page.
        routes = list(
            Leerroute.objects.filter(overeenkomst__mbo_instelling__in=s.beheer).values_list("pk", flat=True)
        )
        if not routes:
            return qs.none()
        qs = qs.filter(leerroute_id__in=routes)
    zonder_mbo = ~Exists(
        Inschrijving.objects.filter(
            leerling_id=OuterRef("leerling_id"),
            leerroute_id=OuterRef("leerroute_id"),
            sector=Sector.MBO,
            einddatum__isnull=True,
        )
    )
    return (
        qs.filter(zonder_mbo)
        .select_related("leerling", "leerroute", "leerroute__kwalificatie", "instelling")
        .annotate(cohort=fase.routestartjaar_expr())
        .order_by("cohort", "id")
    )

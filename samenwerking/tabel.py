"""The base of every list on a screen (django-tables2): one template (templates/_tabel.html), a
caption for screen readers, sorting by column header and paging without a total.

``instellen`` applies the request's sort and page. It pages like django-tables2's LazyPaginator,
reading one row beyond the page (``per_page + 1``) instead of counting the set, but in two steps
(``SleutelsEerstPaginator``): the page's keys, then those rows. A list whose rows carry subqueries
(the dual list's mbo side) then pays them for its 50 rows only; with a plain OFFSET PostgreSQL
computes them for every skipped row too. The number of rows per page is fixed: the request cannot
raise it.
"""

from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import EmptyPage, Page
from django_tables2.paginators import LazyPaginator
from django_tables2.rows import BoundRows

from samenwerking.paginering import paginanummer

PER_PAGINA = 50
SORTEER_VELD = "sort"
PAGINA_VELD = "pagina"


class Tabel(tables.Table):
    """A list of a screen; ``caption`` names it for screen readers."""

    caption = ""

    class Meta:
        template_name = "_tabel.html"
        order_by_field = SORTEER_VELD
        page_field = PAGINA_VELD
        per_page_field = None


class SleutelsEerstPaginator(LazyPaginator):
    """LazyPaginator over a table's queryset that reads the page's keys first (the skipped rows
    cost an index step each), then the rows of those keys in that order."""

    def page(self, number):
        number = self.validate_number(number or 1)
        rijen = self.object_list  # BoundRows over the table's (sorted) queryset
        qs = rijen.data.data
        begin = (number - 1) * self.per_page
        sleutels = list(qs.values_list("pk", flat=True)[begin : begin + self.per_page + 1])
        if not sleutels and number != 1:
            raise EmptyPage
        meer = len(sleutels) > self.per_page
        sleutels = sleutels[: self.per_page]
        per_sleutel = {r.pk: r for r in qs.filter(pk__in=sleutels).order_by()} if sleutels else {}
        self._num_pages = number + 1 if meer else number
        self._final_num_pages = None if meer else number
        records = [per_sleutel[k] for k in sleutels]
        return Page(BoundRows(records, table=rijen.table), number, self)


def instellen(request, tabel: Tabel, per_pagina: int = PER_PAGINA) -> Tabel:
    """Sort by the column(s) asked for (any other name is ignored) and show the page asked for
    (anything that is not a page with rows shows page 1)."""
    tabel.request = request
    sortering = request.GET.getlist(tabel.prefixed_order_by_field)
    if sortering:
        tabel.order_by = sortering
    try:
        tabel.paginate(
            SleutelsEerstPaginator, per_page=per_pagina, page=paginanummer(request.GET.get(PAGINA_VELD))
        )
    except EmptyPage:
        tabel.paginate(SleutelsEerstPaginator, per_page=per_pagina, page=1)
    return tabel


def gesorteerd(request, tabel: Tabel):
    """The table's rows in the order the request asks for, unpaged (for a download of what the
    list shows): the queryset itself, to stream."""
    sortering = request.GET.getlist(tabel.prefixed_order_by_field)
    if sortering:
        tabel.order_by = sortering
    return tabel.data.data

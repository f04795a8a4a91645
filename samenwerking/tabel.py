"""The base of every list on a screen (django-tables2): one template (templates/_tabel.html), a
caption for screen readers, sorting by column header and paging without a total.

``instellen`` applies the request's sort and page. It pages with django-tables2's LazyPaginator,
which reads one row beyond the page (``per_page + 1``) instead of counting the set, so a page costs
the same at any size. The number of rows per page is fixed: the request cannot raise it.
"""

from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import EmptyPage
from django_tables2.paginators import LazyPaginator

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


def instellen(request, tabel: Tabel, per_pagina: int = PER_PAGINA) -> Tabel:
    """Sort by the column(s) asked for (any other name is ignored) and show the page asked for
    (anything that is not a page with rows shows page 1)."""
    tabel.request = request
    sortering = request.GET.getlist(tabel.prefixed_order_by_field)
    if sortering:
        tabel.order_by = sortering
    try:
        tabel.paginate(LazyPaginator, per_page=per_pagina, page=paginanummer(request.GET.get(PAGINA_VELD)))
    except EmptyPage:
        tabel.paginate(LazyPaginator, per_page=per_pagina, page=1)
    return tabel


def gesorteerd(request, tabel: Tabel):
    """The table's rows in the order the request asks for, unpaged (for a download of what the
    list shows): the queryset itself, to stream."""
    sortering = request.GET.getlist(tabel.prefixed_order_by_field)
    if sortering:
        tabel.order_by = sortering
    return tabel.data.data

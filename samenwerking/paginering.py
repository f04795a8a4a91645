"""Paging that stays cheap on a huge scoped set: never an exact COUNT over everything.

- ``pagineer`` (screens and the API): previous/next paging. A page reads ``per_pagina + 1`` rows;
  the extra row only says whether a next page exists.
- ``BegrensdePaginator`` (the admin's changelists, which need a total for their page links):
  counts at most a few pages beyond the page shown (``SELECT count(*) FROM (... LIMIT n + 1)``),
  and says "more than" beyond that.

Both cost what one page costs, whatever the table size, so a list runs a fixed number of queries
whose time does not grow with the number of students.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

GRENS = 1_000
PAGINAS_VOORUIT = 5  # the admin counts this many pages beyond the one shown


def begrensd_aantal(queryset, grens: int) -> str:
    """The number of rows as text, counted up to ``grens``: "meer dan 1.000" beyond it. For a
    figure on a page, where the exact size of a huge set is not worth a full scan."""
    n = queryset.order_by()[: grens + 1].count()
    if n > grens:
        return _("meer dan %(grens)s") % {"grens": number_format(grens, force_grouping=True)}
    return number_format(n, force_grouping=True)


def verschillende_waarden(queryset, veld: str) -> list:
    """The distinct values of an indexed column in ``queryset``, sorted, in one query that costs
    the number of values, not of rows: a loose index scan (from each value to the next), where
    a DISTINCT reads every row. For filter choices over a huge set."""
    try:
        sql, params = queryset.order_by().values(veld).query.sql_with_params()
    except EmptyResultSet:  # .none(): a user without a role
        return []
    kolom = connection.ops.quote_name(veld)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE r(w) AS (SELECT min(s.{kolom}) FROM ({sql}) s"
            f" UNION ALL SELECT (SELECT min(s.{kolom}) FROM ({sql}) s WHERE s.{kolom} > r.w)"
            " FROM r WHERE r.w IS NOT NULL) SELECT w FROM r WHERE w IS NOT NULL",
            (*params, *params),
        )
        return [w for (w,) in cursor.fetchall()]


def paginanummer(waarde) -> int:
    """The page asked for; anything that is not a positive whole number is page 1."""
    try:
        nummer = int(waarde)
    except (TypeError, ValueError):
        return 1
    return nummer if nummer >= 1 else 1


class Pagina:
    """One page of a list, with the parts of Django's ``Page`` that templates use (no total)."""

    def __init__(self, rijen: list, nummer: int, per_pagina: int):
        self.number = nummer
        self.has_next = len(rijen) > per_pagina
        self.object_list = rijen[:per_pagina]
        self.has_previous = nummer > 1
        self.has_other_pages = self.has_previous or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def pagineer(queryset, nummer, per_pagina: int) -> Pagina:
    """Page ``nummer`` (any input; see ``paginanummer``) of an ordered queryset, in one query."""
    nummer = paginanummer(nummer)
    begin = (nummer - 1) * per_pagina
    return Pagina(list(queryset[begin : begin + per_pagina + 1]), nummer, per_pagina)


def pagineer_sleutels_eerst(queryset, nummer, per_pagina: int) -> Pagina:
    """``pagineer`` for a queryset that joins related rows (select_related): the page's keys are
    read first without the joins, in a subquery (``id IN (SELECT id … ORDER BY … LIMIT n)``),
    so the index of the order serves it; only those rows are then joined. Still one query. (With
    the joins in the same SELECT, PostgreSQL joins every filtered row before its sort.)"""
    nummer = paginanummer(nummer)
    begin = (nummer - 1) * per_pagina
    sleutels = queryset.values("pk")[begin : begin + per_pagina + 1]
    rijen = list(queryset.filter(pk__in=sleutels))
    return Pagina(rijen, nummer, per_pagina)


class BegrensdePaginator(Paginator):
    """Django's paginator with a count that stops at ``grens`` rows; ``afgekapt`` says so. The
    admin sets the limit a few pages beyond the page asked for (ScopedAdmin.get_paginator), so
    one can page on while each page costs what its offset costs."""

    def __init__(self, *args, grens: int = GRENS, **kwargs):
        super().__init__(*args, **kwargs)
        self.grens = grens

    @cached_property
    def gemeten(self) -> int:
        """Rows counted, at most ``grens + 1`` (one query)."""
        if hasattr(self.object_list, "query"):
            return self.object_list[: self.grens + 1].count()
        return len(self.object_list)

    @property
    def count(self) -> int:
        return min(self.gemeten, self.grens)

    @property
    def afgekapt(self) -> bool:
        return self.gemeten > self.grens


class VolgendeVorigePaginering(BasePagination):
    """The API's paging: ``?page=N``, ``next`` and ``previous`` links, no ``count``."""

    page_query_param = "page"

    def paginate_queryset(self, queryset, request, view=None):
        from django.conf import settings

        self.request = request
        self.pagina = pagineer(
            queryset, request.query_params.get(self.page_query_param), settings.REST_FRAMEWORK["PAGE_SIZE"]
        )
        return list(self.pagina.object_list)

    def _link(self, nummer: int | None):
        if nummer is None:
            return None
        url = self.request.build_absolute_uri()
        if nummer == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, nummer)

    def get_paginated_response(self, data):
        p = self.pagina
        return Response(
            {
                "next": self._link(p.next_page_number() if p.has_next else None),
                "previous": self._link(p.previous_page_number() if p.has_previous else None),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Paginanummer (volgende/vorige; geen totaal).",
                "schema": {"type": "integer"},
            }
        ]

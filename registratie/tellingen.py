"""Two figures of the start page that cost a scan of a huge set to count live (issue 12, item 1),
stored by the nightly fase check (registratie.monitoring.verversen, in its transaction) and shown
with the time they were counted:

- the open signals per rule, grouped by the columns the signal's scope reads (instelling,
  partner, agreement), so a user's figure is the sum of the groups they may see: each signal is in
  exactly one group, so none counts twice;
- per route, the running vo-inschrijvingen without a running mbo-inschrijving (the mbo worklist,
  registratie.dubbel.werklijst_mbo): an anti-join no index can answer.

Both tables hold a few hundred rows at any number of students. Imported at the end of
registratie/models.py, so they belong to the registratie app.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Sum
from django.utils import timezone

from leerroute.models import Leerroute
from samenwerking import scope
from samenwerking.models import Instelling, Samenwerkingsovereenkomst

__all__ = ["MboWerklijstTelling", "SignaalTelling"]


class SignaalTelling(models.Model):
    regel = models.CharField(max_length=20)
    instelling = models.ForeignKey(Instelling, on_delete=models.CASCADE, null=True, related_name="+")
    partner_instelling = models.ForeignKey(Instelling, on_delete=models.CASCADE, null=True, related_name="+")
    overeenkomst = models.ForeignKey(
        Samenwerkingsovereenkomst, on_delete=models.CASCADE, null=True, related_name="+"
    )
    aantal = models.PositiveIntegerField()
    berekend_op = models.DateTimeField()

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str):
        from registratie.models import Signaal

        return Signaal.scope_q(s, action)

    def __str__(self):
        return f"{self.regel}: {self.aantal}"


class MboWerklijstTelling(models.Model):
    leerroute = models.ForeignKey(Leerroute, on_delete=models.CASCADE, related_name="+")
    aantal = models.PositiveIntegerField()
    berekend_op = models.DateTimeField()

    def __str__(self):
        return f"{self.leerroute_id}: {self.aantal}"


_SIGNALEN_SQL = """
INSERT INTO {telling} (regel, instelling_id, partner_instelling_id, overeenkomst_id, aantal, berekend_op)
SELECT regel, instelling_id, partner_instelling_id, overeenkomst_id, COUNT(*), %s
FROM {signaal} WHERE status IN (%s, %s)
GROUP BY regel, instelling_id, partner_instelling_id, overeenkomst_id
"""

# A row for every route, zero included: the rows also say that (and when) the check ran.
_WERKLIJST_SQL = """
INSERT INTO {telling} (leerroute_id, aantal, berekend_op)
SELECT r.id, COUNT(vo.id), %s
FROM {route} r LEFT JOIN {inschrijving} vo
  ON vo.leerroute_id = r.id AND vo.sector = 'vo' AND vo.einddatum IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM {inschrijving} mbo
    WHERE mbo.leerling_id = vo.leerling_id AND mbo.leerroute_id = vo.leerroute_id
      AND mbo.sector = 'mbo' AND mbo.einddatum IS NULL)
GROUP BY r.id
"""


def verversen(nu: datetime.datetime | None = None) -> None:
    """Replace both sets of figures: four statements whatever the number of students (an INSERT
    of a GROUP BY each; the nightly check's transaction)."""
    from registratie.models import Inschrijving, Signaal, SignaalStatus

    tijd = connection.ops.adapt_datetimefield_value(nu or timezone.now())
    tabel = {
        "signaal": Signaal._meta.db_table,
        "inschrijving": Inschrijving._meta.db_table,
        "route": Leerroute._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SignaalTelling._meta.db_table}")
        cursor.execute(
            _SIGNALEN_SQL.format(telling=SignaalTelling._meta.db_table, **tabel),
            [tijd, SignaalStatus.OPEN, SignaalStatus.OVERGEDRAGEN],
        )
        cursor.execute(f"DELETE FROM {MboWerklijstTelling._meta.db_table}")
        cursor.execute(_WERKLIJST_SQL.format(telling=MboWerklijstTelling._meta.db_table, **tabel), [tijd])


def _opgeslagen_op() -> datetime.datetime | None:
    """When the nightly check last stored these figures; None before its first run (or while there
    is no route). The worklist table has a row per route, so it marks the run even when the
    signal table is rightly empty."""
    return MboWerklijstTelling.objects.order_by().values_list("berekend_op", flat=True).first()


@dataclass
class Opgeslagen:
    waarde: object
    berekend_op: datetime.datetime


def signalen_per_regel(user) -> Opgeslagen | None:
    """[(rule, open signals)] the user may see, as last stored; None when nothing was stored."""
    berekend_op = _opgeslagen_op()
    if berekend_op is None:
        return None
    rijen = SignaalTelling.objects.for_user(user).order_by().values("regel").annotate(n=Sum("aantal"))
    return Opgeslagen(sorted((r["regel"], r["n"]) for r in rijen), berekend_op)


def nog_in_te_schrijven(user) -> Opgeslagen | None:
    """The mbo worklist's size for the user (routes whose mbo side they manage), as last stored;
    None when nothing was stored."""
    s = scope.scope_for(user)
    berekend_op = _opgeslagen_op()
    if berekend_op is None:
        return None
    rijen = MboWerklijstTelling.objects.all()
    if not s.alles:
        rijen = rijen.filter(leerroute__overeenkomst__mbo_instelling__in=s.beheer)
    return Opgeslagen(rijen.aggregate(n=Sum("aantal"))["n"] or 0, berekend_op)

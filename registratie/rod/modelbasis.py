"""What every ROD model shares: rows of one instelling that only its own beheerders see, and the
who/how fields of a row that came in from DUO or went out to it.

The rows name enrolments or hold a BSN, so they are the instelling's own: not its lezers, not the
partner school, not coordinators (the applicatiebeheerder sees everything, as everywhere). An
abstract base adds no table and no column: the models keep their schema.
"""

import functools

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samenwerking import scope
from samenwerking.models import Kanaal


class EigenBeheer(models.Model):
    """Scoped to the beheerders of the row's instelling. ``instelling_pad``: the lookup from the
    row to its instelling (``"levering__instelling"`` for a row of a delivery)."""

    instelling_pad = "instelling"

    objects = scope.ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, s: scope.Scope, action: str) -> Q:
        return Q(**{f"{cls.instelling_pad}__in": s.beheer})

    def audit_instellingen(self):
        *via, laatste = self.instelling_pad.split("__")
        houder = functools.reduce(getattr, via, self)
        return getattr(houder, f"{laatste}_id"), None


class VanDuo(EigenBeheer):
    """A row read from what DUO sent (a feedback or snapshot file): by default through an import."""

    kanaal = models.CharField(_("kanaal"), max_length=10, choices=Kanaal.choices, default=Kanaal.IMPORT)

    class Meta:
        abstract = True


def door_veld(verbose_name: str) -> models.ForeignKey:
    """The user who made or read the row in; the row stays when the account is removed (the
    audit trail keeps the name)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )

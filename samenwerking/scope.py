"""The one answer to "which rows may this user see (or change)".

Every model that holds domain data has a static ``scope_q(scope, action)`` that turns a user's
Scope into a filter; ``Model.objects.for_user(user, action)`` applies it. Views, the admin, the
API, exports, imports and jobs all go through ``for_user``; objects outside it answer 404.

Roles (samenwerking.models.Rol):
- applicatiebeheerder: everything;
- beheerder of an instelling: views its own rows and what its routes share with the partner
  school, changes its own rows;
- lezer of an instelling: views like a beheerder, changes nothing;
- coordinator of an agreement: views the agreement, its routes, their students and enrolments.

Shapes that stay fast at any size (read EXPLAIN on the ``make bench`` seed before changing one):
IN-lists of the user's own keys, joins along single-valued foreign keys, an IN-subquery over a
small key set (the routes in scope), or an EXISTS per row (a student: ``instelling IN (own) OR
EXISTS (an enrolment in scope)``, which PostgreSQL probes by index, so a list walks its ordering
index and stops at the page). Never ``a IN (...) OR id IN (subquery over a big table)``: that
subquery becomes a per-row SubPlan once it outgrows work_mem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Scope:
    alles: bool = False
    instellingen: frozenset[int] = field(default_factory=frozenset)  # beheerder or lezer
    beheer: frozenset[int] = field(default_factory=frozenset)  # beheerder only
    overeenkomsten: frozenset[int] = field(default_factory=frozenset)  # coordinator

    def instellingen_voor(self, action: str) -> frozenset[int]:
        return self.instellingen if action == VIEW else self.beheer

    def overeenkomsten_voor(self, action: str) -> frozenset[int]:
        """Coordinators view their agreements; changing them is for the schools' beheerders."""
        return self.overeenkomsten if action == VIEW else frozenset()

    def overeenkomst_q(self, action: str, path: str = "") -> Q:
        """Agreements this user may see/change, as a filter; ``path`` leads to the agreement
        ("" on the agreement itself, "leerroute__overeenkomst__" from an inschrijving)."""
        own = self.instellingen_voor(action)
        return (
            Q(**{f"{path}vo_instelling__in": own})
            | Q(**{f"{path}mbo_instelling__in": own})
            | Q(**{f"{path}id__in": self.overeenkomsten_voor(action)})
        )

    @property
    def heeft_rol(self) -> bool:
        return self.alles or bool(self.instellingen or self.overeenkomsten)


def scope_for(user) -> Scope:
    """The user's Scope, computed once per user object (and so once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, "_leerroute_scope", None)
    if cached is not None:
        return cached
    from samenwerking.models import Rol

    rows = list(user.lidmaatschappen.values_list("rol", "instelling_id", "overeenkomst_id"))
    result = Scope(
        alles=user.is_superuser or any(rol == Rol.APPLICATIEBEHEERDER for rol, _, _ in rows),
        instellingen=frozenset(i for rol, i, _ in rows if rol in (Rol.BEHEERDER, Rol.LEZER)),
        beheer=frozenset(i for rol, i, _ in rows if rol == Rol.BEHEERDER),
        overeenkomsten=frozenset(o for rol, _, o in rows if rol == Rol.COORDINATOR),
    )
    user._leerroute_scope = result
    return result


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user, action: str = VIEW):
        s = scope_for(user)
        if s.alles:
            return self
        if not s.heeft_rol:
            return self.none()
        # scope_q filters use subqueries, never multi-valued joins, so no distinct() is needed.
        return self.filter(self.model.scope_q(s, action))

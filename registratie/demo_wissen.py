"""Emptying the database before a new demo seed (``seed_demo --reset``, ``bench_seed --reset``):
``wis_alles`` removes every row of the domain apps with one DELETE per table, children first.
``registratie.demo`` re-exports it."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.db import connection, models, transaction

from registratie.demo_gegevens import DEMO_GEBRUIKERS
from samenwerking.models import Lidmaatschap

BEHOUDEN = frozenset({"leerroute.Kwalificatie", "samenwerking.AuditRegel", "samenwerking.Gebruiker"})
DOMEIN_APPS = ("samenwerking", "leerroute", "registratie")


def wis_alles() -> None:
    """Remove every row of the domain apps (students, enrolments, signals, deliveries, routes,
    agreements, instellingen, besturen) and the demo users' memberships. Qualifications, users,
    other users' applicatiebeheerder memberships and the audit trail stay.

    One DELETE per table, child tables first (the order follows the foreign keys, so tables that
    other engineers add are included); the ORM's cascade collector would load a million rows into
    memory first. Kept rows that point at removed rows get NULL (SET_NULL) or go (CASCADE).
    """
    bestaand = set(connection.introspection.table_names())
    wissen = [
        m
        for app in DOMEIN_APPS
        for m in django_apps.get_app_config(app).get_models()
        if m._meta.label not in BEHOUDEN and m._meta.db_table in bestaand
    ]
    volgorde = _kinderen_eerst(wissen)
    q = connection.ops.quote_name
    with transaction.atomic():
        for model in django_apps.get_models():
            if model in wissen or model._meta.db_table not in bestaand:
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in wissen:
                    rijen = model._base_manager.filter(**{f"{f.name}__isnull": False})
                    if f.remote_field.on_delete is models.SET_NULL:
                        rijen.update(**{f.name: None})
                    else:
                        rijen.delete()
        with connection.cursor() as cursor:
            for model in volgorde:
                sql = f"DELETE FROM {q(model._meta.db_table)}"
                if model is Lidmaatschap:  # an applicatiebeheerder's membership is of no instelling
                    sql += f" WHERE {q('instelling_id')} IS NOT NULL OR {q('overeenkomst_id')} IS NOT NULL"
                cursor.execute(sql)
        Lidmaatschap.objects.filter(gebruiker__username__in=DEMO_GEBRUIKERS).delete()


def _kinderen_eerst(modellen: list) -> list:
    """Order models so that a model comes before every model it has a foreign key to."""
    resterend, volgorde = list(modellen), []
    while resterend:
        for m in resterend:
            ouders_van_anderen = {
                f.related_model
                for other in resterend
                if other is not m
                for f in other._meta.concrete_fields
                if f.is_relation
            }
            if m not in ouders_van_anderen:
                volgorde.append(m)
                resterend.remove(m)
                break
        else:
            raise RuntimeError("circular foreign keys between " + ", ".join(str(m) for m in resterend))
    return volgorde

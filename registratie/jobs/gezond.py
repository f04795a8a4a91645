"""``/gezond/``: for a monitoring system and the container health check. Reports whether the
database and the Celery broker answer and how the last run of each nightly job went; 503 when one
of them is not fine. Only states and times: no personal data, no counts, no error texts."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from registratie.jobs import selectors

OK, STORING = "ok", "storing"


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return STORING
    return OK


def broker() -> str:
    """Redis answers a PING; the folder of the filesystem transport is writable; in-process needs
    nothing."""
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        except redis.RedisError:
            return STORING
        return OK
    if settings.LEERROUTE_TAKEN_MAP:
        map_ = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        return OK if os.path.isdir(map_) and os.access(map_, os.W_OK) else STORING
    return OK


def _taken() -> dict:
    uit = {}
    for stand in selectors.standen():
        run = stand.laatste
        uit[stand.taak] = {
            "status": OK if stand.in_orde else STORING,
            "laatste_run": run.status if run else None,
            "sinds": run.aangemaakt_op.isoformat() if run else None,
            "te_laat": bool(run and run.te_laat),
        }
    return uit


@never_cache
def health(request):
    db = database()
    uit = {"database": db, "broker": broker(), "taken": _taken() if db == OK else {}}
    in_orde = (
        uit["database"] == OK
        and uit["broker"] == OK
        and all(t["status"] == OK for t in uit["taken"].values())
    )
    return JsonResponse({"status": OK if in_orde else STORING, **uit}, status=200 if in_orde else 503)

"""A lock that keeps two runs of the same job from overlapping, across processes.

Uses Django's cache: Redis in production (atomic SET NX with expiry), in-process memory in the
embedded development setup where tasks run in-process anyway.
"""

from __future__ import annotations

import contextlib
import uuid

from django.core.cache import cache
from django.db import InterfaceError, OperationalError

# The options of every nightly task: a lost database connection is retried with growing pauses;
# the work itself is idempotent, so a retry finishes what the first try began.
NACHTTAAK = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


class AlBezig(RuntimeError):
    """Another run holds the lock."""


@contextlib.contextmanager
def enkele_run(naam: str, *, timeout: int = 3600):
    key = f"leerroute:lock:{naam}"
    token = uuid.uuid4().hex
    if not cache.add(key, token, timeout):
        raise AlBezig(f"{naam} loopt al")
    try:
        yield
    finally:
        # Release only our own lock (it may have expired and been taken by another run).
        if cache.get(key) == token:
            cache.delete(key)

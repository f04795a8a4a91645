"""Count dates (teldata) and their locks. Filled in below the correction reason."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

_reden: ContextVar[str] = ContextVar("rod_correctiereden", default="")


@contextlib.contextmanager
def correctie(reden: str):
    """Changes inside this block carry ``reden`` as their correction reason (the API, a command)."""
    token = _reden.set((reden or "").strip())
    try:
        yield
    finally:
        _reden.reset(token)


def correctiereden(instance) -> str:
    """The correction reason given for a change of ``instance``: set on the instance by a form
    (``_rod_correctie``) or around the change with ``correctie()``."""
    return (getattr(instance, "_rod_correctie", "") or _reden.get() or "").strip()

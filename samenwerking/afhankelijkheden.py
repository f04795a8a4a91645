"""Rules that read other rows: re-checked when one of those rows changes (docs/regels-afhankelijkheden.md).

A rule is checked when the row it guards is saved; this module makes a change to a row that others
depend on (a qualification's niveau, a route's type, an agreement's parties or dates) re-check the
rules of the dependent rows too. The apps that hold the dependents register two kinds of hook per
model label (``registratie.afhankelijkheden`` does, from its AppConfig):

- ``weigeren`` hooks run before the save: they raise a ValidationError (rule id first, how many rows
  depend on the change and a few of them) when the change would break a dependent row;
- ``signaleren`` hooks run after the save, in the same transaction: they accept the change and
  raise one signal per affected student (a correction that must not be blocked).

``samenwerking.services.opslaan`` calls both; ``samenwerking.admin_base`` runs the refusals during
form validation, so the admin shows them as form errors. Each hook is one set-based query over the
dependents, never a loop of per-row checks.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar

from samenwerking import audit

_weigeren: dict[str, list[Callable]] = defaultdict(list)
_signaleren: dict[str, list[Callable]] = defaultdict(list)
# A signal hook's set-based version: run once for every row a bundled step queued for that hook.
_samen: dict[Callable, Callable] = {}
# Inside gebundeld(): the signal hooks wait here until the step is complete.
_uitgesteld: ContextVar[list | None] = ContextVar("afhankelijkheden_uitgesteld", default=None)


def bij_weigeren(label: str):
    """Register ``hook(instance, gewijzigd: set[str], oud: dict | None)`` for model ``label``."""

    def decorator(hook):
        _weigeren[label.lower()].append(hook)
        return hook

    return decorator


def bij_signaleren(label: str):
    """Register ``hook(instance, gewijzigd, oud, *, door, kanaal)`` for model ``label``."""

    def decorator(hook):
        _signaleren[label.lower()].append(hook)
        return hook

    return decorator


def samen_voor(hook: Callable):
    """Register ``samen(rijen: list[(instance, gewijzigd, oud)], *, door, kanaal)``, the
    set-based version of the signal hook ``hook``: at the end of a gebundeld() block it runs once
    for all the rows queued for that hook (a bulk import queues thousands), instead of the hook
    once per row."""

    def decorator(samen):
        _samen[hook] = samen
        return samen

    return decorator


def oude_waarden(instance) -> dict | None:
    """The stored field values of ``instance`` (None for a new row), as audit.snapshot gives them."""
    if instance._state.adding or instance.pk is None:
        return None
    previous = type(instance)._base_manager.filter(pk=instance.pk).first()
    return audit.snapshot(previous, masked=False) if previous is not None else None


def _gewijzigd(instance, oud: dict | None) -> set[str]:
    nieuw = audit.snapshot(instance, masked=False)
    return {k for k, v in nieuw.items() if oud is None or oud.get(k) != v}


def heeft_weigeringen(instance) -> bool:
    return bool(_weigeren.get(instance._meta.label_lower))


def weigeren(instance, oud: dict | None) -> None:
    """Run the refusal hooks of this model (before the save)."""
    hooks = _weigeren.get(instance._meta.label_lower)
    if not hooks:
        return
    gewijzigd = _gewijzigd(instance, oud)
    if gewijzigd:
        for hook in hooks:
            hook(instance, gewijzigd, oud)


def signaleren(instance, oud: dict | None, *, door, kanaal: str) -> None:
    """Run the signal hooks of this model (after the save, inside its transaction)."""
    hooks = _signaleren.get(instance._meta.label_lower)
    if not hooks:
        return
    gewijzigd = _gewijzigd(instance, oud)
    if not gewijzigd:
        return
    wachtrij = _uitgesteld.get()
    for hook in hooks:
        if wachtrij is not None:
            wachtrij.append((hook, instance, gewijzigd, oud, door, kanaal))
        else:
            hook(instance, gewijzigd, oud, door=door, kanaal=kanaal)


@contextlib.contextmanager
def gebundeld():
    """Several rows saved as one step (both sides of a route, both sides' fase change): their
    signal hooks run once the step is complete, on its final state, still inside its transaction.
    A state halfway (one side moved, the other not yet) is no finding. Nested blocks join the
    outer one; when the block raises, nothing runs."""
    if _uitgesteld.get() is not None:
        yield
        return
    wachtrij: list = []
    token = _uitgesteld.set(wachtrij)
    try:
        yield
    finally:
        _uitgesteld.reset(token)
    _afwerken(wachtrij)


def _afwerken(wachtrij: list) -> None:
    """Run the queued hooks in the order they were first queued: a hook with a set-based version
    once per (hook, door, kanaal) for all its rows, any other hook once per row."""
    stappen: dict = {}
    for n, (hook, instance, gewijzigd, oud, door, kanaal) in enumerate(wachtrij):
        if hook in _samen:
            stappen.setdefault((hook, door, kanaal), []).append((instance, gewijzigd, oud))
        else:
            stappen[n] = (hook, instance, gewijzigd, oud, door, kanaal)
    for sleutel, stap in stappen.items():
        if isinstance(sleutel, tuple):
            hook, door, kanaal = sleutel
            _samen[hook](stap, door=door, kanaal=kanaal)
        else:
            hook, instance, gewijzigd, oud, door, kanaal = stap
            hook(instance, gewijzigd, oud, door=door, kanaal=kanaal)

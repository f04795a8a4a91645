"""Argument types the management commands share."""

import datetime

from django.core.management.base import CommandError


def datum(value: str) -> datetime.date:
    """A --date/--datum argument: JJJJ-MM-DD, or a Dutch error naming the value."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Ongeldige datum '{value}': gebruik JJJJ-MM-DD.") from exc

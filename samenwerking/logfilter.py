"""Keeps personal numbers out of log lines (DOMAIN.md, 'Identifiers': never in a log line).

Attached to every handler in settings.LOGGING, so it also covers lines we don't write ourselves:
the development server's request log, a library's warning that quotes a value, an access to a
URL someone typed a BSN into.
"""

import logging
import re

# identifiers, not audit: logging is configured before the apps (and their models) are loaded.
from samenwerking.identifiers import is_persoonsnummer, mask

NEGEN_CIJFERS = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")


def maskeer_nummers(tekst: str) -> str:
    """``tekst`` with every valid BSN or onderwijsnummer masked to its last three digits."""
    return NEGEN_CIJFERS.sub(lambda m: mask(m.group()) if is_persoonsnummer(m.group()) else m.group(), tekst)


class NummersMaskeren(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        bericht = record.getMessage()
        gemaskeerd = maskeer_nummers(bericht)
        if gemaskeerd != bericht:
            record.msg, record.args = gemaskeerd, None
        if record.exc_info and not record.exc_text:
            record.exc_text = maskeer_nummers(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = maskeer_nummers(record.exc_text)
        return True

"""Identifier checks (DOMAIN.md, 'Identifiers'), delegated to python-stdnum.

Each validator raises a Django ValidationError with a Dutch message, so model fields, forms,
the API and imports all give the same answer.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import brin, bsn, onderwijsnummer

CREBO_RE = re.compile(r"[0-9]{5}")
# stdnum pads a short BSN with zeros and strips separators; we store exactly the nine digits, so
# "12345672" and "012345672" cannot become two students.
NEGEN_CIJFERS_RE = re.compile(r"[0-9]{9}")


def _check(module, value, message, code):
    try:
        return module.validate(value)
    except StdnumError as exc:
        raise ValidationError(message, code=code, params={"value": value}) from exc


def validate_bsn(value: str) -> None:
    if not NEGEN_CIJFERS_RE.fullmatch(value or ""):
        raise ValidationError(_("Ongeldig BSN: 9 cijfers die de elfproef doorstaan."), code="bsn")
    if onderwijsnummer.is_valid(value) and not bsn.is_valid(value):
        raise ValidationError(
            _("Dit is een onderwijsnummer, geen BSN: vul het in bij onderwijsnummer."),
            code="bsn_is_onderwijsnummer",
        )
    _check(bsn, value, _("Ongeldig BSN: 9 cijfers die de elfproef doorstaan."), "bsn")


def validate_onderwijsnummer(value: str) -> None:
    if not NEGEN_CIJFERS_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Ongeldig onderwijsnummer: 9 cijfers, begint met 10, elfproef met rest 5."),
            code="onderwijsnummer",
        )
    _check(
        onderwijsnummer,
        value,
        _("Ongeldig onderwijsnummer: 9 cijfers, begint met 10, elfproef met rest 5."),
        "onderwijsnummer",
    )


def mask(value) -> str | None:
    """A personal number as lists and screens show it: only the last three digits."""
    if not value:
        return value
    value = str(value)
    return "•" * (len(value) - 3) + value[-3:]


def is_persoonsnummer(value: str) -> bool:
    """Whether ``value`` is a valid BSN or onderwijsnummer (exactly nine digits): used to keep
    such numbers out of URLs and log lines."""
    return bool(NEGEN_CIJFERS_RE.fullmatch(value or "")) and (
        bsn.is_valid(value) or onderwijsnummer.is_valid(value)
    )


def validate_brin(value: str) -> None:
    """An instelling's BRIN: exactly four characters (two digits, two letters)."""
    if len(value or "") != 4:
        raise ValidationError(
            _("Ongeldige BRIN-code: twee cijfers en twee hoofdletters, bijvoorbeeld 25LG."),
            code="brin",
        )
    _check(
        brin, value, _("Ongeldige BRIN-code: twee cijfers en twee hoofdletters, bijvoorbeeld 25LG."), "brin"
    )


def validate_vestigingscode(value: str) -> None:
    """A vestiging: the instelling's BRIN plus two digits (25LG01)."""
    if len(value or "") != 6:
        raise ValidationError(
            _("Ongeldige vestigingscode: BRIN plus twee cijfers, bijvoorbeeld 25LG01."),
            code="vestiging",
        )
    _check(
        brin, value, _("Ongeldige vestigingscode: BRIN plus twee cijfers, bijvoorbeeld 25LG01."), "vestiging"
    )


def validate_crebo(value: str) -> None:
    if not CREBO_RE.fullmatch(value or ""):
        raise ValidationError(_("Ongeldige crebo-code: precies vijf cijfers."), code="crebo")


def bsn_with_check_digit(first_eight: str) -> str | None:
    """The valid BSN that starts with these eight digits, or None where no ninth digit fits.

    Used by the demo data generator; the weights are those of the elfproef.
    """
    total = sum(int(d) * w for d, w in zip(first_eight, range(9, 1, -1), strict=True))
    last = total % 11
    return None if last == 10 else f"{first_eight}{last}"


def onderwijsnummer_with_check_digit(first_eight: str) -> str | None:
    """The valid onderwijsnummer with these eight leading digits (must start with 10), or None."""
    total = sum(int(d) * w for d, w in zip(first_eight, range(9, 1, -1), strict=True))
    # 9·d1..2·d8 − d9 ≡ 5 (mod 11)  ⇒  d9 ≡ total − 5 (mod 11)
    last = (total - 5) % 11
    return None if last == 10 else f"{first_eight}{last}"

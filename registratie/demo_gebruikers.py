"""The demo users (``demo_gegevens.GEBRUIKERS``) and their memberships: one per role, all with the
password ``WACHTWOORD``. Called by ``demo_structuur`` once the instellingen and agreements exist."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from registratie.demo_gegevens import GEBRUIKERS, WACHTWOORD
from samenwerking.models import Gebruiker, Instelling, Lidmaatschap, Samenwerkingsovereenkomst


def maak_gebruikers(
    instellingen: dict[str, Instelling], overeenkomsten: dict[str, Samenwerkingsovereenkomst]
) -> tuple[list[Gebruiker], list[Lidmaatschap]]:
    """Create (or update in place) the demo users and give them fresh memberships."""
    wachtwoord = make_password(WACHTWOORD)  # hashed once for every demo user
    gebruikers = [
        Gebruiker(
            username=u,
            first_name=fn,
            last_name=ln,
            email=f"{u}@example.nl",
            password=wachtwoord,
            is_staff=False,
        )
        for u, fn, ln, *_rest in GEBRUIKERS
    ]
    # Existing demo users are updated in place (their other rows, such as audit rows, stay).
    Gebruiker.objects.bulk_create(
        gebruikers,
        update_conflicts=True,
        unique_fields=["username"],
        update_fields=["first_name", "last_name", "email", "password", "is_staff", "is_active"],
    )
    Lidmaatschap.objects.filter(gebruiker__in=gebruikers).delete()
    lidmaatschappen = Lidmaatschap.objects.bulk_create(
        [
            Lidmaatschap(gebruiker=g, rol=rol, instelling=instellingen[inst] if inst else None)
            for g, (_u, _f, _l, rol, inst, ovk, _d) in zip(gebruikers, GEBRUIKERS, strict=True)
            if not ovk
        ]
        + [
            Lidmaatschap(gebruiker=g, rol=rol, overeenkomst=overeenkomsten[o])
            for g, (_u, _f, _l, rol, _i, ovk, _d) in zip(gebruikers, GEBRUIKERS, strict=True)
            for o in ovk
        ]
    )
    return gebruikers, lidmaatschappen

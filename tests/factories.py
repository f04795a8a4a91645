"""factory_boy factories with named states. Every object they build passes every rule, so a test
changes one thing and sees the one rule it breaks."""

import datetime

import factory

from leerroute.models import Kwalificatie, Leerroute
from registratie.models import Inschrijving, Leerling
from samenwerking.identifiers import bsn_with_check_digit, onderwijsnummer_with_check_digit
from samenwerking.models import (
    Bestuur,
    Gebruiker,
    Instelling,
    Lidmaatschap,
    Samenwerkingsovereenkomst,
)

ROUTE_START = datetime.date(2025, 8, 1)


def _brin(n: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"{10 + n // 676 % 90:02d}{letters[n // 26 % 26]}{letters[n % 26]}"


def _valid_bsn(n: int) -> str:
    k = n
    while True:
        value = bsn_with_check_digit(f"{20000000 + k:08d}")
        if value:
            return value
        k += 1_000_000  # skip to a number whose check digit fits, keeping uniqueness per n


def _valid_onderwijsnummer(n: int) -> str:
    k = n
    while True:
        value = onderwijsnummer_with_check_digit(f"10{k:06d}")
        if value:
            return value
        k += 500_000


class BestuurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bestuur

    naam = factory.Sequence(lambda n: f"Stichting Onderwijs {n}")


class InstellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instelling

    bestuur = factory.SubFactory(BestuurFactory)
    naam = factory.Sequence(lambda n: f"Instelling {n}")
    brin = factory.Sequence(_brin)
    soort = "vo"
    plaats = "Utrecht"

    class Params:
        mbo = factory.Trait(soort="mbo", naam=factory.Sequence(lambda n: f"ROC {n}"))
        aoc = factory.Trait(soort="aoc", naam=factory.Sequence(lambda n: f"AOC {n}"))


class OvereenkomstFactory(factory.django.DjangoModelFactory):
    """An agreement between two boards; ``actief`` fills every R-SOK-2 element."""

    class Meta:
        model = Samenwerkingsovereenkomst

    naam = factory.Sequence(lambda n: f"SOK {n}")
    soort = "sok"
    vo_instelling = factory.SubFactory(InstellingFactory)
    mbo_instelling = factory.SubFactory(InstellingFactory, mbo=True)
    status = "concept"
    ingangsdatum = datetime.date(2024, 8, 1)

    class Params:
        actief = factory.Trait(
            status="actief",
            inhoud_leerroute="Techniek BB-2, gezamenlijk programma vanaf leerjaar 3",
            dagelijkse_leiding="Gezamenlijke stuurgroep en een routecoördinator",
            betrokkenheid_bedrijfsleven="Leerbedrijven in de regio leveren BPV-plaatsen",
            overstapoptie="Overstap naar reguliere vmbo- of mbo-opleiding met begeleiding",
            medezeggenschap="MR en OR/SR van beide instellingen",
            advies_medezeggenschap="Positief advies MR en SR, 12 maart 2024",
            financiele_afspraken="Bekostiging volgt de inschrijving",
            dekt_volledige_route=True,
        )


class KwalificatieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kwalificatie
        django_get_or_create = ["crebo"]

    # 9xxxx: outside the real crebo range, so never one of the shipped qualifications.
    crebo = factory.Sequence(lambda n: f"{90000 + n % 10000:05d}")
    naam = factory.Sequence(lambda n: f"Kwalificatie {n}")
    niveau = 2


class LeerrouteFactory(factory.django.DjangoModelFactory):
    """A GLR BB→niveau 2 route under an active agreement (allowed by every R-LR rule)."""

    class Meta:
        model = Leerroute

    naam = factory.Sequence(lambda n: f"Route {n}")
    soort = "GLR"
    overeenkomst = factory.SubFactory(OvereenkomstFactory, actief=True)
    leerweg = "BB"
    kwalificatie = factory.SubFactory(KwalificatieFactory, niveau=2)
    startdatum = datetime.date(2024, 8, 1)

    class Params:
        dlr4 = factory.Trait(
            soort="DLR", leerweg="KB", kwalificatie=factory.SubFactory(KwalificatieFactory, niveau=4)
        )


class LeerlingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leerling

    instelling = factory.SubFactory(InstellingFactory)
    bsn = factory.Sequence(_valid_bsn)
    onderwijsnummer = None
    voornamen = "Sanne Maria"
    voorletters = "S.M."
    roepnaam = "Sanne"
    achternaam = factory.Sequence(lambda n: f"Jansen{n}")
    geboortedatum = datetime.date(2011, 3, 14)

    class Params:
        zonder_bsn = factory.Trait(bsn=None, onderwijsnummer=factory.Sequence(_valid_onderwijsnummer))


class InschrijvingFactory(factory.django.DjangoModelFactory):
    """A vo-inschrijving in the vo-fase; ``mbo`` makes it the mbo side of the same route."""

    class Meta:
        model = Inschrijving

    leerroute = factory.SubFactory(LeerrouteFactory)
    leerling = factory.SubFactory(
        LeerlingFactory, instelling=factory.SelfAttribute("..leerroute.overeenkomst.vo_instelling")
    )
    sector = "vo"
    instelling = factory.LazyAttribute(
        lambda o: (
            o.leerroute.overeenkomst.vo_instelling
            if o.sector == "vo"
            else o.leerroute.overeenkomst.mbo_instelling
        )
    )
    inschrijvingsvolgnummer = factory.Sequence(lambda n: f"I{n:06d}")
    opleidingskenmerk = factory.SelfAttribute("leerroute.soort")
    fase = "vo"
    startdatum = ROUTE_START
    leerjaar = 3
    leerweg = factory.SelfAttribute("leerroute.leerweg")
    kwalificatie = None
    leervorm = ""

    class Params:
        mbo = factory.Trait(
            sector="mbo",
            leerjaar=None,
            leerweg="",
            kwalificatie=factory.SelfAttribute("leerroute.kwalificatie"),
            leervorm="BOL",
        )


class GebruikerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gebruiker
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    password = factory.django.Password("geheim-wachtwoord-1")


def gebruiker_met_rol(rol: str, *, instelling=None, overeenkomst=None, **kwargs) -> Gebruiker:
    """A user with one membership (beheerder, lezer, coordinator or applicatiebeheerder)."""
    user = GebruikerFactory(**kwargs)
    Lidmaatschap.objects.create(gebruiker=user, rol=rol, instelling=instelling, overeenkomst=overeenkomst)
    return user


def route_leerling(leerroute=None, *, met_mbo: bool = True, **vo_kwargs):
    """A route student: a vo-inschrijving (vmbo leerjaar 3 on ROUTE_START unless told otherwise)
    and, with ``met_mbo``, the mbo-inschrijving of the same route. Returns (vo, mbo or None)."""
    leerroute = leerroute or LeerrouteFactory()
    vo = InschrijvingFactory(leerroute=leerroute, **vo_kwargs)
    mbo = (
        InschrijvingFactory(leerroute=leerroute, leerling=vo.leerling, mbo=True, startdatum=vo.startdatum)
        if met_mbo
        else None
    )
    return vo, mbo

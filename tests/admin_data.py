"""Form data as the Django admin (/beheer/) posts it, for the tests that drive the admin."""


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def sok_data(vo, mbo, **kwargs) -> dict:
    data = {
        "naam": "SOK Techniek Noord",
        "soort": "sok",
        "onderwerp": "leerroute",
        "vo_instelling": vo.pk,
        "mbo_instelling": mbo.pk,
        "status": "actief",
        "ingangsdatum": "2025-08-01",
        "einddatum": "",
        "inhoud_leerroute": "Techniek BB naar niveau 2",
        "dagelijkse_leiding": "Stuurgroep met routecoördinator",
        "betrokkenheid_bedrijfsleven": "Leerbedrijven uit de regio",
        "overstapoptie": "Begeleide overstap naar regulier vmbo of mbo",
        "medezeggenschap": "MR en OR/SR",
        "advies_medezeggenschap": "Positief advies, 12 maart 2025",
        "financiele_afspraken": "Bekostiging volgt de inschrijving",
        "dekt_volledige_route": "on",
    }
    return data | kwargs


def route_data(sok, kwalificatie, **kwargs) -> dict:
    data = {
        "naam": "Techniek BB-2",
        "soort": "GLR",
        "overeenkomst": sok.pk,
        "leerweg": "BB",
        "kwalificatie": kwalificatie.pk,
        "vo_vestiging": "",
        "mbo_vestiging": "",
        "startdatum": "2025-08-01",
        "leerwerktraject_overeenkomst": "",
        "rio_status": "niet_gemeld",
        "rio_gemeld_op": "",
        "rio_kenmerk": "",
        **management("programma"),
    }
    return data | kwargs


def leerling_data(instelling, inschrijvingen: list[dict] = (), **kwargs) -> dict:
    data = {
        "instelling": instelling.pk,
        "bsn": "111222333",
        "onderwijsnummer": "",
        "voornamen": "Sanne",
        "voorletters": "S.",
        "roepnaam": "Sanne",
        "tussenvoegsel": "",
        "achternaam": "Bos",
        "geboortedatum": "2011-03-14",
        **management("inschrijvingen", total=len(inschrijvingen)),
    }
    for n, inschrijving in enumerate(inschrijvingen):
        data |= {f"inschrijvingen-{n}-{k}": v for k, v in inschrijving.items()}
    return data | kwargs


def vo_rij(route, **kwargs) -> dict:
    return {
        "leerroute": route.pk,
        "sector": "vo",
        "instelling": route.overeenkomst.vo_instelling_id,
        "inschrijvingsvolgnummer": "VO-100",
        "opleidingskenmerk": route.soort,
        "fase": "vo",
        "startdatum": "2025-08-01",
        "leerjaar": "3",
        "leerweg": route.leerweg,
        "kwalificatie": "",
        "leervorm": "",
        "einddatum": "",
        "reden_einde": "",
    } | kwargs


def mbo_rij(route, **kwargs) -> dict:
    return {
        "leerroute": route.pk,
        "sector": "mbo",
        "instelling": route.overeenkomst.mbo_instelling_id,
        "inschrijvingsvolgnummer": "MBO-100",
        "opleidingskenmerk": route.soort,
        "fase": "vo",
        "startdatum": "2025-08-01",
        "leerjaar": "",
        "leerweg": "",
        "kwalificatie": route.kwalificatie_id,
        "leervorm": "BOL",
        "einddatum": "",
        "reden_einde": "",
    } | kwargs

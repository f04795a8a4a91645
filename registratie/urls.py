from django.urls import path

from registratie import schermen, views
from registratie.review import views as review

app_name = "registratie"

urlpatterns: list = [
    path("signalen/", review.wachtrij, name="signalen"),
    path("signalen/bulk/", review.bulk_starten, name="bulk-starten"),
    path("signalen/bulk/<int:pk>/", review.bulk_voortgang, name="bulk"),
    path("signalen/bulk/<int:pk>/annuleren/", review.bulk_annuleren, name="bulk-annuleren"),
    path("signalen/overgangen/", review.overgangen_lijst, name="overgangen"),
    path("signalen/<int:pk>/", views.signaal_detail, name="signaal"),
    path("signalen/<int:pk>/toepassen/", views.signaal_toepassen, name="signaal-toepassen"),
    path("signalen/<int:pk>/afwijzen/", views.signaal_afwijzen, name="signaal-afwijzen"),
    path("signalen/<int:pk>/overdragen/", views.signaal_overdragen, name="signaal-overdragen"),
    path("signalen/<int:pk>/uitstroom/", views.signaal_uitstroom, name="signaal-uitstroom"),
    path("signalen/<int:pk>/heropenen/", views.signaal_heropenen, name="signaal-heropenen"),
    path("leerlingen/", views.leerling_lijst, name="leerlingen"),
    path("leerlingen/zoeken-op-nummer/", views.leerling_zoeken_op_nummer, name="leerling-zoeken-nummer"),
    path("leerlingen/<int:pk>/", views.leerling_detail, name="leerling"),
    path("leerlingen/<int:pk>/nummer/", views.leerling_nummer_tonen, name="leerling-nummer"),
    path("leerlingen/<int:pk>/uitstroom/", views.uitstroom_vastleggen, name="uitstroom"),
    path("monitoring/", views.monitoring, name="monitoring"),
    # the school administrator's screens (issue 12)
    path("aanmelden/", schermen.vo_aanmelden, name="vo-aanmelden"),
    path("werklijst-mbo/", schermen.werklijst_mbo, name="werklijst-mbo"),
    path("werklijst-mbo/samen/", schermen.mbo_samen, name="mbo-samen"),
    path("werklijst-mbo/<int:pk>/", schermen.mbo_aanvullen, name="mbo-aanvullen"),
    path("dubbele-lijst/", schermen.dubbele_lijst, name="dubbele-lijst"),
    path("dubbele-lijst/csv/", schermen.dubbele_lijst_csv, name="dubbele-lijst-csv"),
    path("leerlingen/<int:pk>/beeindigen/", schermen.inschrijving_beeindigen, name="beeindigen"),
    path("leerlingen/<int:pk>/vmbo-diploma/", schermen.vmbo_diploma, name="vmbo-diploma"),
    path("leerlingen/<int:pk>/vo-afgerond/", schermen.vo_afgerond, name="vo-afgerond"),
]

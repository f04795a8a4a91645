app_name = "registratie"

urlpatterns: list = []

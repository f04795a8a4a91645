app_name = "rod"

urlpatterns: list = []

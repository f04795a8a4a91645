import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.opstart import bevries_na_opstart  # noqa: E402 -- after Django is set up

bevries_na_opstart()

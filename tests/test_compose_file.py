"""No Docker engine runs here, so the compose file is tested as a file."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())


def test_compose_has_the_five_services():
    assert set(COMPOSE["services"]) == {"postgres", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_app_services_use_the_real_services_and_no_secret_defaults(service):
    env = COMPOSE["services"][service]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
    # ${VAR:?message} makes compose refuse to start without the secret: no default is committed.
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
    for sleutel in ("LEERROUTE_VERSLEUTELSLEUTELS", "LEERROUTE_BSN_HASHSLEUTEL"):
        assert env[sleutel].startswith(f"${{{sleutel}:?"), sleutel
    assert env["DJANGO_ENV"] == "production"


def test_worker_and_beat_run_the_project_celery_app():
    assert COMPOSE["services"]["worker"]["command"].startswith("celery -A config worker")
    assert COMPOSE["services"]["beat"]["command"].startswith("celery -A config beat")


def test_web_is_published_on_loopback_only_and_waits_for_healthy_services():
    web = COMPOSE["services"]["web"]
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"

"""Production settings pass Django's deployment checklist (`manage.py check --deploy`) with no
warning at all, including the checks of django-axes, django-otp, DRF and drf-spectacular (which
builds the whole API schema); and the check is real: weaker settings do fail it."""

import base64
import os
import secrets
import subprocess
import sys

from django.conf import settings


def check_deploy(**env) -> subprocess.CompletedProcess:
    omgeving = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LEERROUTE_"))}
    omgeving |= env
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=omgeving,
        capture_output=True,
        text=True,
        timeout=120,
    )


def productie(**extra) -> dict:
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "leerroute.example.nl",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://leerroute.example.nl",
        # Production refuses to start without its own keys for personal numbers at rest.
        "LEERROUTE_VERSLEUTELSLEUTELS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "LEERROUTE_BSN_HASHSLEUTEL": secrets.token_urlsafe(48),
    } | extra


def meldingen(result: subprocess.CompletedProcess) -> list[str]:
    uitvoer = result.stdout + result.stderr
    return [regel for regel in uitvoer.splitlines() if "WARNING" in regel or "?: (" in regel]


def test_production_settings_pass_the_deploy_check_without_any_warning():
    result = check_deploy(**productie())
    assert result.returncode == 0, result.stdout + result.stderr
    assert meldingen(result) == []
    assert "no issues" in result.stdout


def test_the_check_is_real_production_without_hsts_fails():
    result = check_deploy(**productie(DJANGO_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert any("security.W004" in regel for regel in meldingen(result))


def test_the_check_is_real_development_settings_fail():
    result = check_deploy(DJANGO_ENV="development")
    assert result.returncode != 0
    gevonden = "\n".join(meldingen(result))
    for code in ("security.W012", "security.W016", "security.W018"):
        assert code in gevonden

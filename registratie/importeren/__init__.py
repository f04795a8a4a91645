"""Bulk import of students and enrolments from a school administration system's export (CSV or
XLSX). Columns: docs/import.md; examples: docs/import/. Entry points: the API
(POST /api/v1/import/), ``manage.py import_inschrijvingen`` and the upload screen."""

from registratie.importeren.uitvoeren import Fout, Rapport, importeer

__all__ = ["Fout", "Rapport", "importeer"]

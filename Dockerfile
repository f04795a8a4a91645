FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_ENV=production
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir --upgrade pip
COPY . .
RUN pip install --no-cache-dir . gunicorn \
 && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system --home /app leerroute && mkdir -p /app/media && chown leerroute /app/media
USER leerroute
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

# Schriftje: one image for `schriftje serve`, `schriftje worker` and `schriftje migrate`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 schriftje
WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal ./portal
COPY consent ./consent
COPY media ./media
COPY messaging ./messaging
COPY workers ./workers
RUN pip install .
# /data (SCHRIFTJE_DATA_DIR: secret key, outbox, media on the embedded default) belongs to
# the user the app runs as; a named volume mounted there starts with this ownership.
RUN mkdir -p /data && chown schriftje:schriftje /data && chmod 0700 /data
VOLUME /data
USER schriftje
EXPOSE 8000
CMD ["schriftje", "serve", "--host", "0.0.0.0"]

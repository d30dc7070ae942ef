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
USER schriftje
EXPOSE 8000
CMD ["schriftje", "serve", "--host", "0.0.0.0"]

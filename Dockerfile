# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/byline
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY connectors ./connectors
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN /opt/byline/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/byline/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BYLINE_VAR_DIR=/data
RUN useradd --system --uid 10001 --home-dir /data --create-home byline
COPY --from=build /opt/byline /opt/byline
USER byline
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["byline", "serve", "--host", "0.0.0.0", "--port", "8000"]

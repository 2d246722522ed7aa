# The platform image used by docker-compose: the Dagster webserver and daemon, the `stream`
# replicas, the API and the one-shot lake bucket provisioning.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless maven \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/shop_analytics
COPY pyproject.toml constraints.txt README.md ./
COPY shop_analytics ./shop_analytics
COPY api ./api
# Editable: `dg.load_from_defs_folder` finds the project (pyproject.toml) from the package.
RUN pip install --no-cache-dir -c constraints.txt -e .
COPY dagster.yaml workspace.yaml ./
ENV DAGSTER_HOME=/opt/dagster/home DAGSTER_PG_HOST=postgres
RUN shop-analytics dagster-home

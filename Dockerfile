# The one image every production process runs: web (gunicorn), RQ workers and cron (pflow-worker), migrations.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . && useradd --system --home /app pflow \
    && mkdir -p /data/attachments && chown pflow /data/attachments
USER pflow
EXPOSE 8000
CMD ["pflow", "health"]

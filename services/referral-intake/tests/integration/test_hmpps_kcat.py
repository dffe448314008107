"""The sample HMPPS events published by kcat (librdkafka: a Kafka client we did not write) reach
the intake's subscriber, which acts on them like on any other producer's messages.

Debian bookworm's kcat links librdkafka 2.0.2, which skips each tagged field of an ApiVersions
reply one byte short and so cannot read the embedded broker's (it sends every tagged field). When
kcat cannot reach the broker with its own library, the newer librdkafka bundled in the
confluent-kafka wheel is put in front of it, if that package is installed.
"""
import asyncio
import importlib.util
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from pathways_intake.hmpps import samples
from pathways_intake.hmpps.testing import running_subscriber, settings_for_tests, stored_case, until_settled
from pathways_shared.testing.fixtures import service_unavailable

pytestmark = pytest.mark.integration

STAGES = {"P100001": "licence", "R100006": "recalled", "L453621": "licence", "A000001": "approved_premises",
          "X123456": "community_sentence"}


def reaches(kcat: str, bootstrap: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([kcat, "-b", bootstrap, "-L", "-m", "3"], env=env, capture_output=True, text=True,
                          timeout=30)


def bundled_librdkafka() -> Path | None:
    spec = importlib.util.find_spec("confluent_kafka")
    if spec is None or not spec.submodule_search_locations:
        return None
    libs = Path(next(iter(spec.submodule_search_locations))).parent / "confluent_kafka.libs"
    return next(iter(sorted(libs.glob("librdkafka*.so*"))), None)


@pytest.fixture(scope="session")
def kcat(kafka_bootstrap, tmp_path_factory) -> tuple[str, dict]:
    """kcat and the environment it runs in: its own librdkafka if that can talk to the broker."""
    path = shutil.which("kcat")
    if path is None:
        service_unavailable("kcat is not installed (apt-get install -y kcat); it publishes the sample events")
    env = dict(os.environ)
    probe = reaches(path, kafka_bootstrap, env)
    newer = bundled_librdkafka() if probe.returncode != 0 else None
    if newer is not None:
        lib = tmp_path_factory.mktemp("librdkafka")
        (lib / "librdkafka.so.1").symlink_to(newer)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(lib), env.get("LD_LIBRARY_PATH")]))
        probe = reaches(path, kafka_bootstrap, env)
    if probe.returncode != 0:
        service_unavailable("kcat cannot talk to the broker with its librdkafka (install confluent-kafka for a "
                            f"newer one): {probe.stderr.strip().splitlines()[-1:]}")
    return path, env


async def test_sample_events_published_with_kcat_are_acted_on(kcat, kafka_bootstrap, db_url, tmp_path, request):
    shutil.copy(request.config.rootpath / "examples" / "probation" / "cases.json", tmp_path / "cases.json")
    settings = settings_for_tests(bootstrap_servers=kafka_bootstrap, database_url=db_url,
                                  topic=f"test-{uuid.uuid4().hex[:10]}.hmpps",
                                  case_source=f"file:{tmp_path / 'cases.json'}")
    shared_dir = samples.shared_samples_dir(request.config.rootpath)
    names = [*samples.ACTED_ON_SAMPLES, samples.NOT_ACTED_ON_SAMPLE]
    lines = tmp_path / "events.jsonl"  # kcat -l: one message per line
    lines.write_bytes(b"\n".join(samples.one_line(samples.sample(n, shared_dir)) for n in names) + b"\n")

    async with running_subscriber(settings) as intake:
        kcat_path, env = kcat
        done = await asyncio.to_thread(subprocess.run, [
            kcat_path, "-b", kafka_bootstrap, "-t", settings.hmpps_events_topic, "-P", "-l", str(lines)],
            env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        rows = await until_settled(intake, len(names))
        cases = {crn: await stored_case(intake, crn) for crn in STAGES}

    assert sorted((r.status, r.outcome) for r in rows.values()) == (
        [("applied", "created")] * len(STAGES) + [("skipped", "not acted on")])
    assert {crn: case.document["index_person"]["stage"] for crn, case in cases.items()} == STAGES

"""Provider endpoints from a JSON or YAML file and from environment variables."""
import json

import pytest

from pathways_notifier.adapters.endpoints import EndpointConfigError, load_endpoints

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"


def test_a_json_file(tmp_path):
    path = tmp_path / "providers.json"
    path.write_text(json.dumps({"pops": {"webhook_url": "https://pops.example/hooks", "secret": SECRET}}))
    endpoints = load_endpoints(path, environ={})
    assert endpoints["pops"].webhook_url == "https://pops.example/hooks"
    assert endpoints["pops"].key.startswith(b"1\xf2\x90")
    assert SECRET[6:] not in repr(endpoints["pops"])


def test_a_yaml_file_with_environment_overrides(tmp_path):
    path = tmp_path / "providers.yaml"
    path.write_text(f"tmuk:\n  webhook_url: https://tmuk.example/a\n  secret: {SECRET}\n")
    endpoints = load_endpoints(path, environ={
        "PROVIDER_TMUK_WEBHOOK_URL": "https://tmuk.example/b",
        "PROVIDER_SHELTER_WEBHOOK_URL": "http://127.0.0.1:9000/hook", "PROVIDER_SHELTER_WEBHOOK_SECRET": OTHER,
        "UNRELATED": "x"})
    assert {p: e.webhook_url for p, e in endpoints.items()} == {
        "tmuk": "https://tmuk.example/b", "shelter": "http://127.0.0.1:9000/hook"}
    assert endpoints["tmuk"].key != endpoints["shelter"].key


def test_nothing_configured_means_no_endpoints():
    assert load_endpoints(None, environ={}) == {}


@pytest.mark.parametrize("env, message", [
    ({"PROVIDER_POPS_WEBHOOK_URL": "https://pops.example"}, "provider pops: secret is not configured"),
    ({"PROVIDER_POPS_WEBHOOK_SECRET": SECRET}, "provider pops: webhook_url is not configured"),
    ({"PROVIDER_POPS_WEBHOOK_URL": "ftp://pops.example", "PROVIDER_POPS_WEBHOOK_SECRET": SECRET}, "http(s) URL"),
    ({"PROVIDER_POPS_WEBHOOK_URL": "https://pops.example", "PROVIDER_POPS_WEBHOOK_SECRET": "hunter2hunter2"},
     "must start with 'whsec_'"),
])
def test_incomplete_or_malformed_configuration_is_refused_naming_the_field_not_the_secret(env, message):
    with pytest.raises(EndpointConfigError) as caught:
        load_endpoints(None, environ=env)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value) and SECRET not in str(caught.value)


def test_an_unreadable_or_malformed_file_is_reported(tmp_path):
    with pytest.raises(EndpointConfigError, match="cannot read providers file"):
        load_endpoints(tmp_path / "missing.json", environ={})
    bad = tmp_path / "providers.json"
    bad.write_text("[1, 2]")
    with pytest.raises(EndpointConfigError, match="must map provider ids"):
        load_endpoints(bad, environ={})

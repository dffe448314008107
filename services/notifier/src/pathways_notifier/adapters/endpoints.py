"""Where each provider's webhook is: configuration, never code.

A file named by PROVIDERS_FILE (JSON or YAML)

    {"pops": {"webhook_url": "https://...", "secret": "whsec_..."}, ...}

(an entry may also hold the provider's `email`, read by adapters/mailboxes.py)

and/or environment variables PROVIDER_<ID>_WEBHOOK_URL and PROVIDER_<ID>_WEBHOOK_SECRET, which
override the file field by field. Error messages name the provider and field, never the secret.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..domain.signing import InvalidSecret, decode_secret

_ENV = re.compile(r"^PROVIDER_([A-Z0-9_]+?)_WEBHOOK_(URL|SECRET)$")


class EndpointConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Endpoint:
    provider: str
    webhook_url: str
    key: bytes = field(repr=False)  # the decoded signing key


def load_endpoints(providers_file: Path | str | None = None,
                   environ: Mapping[str, str] | None = None) -> dict[str, Endpoint]:
    raw: dict[str, dict[str, str]] = {}
    if providers_file:
        raw = {str(k).lower(): dict(v or {}) for k, v in read_providers_file(Path(providers_file)).items()}
    for name, value in (os.environ if environ is None else environ).items():
        match = _ENV.match(name)
        if match and value:
            key = "webhook_url" if match.group(2) == "URL" else "secret"
            raw.setdefault(match.group(1).lower(), {})[key] = value
    # A provider reached only by email (adapters/mailboxes.py) has no webhook to check.
    return {provider: _endpoint(provider, conf) for provider, conf in raw.items()
            if conf.get("webhook_url") or conf.get("secret")}


def read_providers_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EndpointConfigError(f"cannot read providers file {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise EndpointConfigError(f"providers file {path} is not valid {path.suffix or 'YAML'}: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) or v is None for v in data.values()):
        raise EndpointConfigError(f"providers file {path} must map provider ids to {{webhook_url, secret, email}}")
    return data


def _endpoint(provider: str, conf: Mapping[str, str]) -> Endpoint:
    url, secret = conf.get("webhook_url"), conf.get("secret")
    if not url or not secret:
        missing = "webhook_url" if not url else "secret"
        raise EndpointConfigError(f"provider {provider}: {missing} is not configured")
    if not str(url).startswith(("https://", "http://")):
        raise EndpointConfigError(f"provider {provider}: webhook_url must be an http(s) URL")
    try:
        key = decode_secret(str(secret))
    except InvalidSecret as exc:
        raise EndpointConfigError(f"provider {provider}: secret: {exc}") from None
    return Endpoint(provider, str(url), key)

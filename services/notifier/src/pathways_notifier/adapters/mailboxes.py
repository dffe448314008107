"""Where each provider's referral emails go: configuration, never code.

The providers file's `email` field (PROVIDERS_FILE, beside the webhook settings) and/or
PROVIDER_<ID>_EMAIL, which overrides the file.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from email.headerregistry import Address
from email.errors import HeaderParseError
from pathlib import Path

from .endpoints import EndpointConfigError, read_providers_file

_ENV = re.compile(r"^PROVIDER_([A-Z0-9_]+?)_EMAIL$")


def load_mailboxes(providers_file: Path | str | None = None,
                   environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """{provider id: email address}."""
    found: dict[str, str] = {}
    if providers_file:
        for provider, conf in read_providers_file(Path(providers_file)).items():
            if conf and conf.get("email"):
                found[str(provider).lower()] = str(conf["email"])
    for name, value in (os.environ if environ is None else environ).items():
        match = _ENV.match(name)
        if match and value:
            found[match.group(1).lower()] = value
    return {provider: checked(provider, address) for provider, address in found.items()}


def checked(provider: str, address: str) -> str:
    """The address when it is one plain mailbox (local@domain), else a clear error."""
    try:
        parsed = Address(addr_spec=address.strip())
    except (HeaderParseError, ValueError, IndexError):
        parsed = None
    if parsed is None or not parsed.username or "." not in parsed.domain:
        raise EndpointConfigError(f"provider {provider}: email {address!r} is not an email address")
    return parsed.addr_spec

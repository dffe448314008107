"""The packaged rulebook with some providers' channels changed, written where a test can name it."""
from __future__ import annotations

from importlib.resources import files


def rulebook_with(tmp_path, **channels):
    text = (files("pathways_router.rulebooks") / "policy-v1.yaml").read_text(encoding="utf-8")
    for provider, listed in channels.items():
        at = text.index("    channels:", text.index(f"  - id: {provider}\n"))
        text = text[:at] + f"    channels: [{', '.join(listed)}]" + text[text.index("\n", at):]
    path = tmp_path / "rulebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path

"""A provider entry's `channels`: how it hears of its referrals, checked when the rulebook loads."""
import pytest

from pathways_router.adapters.rulebook_yaml import RulebookError, load_rulebook, parse_rulebook

from .test_rulebook_loader import edit, line_of


def channels_of(text: str) -> list[str]:
    return list(parse_rulebook(text, "book.yaml").source.provider("alpha").channels)


def test_listed_channels_are_kept_in_order():
    assert channels_of(edit("channels: [webhook]", "channels: [inbox, email]")) == ["inbox", "email"]


def test_without_channels_a_provider_gets_the_webhook_and_the_inbox():
    assert channels_of(edit("    channels: [webhook]\n", "")) == ["webhook", "inbox"]


@pytest.mark.parametrize("channels, reason", [
    ("[webhook, fax]", "Input should be 'webhook', 'email' or 'inbox'"),
    ("[]", "at least 1 item"),
    ("[email, inbox, email]", "each channel may be listed once; repeated: email"),
])
def test_a_bad_channel_list_names_the_line_and_the_problem(channels, reason):
    text = edit("channels: [webhook]", f"channels: {channels}")
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(text, "book.yaml")
    [(line, message)] = caught.value.problems
    assert line == line_of(text, "channels:")
    assert message.startswith("providers.0.channels") and reason in message
    assert f"book.yaml:{line}: providers.0.channels" in str(caught.value)


def test_every_packaged_provider_is_reached_by_webhook_and_inbox():
    providers = load_rulebook().source.providers
    assert {p.id: list(p.channels) for p in providers} == {p.id: ["webhook", "inbox"] for p in providers}

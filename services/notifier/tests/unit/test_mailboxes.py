"""Provider email addresses from the providers file and the environment, and the referral email."""
import uuid
from types import SimpleNamespace

import pytest

from pathways_notifier.adapters.endpoints import EndpointConfigError, load_endpoints
from pathways_notifier.adapters.mailboxes import load_mailboxes
from pathways_notifier.domain.notice import inbox_link, referral_notice

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_addresses_from_the_file_with_environment_overrides(tmp_path):
    path = tmp_path / "providers.yaml"
    path.write_text(f"pops:\n  webhook_url: https://pops.example/hooks\n  secret: {SECRET}\n  email: a@pops.example\n"
                    "moms:\n  email: ' referrals@moms.example '\n")
    found = load_mailboxes(path, environ={"PROVIDER_POPS_EMAIL": "b@pops.example", "PROVIDER_DWP_EMAIL": "w@dwp.example",
                                          "PROVIDER_POPS_WEBHOOK_URL": "https://x.example"})
    assert found == {"pops": "b@pops.example", "moms": "referrals@moms.example", "dwp": "w@dwp.example"}
    # The email-only entry is no webhook endpoint, and is not an error for the webhook settings.
    assert set(load_endpoints(path, environ={})) == {"pops"}


@pytest.mark.parametrize("address", ["not-an-address", "someone@localhost", "a@b.example, c@d.example", "@x.example"])
def test_a_bad_address_is_refused_naming_the_provider(address):
    with pytest.raises(EndpointConfigError, match=r"provider tmuk: email .* is not an email address"):
        load_mailboxes(None, environ={"PROVIDER_TMUK_EMAIL": address})


def test_the_referral_email_holds_the_id_and_link_only():
    prid = uuid.UUID("0b8e7c52-3a4f-5d6e-8f90-1a2b3c4d5e6f")
    delivery = SimpleNamespace(provider_referral_id=prid, revision=1, webhook_id=f"{prid}_1_email")
    message = referral_notice(delivery, "https://pathways.example/app/", "p@notify.example", "r@tmuk.example")
    link = "https://pathways.example/app/inbox/referrals/0b8e7c52-3a4f-5d6e-8f90-1a2b3c4d5e6f"
    assert inbox_link("https://pathways.example/app/", prid) == link
    assert message["Subject"] == f"Family Pathways: provider referral {prid}"
    assert (message["From"], message["To"]) == ("p@notify.example", "r@tmuk.example")
    assert link in message.get_content() and str(prid) in message.get_content()

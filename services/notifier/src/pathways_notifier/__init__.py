"""The notifier: delivers each provider referral to the provider's webhook, signed the Standard
Webhooks way, carrying only what that provider may see, retried until acknowledged."""

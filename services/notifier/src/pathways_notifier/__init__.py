"""The notifier: delivers each provider referral by the provider's channels (a webhook signed the
Standard Webhooks way, an email, the inbox pages), carrying only what that provider may see,
retried with backoff until acknowledged or dead-lettered."""

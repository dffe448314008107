"""Public contracts: the v1 household referral and the events the services exchange."""

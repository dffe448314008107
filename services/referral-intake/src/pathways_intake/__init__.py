"""Family Pathways referral intake: accepts household referrals and reports their progress."""

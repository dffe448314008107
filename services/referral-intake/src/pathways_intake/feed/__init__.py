"""The probation caseload feed: every case on a probation caseload export becomes a household
referral without anyone having to remember to refer it (docs/probation-caseload.md).

format (columns, case key) → rows (one row as a v1 referral) → lines/parser (streaming CSV and
JSONL) → service (chunks applied with apply_cases_on; bad rows to quarantine, batches recorded)
→ report (rejections). resubmission: corrected rows; upload: exports arriving over HTTP;
generator: synthetic exports.
"""

"""The intake's own tables: the protected store of clear referrals, and the progress projection
(routing outcome and deliveries) that answers GET /v1/referrals/{id}."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text, Uuid

metadata = MetaData()

referrals = Table(
    "referrals", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("document", JSON, nullable=False),       # the clear document, current revision
    Column("content_hash", String(64), nullable=False),  # of the document as first submitted
    Column("source_type", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

routings = Table(
    "referral_routings", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("rulebook_version", String(32), nullable=False),
    Column("decisions", JSON, nullable=False),
    Column("routed_at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "provider_referral_deliveries", metadata,
    Column("provider_referral_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False, index=True),
    Column("provider", String(32)),                  # unknown until raised or delivered is seen
    Column("delivery", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# HMPPS domain events as received, kept before anything is done with them (see pathways_intake.hmpps).
hmpps_inbox = Table(
    "hmpps_inbox", metadata,
    Column("id", String(100), primary_key=True),   # the SNS MessageId, else sha256 of the raw body
    Column("raw", Text, nullable=False),
    Column("event_type", String(200)),              # None when the message could not be read
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),   # received | applied | skipped | unresolved | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_error", String(500)),              # never personal data: it is shown to operators
    Column("outcome", String(32)),                  # created | updated | unchanged, or why skipped
    Column("referral_id", Uuid),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_hmpps_inbox_due", "status", "next_attempt_at"),
)

# The probation caseload feed (pathways_intake.feed): each export fed is a batch; the first row
# naming each case in a batch; and the rows quarantined, kept clear here (the protected store)
# until they are resubmitted or resolved.
feed_batches = Table(
    "feed_batches", metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("source_name", String(200)),              # the file's name as given, for people to recognise
    Column("format", String(8), nullable=False),     # csv | jsonl
    Column("organisation", String(200)),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),    # running | completed | refused | failed
    Column("summary", JSON),                          # counts, changed fields, file-level problems
)

feed_batch_cases = Table(
    "feed_batch_cases", metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, primary_key=True),
    Column("line", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),   # created | updated | unchanged | rejected
    Column("changed_fields", JSON),
)

feed_rejections = Table(
    "feed_rejections", metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("referral_id", Uuid, index=True),         # the case the row's CRN names, when it has one
    Column("raw", Text, nullable=False),             # the row's text as read
    Column("problems", JSON, nullable=False),        # [{field, type, reason}], fields as in the export
    Column("status", String(16), nullable=False),    # open | resubmitted | resolved
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("settled_at", DateTime(timezone=True)),
    Column("settled_by", String(64)),                # the batch that accepted the case, or "resubmission"
)

"""The intake's own tables: referrals (their non-personal skeleton), the protected store of their
personal fields, the progress projection (routing outcome and deliveries) that answers
GET /v1/referrals/{id}, and the audit of reads of personal data."""
from __future__ import annotations

from sqlalchemy import (
    JSON, BigInteger, Column, Date, DateTime, Index, Integer, LargeBinary, MetaData, String, Table, Text, Uuid,
)

metadata = MetaData()

referrals = Table(
    "referrals", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("document", JSON, nullable=False),       # current revision without personal fields (domain.personal)
    Column("content_hash", String(64), nullable=False),  # keyed, of the document as first submitted
    Column("source_type", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The earliest next birthday after the ages last announced (adapters.ages); None: no date of birth.
    Column("ages_change_on", Date, index=True),
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
    # The lifecycle as the provider reports it (../shared/domain/POLICY.md §6), from provider_activity.
    Column("status", String(16)),                    # None until the provider has said anything
    Column("status_reason", String(40)),
    Column("status_changed_at", DateTime(timezone=True)),
    Column("first_contact_on", Date),
    Column("first_contact_method", String(16)),
    Column("first_contact_due_on", Date),            # set when a first-contact reminder was raised
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
    Column("occurred_at", DateTime(timezone=True)),  # the event's occurredAt, once it could be read
    Index("ix_hmpps_inbox_due", "status", "next_attempt_at"),
    Index("ix_hmpps_inbox_case", "referral_id", "occurred_at"),  # the newest event applied to a case
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

# The protected store (adapters.protected): each person's data key, wrapped by the master key; it
# is shredded (wrapped set to NULL) on erasure or when retention ends, and its rows stay.
person_keys = Table(
    "person_keys", metadata,
    Column("key_id", Uuid, primary_key=True),
    Column("pseudonym", String(40), nullable=False, index=True),
    Column("wrapped", LargeBinary),                  # None once shredded
    Column("master_key_id", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("shredded_at", DateTime(timezone=True)),
    Column("shredded_for", String(16)),              # erasure | retention
)

# Who each person_ref of a referral is (their pseudonym); the referrer's fields have person_ref "".
referral_persons = Table(
    "referral_persons", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("person_ref", String(64), primary_key=True),
    Column("pseudonym", String(40), nullable=False, index=True),
)

# One sealed personal field (AES-GCM under the person's data key; associated data: referral id,
# person_ref and field name).
personal_fields = Table(
    "personal_fields", metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("person_ref", String(64), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("key_id", Uuid, nullable=False, index=True),
    Column("sealed", LargeBinary, nullable=False),
)

# Every read of clear personal data: who, whose, which fields, why. Append-only (triggers).
access_audit = Table(
    "access_audit", metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("read_at", DateTime(timezone=True), nullable=False, index=True),
    Column("caller", String(100), nullable=False),   # the token's name
    Column("role", String(200), nullable=False),     # its scopes
    Column("pseudonym", String(40), nullable=False, index=True),
    Column("referral_id", Uuid),
    Column("fields", JSON, nullable=False),
    Column("purpose", String(200), nullable=False),
)

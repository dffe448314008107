"""Helpers the sections share: the month's new provider referrals, sources, chains."""
from __future__ import annotations

from ..provider_referral import ProviderReferral
from ..state import Fold, providers_of

ALL = "all"
STATUSES = ("routed", "requested", "accepted", "in-progress", "on-hold", "completed", "rejected", "cancelled",
            "failed")


def new_referrals(fold: Fold) -> tuple[ProviderReferral, ...]:
    """Provider referrals raised in the month, in a stable order."""
    return fold.derived("new_referrals", _new_referrals)


def _new_referrals(fold: Fold) -> tuple[ProviderReferral, ...]:
    start, end = fold.start, fold.end
    raised = (pr for pr in fold.referrals.values() if pr.raised_at is not None and start <= pr.raised_at < end)
    return tuple(sorted(raised, key=lambda pr: (pr.raised_at, pr.id)))


def source_of(fold: Fold, pr: ProviderReferral) -> str:
    if pr.source:
        return pr.source
    parent = fold.referrals.get(pr.parent_id) if pr.parent_id else None
    if parent is not None:
        return f"provider:{parent.provider}"
    return fold.sources.get(pr.referral_id, "unknown")


def onward_from(fold: Fold, pr: ProviderReferral) -> str | None:
    """The provider that referred ``pr`` onward, or None for a referral from outside the providers."""
    parent = fold.referrals.get(pr.parent_id) if pr.parent_id else None
    if parent is not None:
        return parent.provider
    source = pr.source or ""
    referrer = source.split(":", 1)[1] if source.startswith("provider:") else None
    # A provider's own household referral routed back to itself is its referral, not an onward one.
    return referrer if referrer != pr.provider else None


def chain_label(fold: Fold, pr: ProviderReferral) -> str:
    """'magistra → pops → tmuk': the providers along the parent links, starting with the provider
    that referred the first household itself when there is no parent link to follow."""
    steps = chain_of(fold, pr)
    origin = onward_from(fold, steps[0]) if steps[0].parent_id is None else None
    return " → ".join([origin] * bool(origin) + [step.provider for step in steps])


def chain_of(fold: Fold, pr: ProviderReferral) -> list[ProviderReferral]:
    """The provider referrals from the first one down to ``pr``, following parent links."""
    chain, seen = [pr], {pr.id}
    while chain[0].parent_id and chain[0].parent_id in fold.referrals and chain[0].parent_id not in seen:
        chain.insert(0, fold.referrals[chain[0].parent_id])
        seen.add(chain[0].id)
    return chain


def providers(fold: Fold) -> tuple[str, ...]:
    return providers_of(fold)

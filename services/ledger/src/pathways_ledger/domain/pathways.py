"""A person's pathway: the chains of provider referrals they are on, across providers.

A chain runs from a provider referral raised from outside the providers, through each onward
referral (``parent_provider_referral_id``), to one with no onward referral of its own.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from pathways_shared.events import EventType as E

from .canonical import canonical_datetime

PSEUDONYM = re.compile(r"^pp_[0-9A-Za-z_-]{1,64}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TRACED = frozenset({E.provider_referral_raised, E.provider_referral_delivered, E.provider_referral_status_changed,
                    E.first_contact_recorded, E.duplicate_presentation_recorded})


class NotTraceable(ValueError):
    """Neither a person's pseudonym (pp_…) nor a provider referral id."""


def query_kind(query: str) -> str:
    if PSEUDONYM.match(query):
        return "person"
    if _UUID.match(query.lower()):
        return "provider_referral"
    raise NotTraceable(f"{query!r} is neither a person's pseudonym (pp_…) nor a provider referral id (a UUID)")


class PathwayFold:
    """Remembers every provider referral's steps; persons only as pseudonyms."""

    def __init__(self) -> None:
        self.steps: dict[str, dict] = {}
        self.children: dict[str, list[str]] = {}

    def _step(self, info: dict) -> dict:
        return self.steps.setdefault(info["provider_referral_id"], {
            "provider_referral_id": info["provider_referral_id"], "provider": info.get("provider"),
            "referral_id": info.get("referral_id"), "raised_at": None, "delivered_at": None, "first_contact_on": None,
            "source": None, "onward_reason": None, "parent": None, "persons": [], "history": [],
            "duplicate_presentations": []})

    def add(self, event_type: str, occurred_at: datetime, info: dict) -> None:
        if event_type not in TRACED:
            return
        key = "open_provider_referral_id" if event_type == E.duplicate_presentation_recorded else None
        step = self._step({**info, "provider_referral_id": info[key]} if key else info)
        at = canonical_datetime(occurred_at)
        if event_type == E.provider_referral_raised:
            parent = info.get("parent_provider_referral_id")
            step.update(raised_at=at, provider=info["provider"], source=info.get("source"), parent=parent,
                        onward_reason=info.get("onward_reason"),
                        persons=sorted({p["pseudonym"] for p in info.get("persons", ())}))
            if parent:
                self.children.setdefault(parent, []).append(step["provider_referral_id"])
        elif event_type == E.provider_referral_delivered:
            step["delivered_at"] = step["delivered_at"] or at
        elif event_type == E.first_contact_recorded:
            step["first_contact_on"] = min(filter(None, (step["first_contact_on"], info["contacted_on"])))
        elif event_type == E.duplicate_presentation_recorded:
            step["duplicate_presentations"].append(info["pseudonym"])
        else:
            step["history"].append({"at": at, "status": info["to_status"], "reason": info.get("reason")})

    def _paths_from(self, root: str, trail: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        trail = (*trail, root)
        kids = sorted(set(self.children.get(root, ())) - set(trail),
                      key=lambda k: (self.steps[k]["raised_at"] or "", k))
        return [p for kid in kids for p in self._paths_from(kid, trail)] or [trail]

    def _root(self, pr_id: str) -> str:
        seen = {pr_id}
        while (parent := self.steps[pr_id]["parent"]) in self.steps and parent not in seen:
            pr_id = parent
            seen.add(pr_id)
        return pr_id

    def trace(self, query: str) -> dict:
        kind = query_kind(query)
        if kind == "person":
            hits = {k for k, s in self.steps.items() if query in s["persons"] or query in s["duplicate_presentations"]}
        else:
            hits = {query.lower()} & set(self.steps)
        paths = sorted({p for root in sorted({self._root(h) for h in hits}) for p in self._paths_from(root)
                        if hits & set(p)}, key=lambda p: (self.steps[p[0]]["raised_at"] or "", p))
        return {"query": query, "kind": kind, "chains": [self._chain(p, hits) for p in paths]}

    def _chain(self, path: tuple[str, ...], hits: set[str]) -> dict:
        steps = []
        for pr_id in path:
            s = self.steps[pr_id]
            latest = max(s["history"], key=lambda h: h["at"]) if s["history"] else None
            status = latest["status"] if latest else ("requested" if s["delivered_at"] else "routed")
            steps.append({**{k: s[k] for k in ("provider_referral_id", "provider", "source", "onward_reason",
                                                "raised_at", "delivered_at", "first_contact_on")},
                          "history": sorted(s["history"], key=lambda h: h["at"]), "status": status,
                          "reason": latest["reason"] if latest else None, "matches_query": pr_id in hits})
        return {"path": " → ".join(s["provider"] or "?" for s in steps), "steps": steps}


def trace(events: Iterable[tuple[str, datetime, dict]], query: str) -> dict:
    query_kind(query)
    fold = PathwayFold()
    for event in events:
        fold.add(*event)
    return fold.trace(query)

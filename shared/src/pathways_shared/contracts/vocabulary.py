"""Closed vocabularies of the v1 household referral (see the intake contract and POLICY.md §7)."""
from __future__ import annotations

from enum import StrEnum


class SourceType(StrEnum):
    probation_auto_feed = "probation_auto_feed"
    probation_practitioner = "probation_practitioner"
    prison = "prison"
    court = "court"
    youth_justice = "youth_justice"
    self = "self"
    school = "school"
    childrens_services = "childrens_services"
    health = "health"
    provider = "provider"
    other = "other"


class IdentifierType(StrEnum):
    CRN = "CRN"
    NOMS = "NOMS"
    LOCAL = "LOCAL"


class Sex(StrEnum):
    female = "female"
    male = "male"
    other = "other"
    not_known = "not_known"
    not_disclosed = "not_disclosed"


class LocalAuthority(StrEnum):
    liverpool = "liverpool"
    knowsley = "knowsley"
    sefton = "sefton"
    st_helens = "st_helens"
    wirral = "wirral"
    halton = "halton"
    other = "other"


class Stage(StrEnum):
    arrested = "arrested"
    court = "court"
    remand = "remand"
    custody = "custody"
    licence = "licence"
    approved_premises = "approved_premises"
    community_sentence = "community_sentence"
    recalled = "recalled"
    post_sentence = "post_sentence"


class Consent(StrEnum):
    granted = "granted"
    pending = "pending"
    refused = "refused"
    not_asked = "not_asked"


class Relationship(StrEnum):
    partner = "partner"
    mother = "mother"
    father = "father"
    parent = "parent"
    child = "child"
    step_child = "step_child"
    grandchild = "grandchild"
    sibling = "sibling"
    grandparent = "grandparent"
    carer = "carer"
    other_relative = "other_relative"
    other = "other"


class Need(StrEnum):
    housing = "housing"
    homelessness_risk = "homelessness_risk"
    tenancy = "tenancy"
    finance_debt = "finance_debt"
    benefits = "benefits"
    employment_training = "employment_training"
    emotional_wellbeing = "emotional_wellbeing"
    mental_health = "mental_health"
    substance_misuse = "substance_misuse"
    physical_health = "physical_health"
    family_relationships = "family_relationships"
    parenting = "parenting"
    prison_visits = "prison_visits"
    licence_conditions = "licence_conditions"
    child_concern = "child_concern"
    peer_support = "peer_support"
    mentoring = "mentoring"
    life_skills = "life_skills"
    community_links = "community_links"

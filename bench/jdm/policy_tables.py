"""Routing policy v1 (../shared/domain/POLICY.md) as a JDM author would write it: one first-hit
decision table per clause, with the policy's clause IDs, in zen's unary-test cell syntax ('' = any).

Written independently of the rulebook YAML on purpose: the benchmark's equality check is what
keeps the two in step. Each row is (cells, outcome[, eligible_from expression]).
"""
MERSEYSIDE = "'liverpool', 'knowsley', 'sefton', 'st_helens', 'wirral'"
IMPRISONED = "'remand', 'custody', 'recalled', 'licence', 'approved_premises'"
CHILDREN = "'child', 'step_child', 'grandchild', 'sibling'"
UNCLEAR = "'other_relative', 'other'"  # whether the index person cared for them needs a person to check


def opens(days: int) -> str:
    return f"d(index.release_date).sub({days}, 'd').format('%Y-%m-%d')"


PROVIDERS = {
    "pops": [
        ("POPS-1", "subject", ["subject.role", "subject.age"], [
            (["'index'", ""], "fail"),
            (["", "< 18"], "fail"),
            (["", ""], "pass")]),
        ("POPS-2", "stage", ["index.stage", "index.release_date", "index.days_to_release"], [
            (["'licence', 'approved_premises', 'community_sentence', 'court'", "", ""], "pass"),
            (["'custody'", "$ == null", ""], "review"),
            (["'custody'", "", "<= 84"], "pass"),
            (["'custody'", "", ""], "not_yet", opens(84)),
            (["'remand', 'recalled'", "", ""], "review"),
            (["", "", ""], "fail")]),
        ("POPS-3", "area", ["subject.local_authority"], [
            (["'liverpool', 'wirral', 'knowsley', 'sefton'"], "pass"),
            (["'st_helens', 'halton'"], "review"),
            ([""], "fail")]),
        ("POPS-4", "consent gate", ["index.consent", "subject.consent"], [
            (["'refused'", ""], "fail"),
            (["", "'refused'"], "fail"),
            (["'granted'", ""], "pass"),
            (["", ""], "held")]),
        ("POPS-5", "safeguarding", ["subject.no_contact_with_index"], [
            (["true"], "review"),
            ([""], "pass")]),
        # The original 18-25 violent-offence restriction is switched off in policy v1.
        ("POPS-6", "index person's age and offence", ["index.age"], [
            ([""], "pass")]),
    ],
    "tmuk": [
        ("TMUK-1", "subject", ["subject.age"], [
            (["[5..18]"], "pass"),
            (["[2..4]"], "stretch"),
            (["[19..20]"], "stretch"),
            (["< 2"], "fail"),
            ([""], "fail")]),
        ("TMUK-2", "impact", ["subject.role", "subject.relationship", "index.stage", "index.past_custody"], [
            (["'index'", "", "", ""], "fail"),
            (["", f"not ($ in [{CHILDREN}, {UNCLEAR}])", "", ""], "fail"),
            (["", UNCLEAR, IMPRISONED, ""], "review"),
            (["", UNCLEAR, "", "true"], "review"),
            (["", "", IMPRISONED, ""], "pass"),
            (["", "", "", "true"], "pass"),
            (["", "", "'court'", ""], "review"),
            (["", "", "", ""], "fail")]),
        ("TMUK-3", "area", ["subject.local_authority"], [
            ([MERSEYSIDE], "pass"),
            ([""], "fail")]),
        ("TMUK-4", "consent gate", ["subject.consent"], [
            (["'granted'"], "pass"),
            (["'refused'"], "fail"),
            ([""], "held")]),
    ],
    "shelter": [
        ("SHEL-1", "subject", ["subject.role"], [
            (["'index'"], "pass"),
            ([""], "fail")]),
        ("SHEL-2", "age", ["subject.age"], [
            (["[18..25]"], "pass"),
            (["[26..35]"], "stretch"),
            ([""], "fail")]),
        ("SHEL-3", "area", ["subject.local_authority", "index.resettlement_area"], [
            ([MERSEYSIDE, ""], "pass"),
            (["", MERSEYSIDE], "pass"),
            (["", ""], "fail")]),
        ("SHEL-4", "housing need", ["subject.needs"], [
            (["some($, # in ['housing', 'homelessness_risk', 'tenancy'])"], "pass"),
            ([""], "fail")]),
        ("SHEL-5", "violence", ["index.violent", "index.violence_risk"], [
            (["true", ""], "pass"),
            (["", "true"], "pass"),
            (["", ""], "fail")]),
        ("SHEL-6", "stage", ["index.stage", "index.release_date", "index.days_to_release"], [
            (["'approved_premises'", "", ""], "pass"),
            (["'arrested', 'court', 'community_sentence', 'licence', 'post_sentence'", "", ""], "pass"),
            (["'custody'", "$ == null", ""], "review"),
            (["'custody'", "", "<= 14"], "pass"),
            (["'custody'", "", ""], "not_yet", opens(14)),
            (["", "", ""], "review")]),
    ],
    "moms": [
        ("MOMS-1", "subject", ["subject.role", "subject.sex"], [
            (["!= 'index'", ""], "fail"),
            (["", "!= 'male'"], "fail"),
            (["", ""], "pass")]),
        ("MOMS-2", "age", ["subject.age"], [
            (["<= 29"], "pass"),
            ([""], "fail")]),
        ("MOMS-3", "offence", ["index.violent", "index.convicted"], [
            (["true", "true"], "pass"),
            (["", ""], "fail")]),
        ("MOMS-4", "prison", ["index.establishment"], [
            (["'LPI', 'RSI', 'KMI'"], "pass"),
            ([""], "fail")]),
        ("MOMS-5", "area", ["index.resettlement_area"], [
            ([MERSEYSIDE], "pass"),
            ([""], "fail")]),
        ("MOMS-6", "stage", ["index.stage", "index.release_date", "index.days_to_release",
                             "index.days_since_release"], [
            (["'custody', 'licence', 'approved_premises'", "$ == null", "", ""], "review"),
            (["'custody'", "", "<= 84", ""], "pass"),
            (["'custody'", "", "", ""], "not_yet", opens(84)),
            (["'licence', 'approved_premises'", "", "", "<= 84"], "pass"),
            (["'licence', 'approved_premises'", "", "", ""], "fail"),
            (["", "", "", ""], "fail")]),
    ],
    "magistra": [
        ("MAG-1", "subject", ["subject.role", "subject.sex"], [
            (["!= 'index'", ""], "fail"),
            (["", "'female'"], "pass"),
            (["", ""], "pass")]),
        ("MAG-2", "age", ["subject.age"], [
            (["[18..30]"], "pass"),
            ([""], "fail")]),
        ("MAG-3", "offence", ["index.violent", "index.convicted"], [
            (["true", "true"], "pass"),
            (["", ""], "fail")]),
        ("MAG-4", "setting", ["index.stage", "index.establishment", "index.local_authority"], [
            (["'custody'", "'LPI', 'HII', 'ACI', 'STI'", ""], "pass"),
            (["'approved_premises'", "", MERSEYSIDE], "pass"),
            (["'remand'", "", ""], "fail"),
            (["'custody'", "", ""], "fail"),
            (["", "", ""], "fail")]),
    ],
}

# Worst outcome wins (POLICY.md §1): ineligible > review > not_yet > held > stretch > eligible.
WORST_OUTCOME = [
    ("contains($, 'fail')", "ineligible"),
    ("contains($, 'review')", "review"),
    ("contains($, 'not_yet')", "not_yet"),
    ("contains($, 'held')", "held"),
    ("contains($, 'stretch')", "stretch"),
    ("", "eligible"),
]

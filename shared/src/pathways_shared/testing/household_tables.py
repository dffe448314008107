"""The tables the synthetic household generator draws from (testing/households.py).

Weighted pools: an item repeated n times is n times as likely; simplest cases first (they shrink
there). Names come from short built-in lists, so any likeness to a real person is chance.
"""
from __future__ import annotations

from pathways_shared.contracts.vocabulary import LocalAuthority, Need, SourceType

LAS = tuple(LocalAuthority)
NEEDS = tuple(Need)
HOUSING_NEEDS = ("housing", "homelessness_risk", "tenancy")
STAGES = ("custody",) * 5 + ("licence",) * 4 + ("community_sentence",) * 3 + ("approved_premises",) * 2 + (
    "court", "court", "remand", "recalled", "arrested", "post_sentence")
SOURCES = tuple(SourceType) + ("probation_auto_feed",) * 4 + ("probation_practitioner",) * 3 + ("prison",) * 2
PRISONS = ("LPI", "LPI", "LPI", "ACI", "HII", "RSI", "KMI", "STI", "LFI", "TCI", "WMI", "PNI", "MRI", "FBI",
           "BCI", "ZZI", "XQ9", "HMPNOWHR")  # the last three match no prison in the policy
CONSENTS = ("granted",) * 6 + ("pending", "pending", "refused", "not_asked", None)
INDEX_SEX = ("male",) * 14 + ("female",) * 4 + ("other", "not_known", "not_disclosed")
# Ages on each bound: Shelter 18-25/26-35, MOMS under 30, Magistra 18-30, YOS transition at 17.
INDEX_AGE_EDGES = (17, 18, 25, 26, 29, 30, 31, 35, 36)
# TMUK 2-4 stretch, 5-18 core, 19-20 stretch; POPS adults from 18.
YOUNG_AGE_EDGES = (0, 1, 2, 4, 5, 18, 19, 20, 21)
WINDOW_EDGES = (0, 1, 13, 14, 15, 83, 84, 85)  # days to/since release around the 14- and 84-day windows
FAMILY_SIZES = (0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6)
MAIN_CARERS = ("partner",) * 9 + ("mother",) * 6 + ("grandparent", "grandparent", "father", "carer", "parent")
OTHER_ADULTS = ("sibling", "sibling", "mother", "father", "grandparent", "other_relative", "parent", "other")
SEX_OF = {"mother": "female", "father": "male"}
# Years added to the index person's age, by relationship, for a plausible adult relative.
AGE_GAP = {"partner": (-6, 8), "mother": (17, 40), "father": (18, 45), "parent": (17, 40),
           "grandparent": (36, 60), "carer": (-10, 40), "sibling": (-10, 10), "other_relative": (-20, 30),
           "other": (-15, 30)}
GIVEN_F = ("Amy", "Beth", "Carly", "Dawn", "Erin", "Faye", "Gemma", "Holly", "Jade", "Kayleigh", "Leanne", "Nia")
GIVEN_M = ("Adam", "Ben", "Callum", "Dean", "Ethan", "Finn", "Gary", "Jake", "Kyle", "Liam", "Owen", "Reece")
FAMILY_NAMES = ("Ashby", "Barlow", "Corran", "Delaney", "Ennis", "Fenwick", "Garside", "Hollis", "Ireton",
                "Jessop", "Kinsella", "Lomax", "Marland", "Nolan", "Orrell", "Pendle", "Quayle", "Rigby")
OUTWARD = {"liverpool": ("L4", "L8", "L11"), "knowsley": ("L36", "L28"), "sefton": ("L20", "PR8"),
           "st_helens": ("WA9", "WA10"), "wirral": ("CH41", "CH44"), "halton": ("WA7", "WA8"),
           "other": ("M1", "PR1", "WN5")}
ETHNICITY = ("White: English, Welsh, Scottish, Northern Irish or British", "White: Irish",
             "Mixed or Multiple ethnic groups: White and Black Caribbean", "Black, Black British, Caribbean or "
             "African: African", "Asian or Asian British: Chinese", "Other ethnic group: Arab")
ORGANISATIONS = {"probation_auto_feed": "Probation Service North West", "prison": "Prison resettlement team",
                 "court": "Court family support desk", "youth_justice": "Youth Justice Service",
                 "school": "Primary school safeguarding lead", "provider": "Partner provider"}
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PROVIDERS = ("pops", "tmuk", "shelter", "moms", "magistra")

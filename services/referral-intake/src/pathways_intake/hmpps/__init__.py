"""HMPPS domain events (the stream side of the probation auto-feed): a person's stage changes
(released, received or recalled, licence activated, approved premises booked, new community
event allocated) update their case and re-route their household. See docs/hmpps-events.md.
"""

"""A small events file of the demo network, shared by the training service and chat tests."""

EVENTS = """
horizon: {start: 2027-01-11, end: 2027-12-10}
rules: {min_gap_days: 14, max_hosted_per_country: 3}
events:
  - id: neg-a
    kind: training
    title: Negotiation in a siege
    duration_days: 3
    capability: negotiation
    participants: [de-1, nl-1, be-1, at-1]
    host: be-1
    window: {start: 2027-03-01, end: 2027-04-30}
  - id: hr-a
    kind: exercise
    title: Hostage rescue in a school
    duration_days: 3
    capability: hostage_rescue
    participants: [de-1, fr-1, be-1]
    window: {start: 2027-03-01, end: 2027-05-31}
  - id: mtg-a
    kind: meeting
    title: Commanders by video
    duration_days: 1
    participants: [de-1, nl-1, fr-1, at-1]
    virtual: true
    window: {start: 2027-02-01, end: 2027-02-26}
"""

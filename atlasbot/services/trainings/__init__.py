"""Joint trainings, exercises and meetings (RULES R11): one module per use case family.

Trainings are not requests: there is no competent-authority flow. Only coordinators plan,
publish and re-plan; a unit's commander answers invitations for the unit (duty officers read);
members see only their own units' events unless they coordinate.

- ``work``: the unit of work (transaction, time, settings) and the result every use case
  returns (the reply, documents, messages with their tokens issued, reminder timers).
- ``records``: plans, schedules and events as stored; ``audience``: who hears of an event.
- ``drafts``: the coordinator's draft (events file, wizard events, discard).
- ``solving`` and ``publishing``: run the planner on a draft; publish it with invitations.
- ``digests``: one digest per unit and member, its copies edited as answers change.
- ``answers``: invitations answered (and why a unit can't); ``replanning``: a re-plan after
  "can't attend"; ``changes``: cancel, move, rename one event, keep it without a unit, and
  the search for a date that keeps every unit; ``overview``: /rsvp and its reminder.
- ``reminders``: reminders placed, re-armed and sent; ``calendar``: what a member sees.
- ``readiness``: training currency; ``meetings``: meeting polls.

Solving is CPU-bound and happens outside the use cases, so no transaction stays open while
the solver runs: a use case reads the inputs, the caller solves off the event loop, then
another use case stores the outcome, checking that the plan did not change meanwhile (its
``version``). Texts are composed here with the pure ``atlasbot.texts`` modules.
"""

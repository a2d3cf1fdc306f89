"""Guided flows (e.g. the legal aid eligibility check), defined in faq/flows/*.yaml that admins edit.

The conversation core calls `Flows.start` and `Flows.step`, stores the returned
state, and sends the returned reply; see `bot.flows.engine`.
"""

from bot.flows.engine import Flows, FlowStep

__all__ = ["FlowStep", "Flows"]

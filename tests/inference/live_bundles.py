"""Bundles run live against the fake provider's server variants and against a real server (tests/real_llm):
text, a structured concept, a list, a fixed-count list, a sequence, a batch, and a condition on an LLM-made field.
"""

from __future__ import annotations

TRIAGE = """
domain = "triage"
main_pipe = "triage"

[concept.Ticket]
description = "A support ticket, read"
[concept.Ticket.structure]
summary = { type = "text", description = "A one-line summary", required = true }
urgency = { type = "text", description = "How urgent it is", choices = ["high", "low"], required = true }
minutes = { type = "integer", description = "Minutes needed to fix it", required = true }

[concept.Step]
description = "One step of a plan"
[concept.Step.structure]
action = { type = "text", description = "What to do", required = true }

[pipe.triage]
type = "PipeSequence"
description = "Read the ticket, then route it by urgency"
inputs = { note = "Text" }
output = "Text"
steps = [
  { pipe = "read_ticket", result = "ticket" },
  { pipe = "route", result = "reply" },
]

[pipe.read_ticket]
type = "PipeLLM"
description = "Read a support note into a ticket"
inputs = { note = "Text" }
output = "Ticket"
prompt = "Read this support note and fill in the ticket: $note"

[pipe.route]
type = "PipeCondition"
description = "Page on-call for urgent tickets, queue the others"
inputs = { ticket = "Ticket" }
output = "Text"
expression = "ticket.urgency"
default_outcome = "queue_it"

[pipe.route.outcomes]
high = "page_oncall"
low = "queue_it"

[pipe.page_oncall]
type = "PipeLLM"
description = "Write a page"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Write a one-line page to the on-call engineer about: $ticket.summary"

[pipe.queue_it]
type = "PipeLLM"
description = "Write a queue note"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Write a one-line note for the support queue about: $ticket.summary"

[pipe.say]
type = "PipeLLM"
description = "Answer in text"
inputs = { note = "Text" }
output = "Text"
prompt = "Answer in one sentence: $note"

[pipe.plan]
type = "PipeSequence"
description = "List steps, then explain each"
inputs = { note = "Text" }
output = "Text[]"
steps = [
  { pipe = "list_steps", result = "steps" },
  { pipe = "explain_step", batch_over = "steps", batch_as = "step", result = "explanations" },
]

[pipe.list_steps]
type = "PipeLLM"
description = "Steps to fix the problem"
inputs = { note = "Text" }
output = "Step[]"
prompt = "List the steps to fix this problem: $note"

[pipe.three_steps]
type = "PipeLLM"
description = "Exactly three steps"
inputs = { note = "Text" }
output = "Step[3]"
prompt = "Give three steps to fix this problem: $note"

[pipe.explain_step]
type = "PipeLLM"
description = "Explain one step"
inputs = { step = "Step" }
output = "Text"
prompt = "Explain in one sentence why we should: $step.action"
"""

NOTE = "The checkout page returns an error 500 for every customer since this morning."

"""A bundle written the way users write them, for the real-server tier's wider tests: a structure nesting a
concept, a list of concepts, choices, optional fields, a date and numbers; fixed-count and free lists; a
sequence handing a structure from one LLM pipe to another; a batch over a list with a structured result per
item; a condition on a real answer; ``preliminary_text``; a bundle system prompt; inline model settings.
"""

from __future__ import annotations

INSPECTION = """
domain = "inspection"
main_pipe = "report"
system_prompt = "You are a careful building inspector. Answer briefly and in English."

[concept.Place]
description = "Where an inspection happened"
[concept.Place.structure]
city = { type = "text", description = "The city", required = true }
floor = { type = "integer", description = "The floor number, if the note gives one" }

[concept.Finding]
description = "One problem found during an inspection"
[concept.Finding.structure]
label = { type = "text", description = "What was found, in a few words", required = true }
severity = { type = "text", description = "How serious it is", choices = ["minor", "major"], required = true }

[concept.Inspection]
description = "An inspection report"
[concept.Inspection.structure]
title = { type = "text", description = "A short title", required = true }
visited_on = { type = "date", description = "The day of the visit", required = true }
place = { type = "concept", concept_ref = "Place", description = "Where", required = true }
findings = { type = "list", item_type = "concept", item_concept_ref = "Finding", description = "What was found", required = true }
cost_estimate = { type = "number", description = "Estimated repair cost in euros", required = true }
hours = { type = "integer", description = "Hours of work needed", required = true }
tags = { type = "list", item_type = "text", description = "Keywords" }
notes = { type = "text", description = "Anything else, if needed" }

[concept.Advice]
description = "What to do about one finding"
[concept.Advice.structure]
action = { type = "text", description = "What to do", required = true }
priority = { type = "integer", description = "1 (first) to 5 (last)", required = true }

[pipe.report]
type = "PipeSequence"
description = "Read the note into an inspection, then write a summary of it"
inputs = { note = "Text" }
output = "Text"
steps = [
  { pipe = "inspect", result = "inspection" },
  { pipe = "summarise", result = "summary" },
]

[pipe.inspect]
type = "PipeLLM"
description = "Read an inspection note into a report"
inputs = { note = "Text" }
output = "Inspection"
prompt = "Fill in the inspection report from this note: $note"
model = { model = "gpt-4o", temperature = 0.7, max_tokens = 1000 }

[pipe.inspect_in_two_calls]
type = "PipeLLM"
description = "Read an inspection note into a report, drafting text first"
inputs = { note = "Text" }
output = "Inspection"
structuring_method = "preliminary_text"
prompt = "Describe the inspection in this note, then it will be filed as a report: $note"
model = { model = "gpt-4o", temperature = 0.7, max_tokens = 600 }

[pipe.summarise]
type = "PipeLLM"
description = "Summarise an inspection"
inputs = { inspection = "Inspection" }
output = "Text"
prompt = "Write one sentence for the owner about the inspection '$inspection.title' in $inspection.place.city."

[pipe.two_findings]
type = "PipeLLM"
description = "Exactly two findings"
inputs = { note = "Text" }
output = "Finding[2]"
prompt = "List two problems found in this note: $note"

[pipe.advise_all]
type = "PipeSequence"
description = "List the findings, then advise on each"
inputs = { note = "Text" }
output = "Advice[]"
steps = [
  { pipe = "list_findings", result = "findings" },
  { pipe = "advise", batch_over = "findings", batch_as = "finding", result = "advice" },
]

[pipe.list_findings]
type = "PipeLLM"
description = "The findings of a note"
inputs = { note = "Text" }
output = "Finding[]"
prompt = "List the problems found in this note, at least one: $note"

[pipe.advise]
type = "PipeLLM"
description = "Advise on one finding"
inputs = { finding = "Finding" }
output = "Advice"
prompt = "Say what to do about this {{ finding.severity }} problem: $finding.label"

[pipe.escalate]
type = "PipeSequence"
description = "Judge one finding, then route it by its severity"
inputs = { note = "Text" }
output = "Text"
steps = [
  { pipe = "worst_finding", result = "finding" },
  { pipe = "route", result = "reply" },
]

[pipe.worst_finding]
type = "PipeLLM"
description = "The worst problem of a note"
inputs = { note = "Text" }
output = "Finding"
prompt = "Name the worst problem in this note and how serious it is: $note"

[pipe.route]
type = "PipeCondition"
description = "Call the owner about major findings, log the minor ones"
inputs = { finding = "Finding" }
output = "Text"
expression = "finding.severity"
default_outcome = "log_it"

[pipe.route.outcomes]
major = "call_owner"
minor = "log_it"

[pipe.call_owner]
type = "PipeLLM"
description = "A message to the owner"
inputs = { finding = "Finding" }
output = "Text"
prompt = "Write one line to the building owner about: $finding.label"

[pipe.log_it]
type = "PipeLLM"
description = "A log line"
inputs = { finding = "Finding" }
output = "Text"
prompt = "Write one log line about: $finding.label"

[pipe.one_line]
type = "PipeLLM"
description = "A short answer, with no model settings (the default token limit)"
inputs = { note = "Text" }
output = "Text"
prompt = "Write one line about this note: $note"

[pipe.short_answer]
type = "PipeLLM"
description = "A long answer cut short by the settings"
inputs = { note = "Text" }
output = "Text"
system_prompt = "You are a verbose assistant who always writes at length."
prompt = "Write a long essay, at least ten paragraphs, about this note: $note"
model = { model = "gpt-4o", temperature = 0.25, max_tokens = 7 }

[pipe.worst_finding_bounded]
type = "PipeLLM"
description = "The worst problem of a note, in a bounded reply"
inputs = { note = "Text" }
output = "Finding"
prompt = "Name the worst problem in this note and how serious it is: $note"
model = { model = "gpt-4o", temperature = 0.2, max_tokens = 300 }
"""

NOTE = (
    "Visit of 2026-03-14 at 12 Rue des Lilas, Lyon, 3rd floor: a crack in the load-bearing wall of the "
    "kitchen, a dripping tap in the bathroom, a missing smoke detector. About 6 hours of work, 1800 euros."
)

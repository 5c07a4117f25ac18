"""Wild bundles: written the way users nobody here has imitated yet write them (ninth pass of fidelity).

Where the other case modules grew from the language's rules (one rule broken at a time, every tag, every error
type in every context, which fault comes first), these bases grew from how people write when they copy the
reference's published docs and tutorials and then make them their own: an empty ``[pipe]`` table before the
pipes (as the docs' hello world writes it), long multi-line prompts with Jinja filters, loops with whitespace
control, conditionals and ``{% set %}``; ``$var`` / ``@var`` beside punctuation, in markdown, in code fences,
in e-mail addresses and prices; nested structured concepts with lists, choices and optional fields; refines
chains; concepts named like natives (``TextBlock``, ``Images``); dotted domains with underscores; TOML that
is unusual but legal (multi-line inline tables, dotted keys under a pipe, literal strings, arrays of tables
for steps and branches, comments on every line, unicode in descriptions); pipes of every kind with their
optional fields; batches inside parallels inside conditions; libraries of several files with cross-domain
references.

Then one-rule mutations of them, as typos users make: wrong case (``PipeLlm``, ``text``), a missing field,
plural for singular (``Tickets``), a wrong arrow (``=>``), a misspelt pipe type, a stray key (``definition``,
``pipe_map``: the names of older docs), a marker in the wrong place. Case names are ``w_<base>__base`` and
``w_<base>__<mutation>``; ``fidelity.py`` writes and runs them like the other modules' cases. Nothing here
encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

BASES: dict[str, str | dict[str, str]] = {}
# (base, mutation name, old text, new text): the mutation replaces the first occurrence of old in the base
# (in a folder base, in the first file that holds it)
MUTATIONS: list[tuple[str, str, str, str]] = []


def _base(name: str, text: str | dict[str, str]) -> None:
    BASES[name] = text


def _mut(base: str, name: str, old: str, new: str) -> None:
    MUTATIONS.append((base, name, old, new))


# --- the docs' hello world, as users copy it ---------------------------------------------------------------------

_base(
    "haiku",
    '''domain = "quick_start"
description = "My very first method"
main_pipe = "hello_world"

[pipe]
[pipe.hello_world]
type = "PipeLLM"
description = "Write a haiku about Hello World."
output = "Text"
prompt = """
Write a haiku about Hello World.
"""
''',
)
_mut("haiku", "pipe_llm_lowercase", 'type = "PipeLLM"', 'type = "PipeLlm"')
_mut("haiku", "output_lowercase", 'output = "Text"', 'output = "text"')
_mut("haiku", "definition_key", 'description = "Write a haiku', 'definition = "Write a haiku')
_mut("haiku", "main_pipe_dash", 'main_pipe = "hello_world"', 'main-pipe = "hello_world"')
_mut("haiku", "plx_domain_caps", 'domain = "quick_start"', 'domain = "Quick_Start"')
_mut("haiku", "pipe_table_value", "[pipe]\n[pipe.hello_world]", 'pipe = "hello_world"\n[pipe.hello_world]')
_mut("haiku", "prompt_template_key", 'prompt = """', 'prompt_template = """')

_base(
    "story_idea",
    '''# A tutorial step, grown a little
domain = "tutorial_hello_world"
description = "Your first Pipelex pipeline ✨ (with a twist)"
main_pipe = "tutorial_hello_world"

[pipe]

[pipe.tutorial_hello_world]
type = "PipeLLM"
description = "Generate a creative story idea — one paragraph"
inputs = { theme = "Text" }   # what the story is about
output = "Text"
system_prompt = "You are a novelist. You never use the word 'suddenly'."
prompt = """
Generate a one-paragraph creative story idea about a robot learning to paint.
The theme is: $theme.
Keep it under 120 words; end with a question?
"""
''',
)
_mut("story_idea", "input_undeclared", 'inputs = { theme = "Text" }   # what the story is about\n', "")
_mut("story_idea", "dollar_brace", "The theme is: $theme.", "The theme is: ${theme}.")
_mut("story_idea", "jinja_typo", "The theme is: $theme.", "The theme is: {{ theme }.")
_mut("story_idea", "system_prompt_var", "never use the word 'suddenly'.", "write about $topic.")
_mut("story_idea", "input_plural", "The theme is: $theme.", "The theme is: $themes.")

# --- long prompts with Jinja: filters, loops with whitespace control, set, conditionals ---------------------------

_base(
    "meeting_minutes",
    '''domain = "office.meeting_notes"
description = "Turn a meeting's raw notes into minutes"
main_pipe = "write_minutes"

[concept.Attendee]
description = "Someone who came to the meeting"

[concept.Attendee.structure]
name = { type = "text", description = "Full name", required = true }
role = { type = "text", description = "Their role", choices = ["chair", "secretary", "member", "guest"], required = true }
remote = { type = "boolean", description = "Joined by video", default_value = false }

[concept.Meeting]
description = "A meeting as it happened"

[concept.Meeting.structure]
title = { type = "text", description = "What the meeting was about", required = true }
held_on = { type = "date", description = "The day it was held", required = true }
attendees = { type = "list", item_type = "concept", item_concept_ref = "Attendee", description = "Who came", required = true }
decisions = { type = "list", item_type = "text", description = "What was decided" }
raw_notes = { type = "text", description = "The notes as typed during the meeting", required = true }

[concept]
Minutes = "The formal minutes of a meeting"

[pipe.write_minutes]
type = "PipeLLM"
description = "Writes the minutes"
inputs = { meeting = "Meeting" }
output = "Minutes"
prompt = """
{#- the chair signs the minutes -#}
{% set chair = meeting.attendees | selectattr("role", "equalto", "chair") | list %}
Write the minutes of "{{ meeting.title | title }}", held on {{ meeting.held_on }}.

Attendees ({{ meeting.attendees | length }}):
{%- for a in meeting.attendees %}
  - {{ a.name }}{% if a.remote %} (remote){% endif %}, {{ a.role | upper }}
{%- endfor %}

{% if meeting.decisions -%}
Decisions already noted: {{ meeting.decisions | join("; ") }}.
{%- else -%}
No decision was noted; find them in the notes.
{%- endif %}

{% if chair %}The minutes are signed by {{ chair[0].name }}.{% endif %}

@meeting.raw_notes
"""
''',
)
_mut("meeting_minutes", "endfor_missing", "{%- endfor %}\n", "\n")
_mut(
    "meeting_minutes",
    "choices_string",
    'choices = ["chair", "secretary", "member", "guest"]',
    'choices = "chair, secretary"',
)
_mut(
    "meeting_minutes",
    "item_concept_plural",
    'item_concept_ref = "Attendee"',
    'item_concept_ref = "Attendees"',
)
_mut(
    "meeting_minutes",
    "date_default_quoted",
    'description = "The day it was held", required = true',
    'description = "The day it was held", default_value = "2026-01-01"',
)
_mut("meeting_minutes", "loop_var_undeclared", "{{ meeting.attendees | length }}", "{{ attendees | length }}")
_mut("meeting_minutes", "at_inline", "@meeting.raw_notes\n", "Here are the notes: @meeting.raw_notes\n")
_mut(
    "meeting_minutes",
    "unknown_filter",
    '{{ meeting.decisions | join("; ") }}',
    '{{ meeting.decisions | joined("; ") }}',
)
_mut("meeting_minutes", "field_type_caps", 'type = "boolean"', 'type = "Boolean"')

_base(
    "release_notes",
    """domain = "devtools"
description = 'Release notes from a list of merged changes'
main_pipe = 'release_notes'

[concept.Change]
description = 'One merged change'

[concept.Change.structure]
title = { type = 'text', description = 'The change title', required = true }
kind = { type = 'text', description = 'feat, fix or chore', choices = ['feat', 'fix', 'chore'], required = true }
breaking = { type = 'boolean', description = 'Does it break the API?' }
authors = { type = 'list', item_type = 'text', description = 'Who wrote it' }

[pipe.release_notes]
type = 'PipeLLM'
description = 'Markdown release notes'
inputs = { version = 'Text', changes = 'Change[]' }
output = 'Text'
templating_style = { tag_style = 'ticks', text_format = 'markdown' }
prompt = '''
Write the release notes of version **$version** in Markdown.

## Rules
1. Group by kind: features, fixes, chores.
2. Put breaking changes first, under a `BREAKING` heading.
3. Thank the authors: {% for c in changes %}{{ c.authors | default([]) | join(', ') }}{% if not loop.last %}, {% endif %}{% endfor %}

The changes, as JSON-ish data:

@changes

Format the title like `v$version` (a code span) and don't use $$ signs.
'''
""",
)
_mut("release_notes", "ticks_typo", "tag_style = 'ticks'", "tag_style = 'tick'")
_mut("release_notes", "text_format_typo", "text_format = 'markdown'", "text_format = 'md'")
_mut("release_notes", "changes_singular", "changes = 'Change[]'", "changes = 'Changes[]'")
_mut(
    "release_notes",
    "literal_unclosed",
    "Format the title like `v$version` (a code span) and don't use $$ signs.\n'''",
    "Format the title like `v$version` (a code span) and don't use $$ signs.\n''",
)
_mut("release_notes", "choices_int", "choices = ['feat', 'fix', 'chore']", "choices = [1, 2, 3]")

_base(
    "code_review",
    '''domain = "engineering"
description = "Review a diff like a senior engineer"
main_pipe = "review_diff"

[pipe.review_diff]
type = "PipeLLM"
description = "Reviews a unified diff"
inputs = { diff = "Text", language = "Text", guidelines = "Text" }
output = "Text"
model = { model = "$writing-factual", temperature = 0.1, max_tokens = 1200 }
system_prompt = """
You are a strict reviewer for $language code.
House rules follow.
@guidelines
"""
prompt = """
Review this change. Quote lines as `+ line` or `- line`.

```diff
@diff
```

Answer in this format:
- **Verdict**: approve / request changes
- **Why**: two sentences
- **Nits**: a list, or "none"

Contact: reviewers@@example.com (cost: $0 per review)
"""
''',
)
_mut("code_review", "email_at", "Contact: reviewers@@example.com", "Contact: reviewers@example.com")
_mut("code_review", "temperature_high", "temperature = 0.1", "temperature = 1.5")
_mut("code_review", "max_tokens_string", "max_tokens = 1200", 'max_tokens = "1200"')
_mut("code_review", "fence_inline_at", "```diff\n@diff\n```", "```diff @diff ```")
_mut("code_review", "guidelines_unused", "House rules follow.\n@guidelines\n", "House rules follow.\n")
_mut(
    "code_review",
    "model_key_typo",
    'model = { model = "$writing-factual"',
    'model = { name = "$writing-factual"',
)

_base(
    "price_quote",
    '''domain = "sales"
description = "A price quote with money signs everywhere"
main_pipe = "quote"

[concept.Offer]
description = "What we offer"

[concept.Offer.structure]
product = { type = "text", description = "Product name", required = true }
unit_price = { type = "number", description = "Price per unit in USD", required = true }
quantity = { type = "integer", description = "How many units", required = true }
discount_pct = { type = "number", description = "Discount in percent" }

[pipe.quote]
type = "PipeCompose"
description = "Formats the quote"
inputs = { offer = "Offer", customer = "Text" }
output = "Text"
template = """
Dear $customer,

{{ offer.quantity }} x {{ offer.product }} at ${{ "%.2f" | format(offer.unit_price) }} each
{%- if offer.discount_pct %}, minus {{ offer.discount_pct }}%{% endif %}.
Total: ${{ "%.2f" | format(offer.unit_price * offer.quantity) }} (USD $5 shipping, 100% refundable).

Questions? Write to sales@@acme.example.
"""
''',
)
_mut("price_quote", "dollar_var_unknown", "Dear $customer,", "Dear $client,")
_mut("price_quote", "integer_caps", 'type = "integer"', 'type = "int"')
_mut(
    "price_quote",
    "template_and_construct",
    'template = """\nDear',
    'construct = { text = "x" }\ntemplate = """\nDear',
)
_mut(
    "price_quote",
    "offer_unused",
    '{{ offer.quantity }} x {{ offer.product }} at ${{ "%.2f" | format(offer.unit_price) }} each\n{%- if offer.discount_pct %}, minus {{ offer.discount_pct }}%{% endif %}.\nTotal: ${{ "%.2f" | format(offer.unit_price * offer.quantity) }}',
    "Total:",
)

# --- sigils in odd places -----------------------------------------------------------------------------------------

_base(
    "sigil_punctuation",
    '''domain = "sigils"
description = "Variables next to punctuation and markdown"
main_pipe = "letter"

[concept.Person]
description = "A person"

[concept.Person.structure]
first_name = { type = "text", description = "First name", required = true }
city = { type = "text", description = "Where they live", required = true }

[pipe.letter]
type = "PipeLLM"
description = "A letter with sigils beside punctuation"
inputs = { person = "Person", topic = "Text", deadline = "Date" }
output = "Text"
prompt = """
Hello $person.first_name! How is life in **$person.city**?
We need your view on "$topic"; please answer by $deadline.
- $topic: what do you think?
> $person.first_name, quoted.
(See: $topic)
"""
''',
)
_mut("sigil_punctuation", "sigil_underscore_suffix", "in **$person.city**?", "in _$person.city_?")
_mut("sigil_punctuation", "field_unknown", "$person.city", "$person.town")
_mut("sigil_punctuation", "deadline_unused", "please answer by $deadline.", "please answer soon.")
_mut("sigil_punctuation", "at_in_quote", "> $person.first_name, quoted.", "> @person")
_mut("sigil_punctuation", "date_lower", 'deadline = "Date"', 'deadline = "date"')

_base(
    "blocks_in_markdown",
    '''domain = "sigils_blocks"
description = "Blocks alone on their line, in markdown sections"
main_pipe = "compare"

[pipe.compare]
type = "PipeLLM"
description = "Compares two texts"
inputs = { before = "Text", after = "Text", notes = "Text?" }
output = "Text"
templating_style = "square_brackets"
prompt = """
### Before

@before

### After
@after

@?notes

{% if notes is defined %}Mind the notes above.{% endif %}
Say what changed, in $$ and % if relevant.
"""
''',
)
_mut("blocks_in_markdown", "optional_at_plain", "@?notes\n", "@notes\n")
_mut("blocks_in_markdown", "optional_list", 'notes = "Text?"', 'notes = "Text[]?"')
_mut(
    "blocks_in_markdown",
    "style_typo",
    'templating_style = "square_brackets"',
    'templating_style = "brackets"',
)
_mut("blocks_in_markdown", "at_indented", "\n@after\n", "\n    @after\n")
_mut("blocks_in_markdown", "at_trailing_colon", "\n@after\n", "\n@after:\n")

_base(
    "at_email_plain",
    '''domain = "contact_desk"
description = "A prompt where an @ sits in an address"
main_pipe = "reply"

[pipe.reply]
type = "PipeLLM"
description = "Replies to a message"
inputs = { message = "Text" }
output = "Text"
prompt = """
Reply to this message:
@message

Sign as the team (team at example dot com).
"""
''',
)
_mut("at_email_plain", "email_in_prompt", "(team at example dot com)", "(team@example.com)")
_mut("at_email_plain", "handle_in_prompt", "Sign as the team", "Sign as @support_team")
_mut("at_email_plain", "handle_declared_field", "Sign as the team", "Sign as @message.text")
_mut("at_email_plain", "handle_alone_undeclared", "Sign as the team (team at example dot com).", "@signature")
_mut("at_email_plain", "handle_prefix_of_input", "Sign as the team", "Sign as @message_board")
_mut("at_email_plain", "handle_optional_inline", "Sign as the team", "Sign as @?message")
_mut("at_email_plain", "handle_capitalised", "Sign as the team", "Sign as @Support")
_mut(
    "at_email_plain",
    "handle_end_of_sentence",
    "Sign as the team (team at example dot com).",
    "Thanks, @support_team",
)
_mut(
    "at_email_plain",
    "handle_in_system_prompt",
    'prompt = """\nReply to',
    'system_prompt = "You answer for @support_team."\nprompt = """\nReply to',
)
_mut(
    "at_email_plain",
    "at_message_end_of_line",
    "Reply to this message:\n@message",
    "Reply to this message: @message",
)

# --- nested structures, choices, optional fields, lists of concepts -------------------------------------------------

_base(
    "job_posting",
    '''domain = "hr.recruiting"
description = "Parse a job posting into a structure, then score a CV against it"
main_pipe = "screen"

[concept.Salary]
description = "A salary range"

[concept.Salary.structure]
low = { type = "number", description = "Lower bound", required = true }
high = { type = "number", description = "Upper bound" }
currency = { type = "text", description = "ISO code", choices = ["EUR", "USD", "GBP"], default_value = "EUR" }

[concept.Requirement]
description = "One requirement of a job"

[concept.Requirement.structure]
skill = { type = "text", description = "The skill", required = true }
years = { type = "integer", description = "Years of experience", default_value = 0 }
must_have = { type = "boolean", description = "Is it mandatory?", required = true }

[concept.JobPosting]
description = "A job posting, read"

[concept.JobPosting.structure]
title = { type = "text", description = "Job title", required = true }
salary = { type = "concept", concept_ref = "Salary", description = "The pay" }
requirements = { type = "list", item_type = "concept", item_concept_ref = "Requirement", description = "What is asked", required = true }
remote_policy = { type = "text", description = "Remote policy", choices = ["onsite", "hybrid", "remote"] }
perks = { type = "dict", key_type = "text", value_type = "text", description = "Perk name to detail" }

[concept.Fit]
description = "How well a CV fits"

[concept.Fit.structure]
score = { type = "integer", description = "0 to 100", required = true }
missing = { type = "list", item_type = "text", description = "Missing must-haves" }

[pipe.screen]
type = "PipeSequence"
description = "Reads the posting, then scores the CV"
inputs = { posting_text = "Text", cv = "Document" }
output = "Fit"
steps = [
    { pipe = "read_posting", result = "posting" },
    { pipe = "score_cv", result = "fit" },
]

[pipe.read_posting]
type = "PipeLLM"
description = "Structures a job posting"
inputs = { posting_text = "Text" }
output = "JobPosting"
prompt = "Read this posting and fill every field you can:\\n\\n$posting_text"

[pipe.score_cv]
type = "PipeLLM"
description = "Scores a CV against a posting"
inputs = { posting = "JobPosting", cv = "Document" }
output = "Fit"
model = "@default-premium"
prompt = """
Score this CV against the posting for {{ posting.title }}.
{% for r in posting.requirements if r.must_have %}
* must: {{ r.skill }} ({{ r.years }}+ years)
{% endfor %}
@posting
@cv
"""
''',
)
_mut(
    "job_posting",
    "concept_ref_missing",
    'type = "concept", concept_ref = "Salary", description',
    'type = "concept", description',
)
_mut(
    "job_posting",
    "item_type_concept_no_ref",
    'item_type = "concept", item_concept_ref = "Requirement",',
    'item_type = "concept",',
)
_mut("job_posting", "choice_default_outside", 'default_value = "EUR"', 'default_value = "CHF"')
_mut(
    "job_posting",
    "dict_key_int",
    'key_type = "text", value_type = "text"',
    'key_type = "integer", value_type = "text"',
)
_mut(
    "job_posting",
    "step_result_typo",
    '{ pipe = "read_posting", result = "posting" }',
    '{ pipe = "read_posting", result = "job_posting" }',
)
_mut(
    "job_posting", "cv_pdf", 'cv = "Document" }\noutput = "Fit"\nsteps', 'cv = "PDF" }\noutput = "Fit"\nsteps'
)
_mut(
    "job_posting",
    "required_string",
    'description = "The skill", required = true',
    'description = "The skill", required = "yes"',
)
_mut("job_posting", "field_name_keyword", "remote_policy = {", "class = {")
_mut(
    "job_posting",
    "output_list_last",
    'inputs = { posting_text = "Text", cv = "Document" }\noutput = "Fit"',
    'inputs = { posting_text = "Text", cv = "Document" }\noutput = "Fit[]"',
)

_base(
    "recipe_box",
    '''domain = "kitchen_box"
description = "Recipes with nested ingredients, written with sub-tables"
main_pipe = "plan_dinner"

[concept.Ingredient]
description = "An ingredient with its amount"

[concept.Ingredient.structure.name]
type = "text"
description = "The ingredient"
required = true

[concept.Ingredient.structure.grams]
type = "number"
description = "Weight in grams"

[concept.Recipe]
description = "A recipe"

[concept.Recipe.structure]
title = "The dish"
ingredients.type = "list"
ingredients.item_type = "concept"
ingredients.item_concept_ref = "Ingredient"
ingredients.description = "What goes in"
ingredients.required = true
minutes = { type = "integer", description = "Cooking time" }
diet = { type = "text", description = "Diet", choices = ["vegan", "vegetarian", "omnivore"] }

[pipe.plan_dinner]
type = "PipeLLM"
description = "Three recipes for a dinner party"
inputs.guests = "Text"
inputs.pantry = "Ingredient[]"
output = "Recipe[3]"
prompt = """
Plan $_nb_output recipes for these guests: $guests
Use what is in the pantry first:
@pantry
"""
''',
)
_mut("recipe_box", "dotted_type_typo", 'ingredients.type = "list"', 'ingredients.type = "array"')
_mut("recipe_box", "nb_output_unknown", "Plan $_nb_output recipes", "Plan $nb_output recipes")
_mut("recipe_box", "output_zero", 'output = "Recipe[3]"', 'output = "Recipe[0]"')
_mut(
    "recipe_box",
    "dotted_input_dup",
    'inputs.pantry = "Ingredient[]"',
    'inputs.pantry = "Ingredient[]"\ninputs.guests = "Text[]"',
)
_mut(
    "recipe_box",
    "field_desc_missing",
    'type = "number"\ndescription = "Weight in grams"\n',
    'type = "number"\n',
)

# --- refines chains, concepts named like natives ------------------------------------------------------------------

_base(
    "refines_chain",
    """domain = "legal_docs"
description = "A chain of refinements from Text"
main_pipe = "summarise_clause"

[concept.LegalText]
description = "Any text of legal value"
refines = "Text"

[concept.ContractText]
description = "The text of a contract"
refines = "LegalText"

[concept.ClauseText]
description = "One clause of a contract"
refines = "ContractText"

[concept.Summary]
description = "A plain-language summary"
refines = "native.Text"

[pipe.summarise_clause]
type = "PipeSequence"
description = "Summarises a clause through the generic legal summariser"
inputs = { clause = "ClauseText" }
output = "Summary"
steps = [{ pipe = "summarise_legal", result = "summary" }]

[pipe.summarise_legal]
type = "PipeLLM"
description = "Summarises any legal text"
inputs = { clause = "LegalText" }
output = "Summary"
prompt = "Summarise in plain words: $clause"
""",
)
_mut("refines_chain", "refines_unknown", 'refines = "LegalText"', 'refines = "LegalTexts"')
_mut(
    "refines_chain",
    "refines_cycle",
    'refines = "Text"\n\n[concept.ContractText]',
    'refines = "ClauseText"\n\n[concept.ContractText]',
)
_mut("refines_chain", "refines_list", 'refines = "ContractText"', 'refines = ["ContractText"]')
_mut("refines_chain", "refines_reverse", 'inputs = { clause = "ClauseText" }', 'inputs = { clause = "Text" }')
_mut(
    "refines_chain",
    "refines_and_structure",
    'refines = "native.Text"\n',
    'refines = "native.Text"\n\n[concept.Summary.structure]\nbody = "The summary"\n',
)
_mut("refines_chain", "refines_lower_native", 'refines = "native.Text"', 'refines = "native.text"')

_base(
    "native_lookalikes",
    """domain = "lookalikes"
description = "Concepts whose names look like natives"
main_pipe = "caption_all"

[concept]
TextBlock = "A block of text from a page layout"
Images = "A folder of pictures, described in words"
DocumentTitle = "The title of a document"
PageNumber = "A page number, as printed"

[concept.Textual]
description = "Something textual with a language"

[concept.Textual.structure]
body = { type = "text", description = "The text", required = true }
lang = { type = "text", description = "ISO language", default_value = "en" }

[pipe.caption_all]
type = "PipeLLM"
description = "Captions for a folder of pictures"
inputs = { images = "Images", title = "DocumentTitle", page = "PageNumber" }
output = "TextBlock[]"
prompt = "Write a caption for each picture in $images, for the document $title, page $page."

[pipe.to_textual]
type = "PipeLLM"
description = "Wraps a block with its language"
inputs = { block = "TextBlock" }
output = "Textual"
prompt = "Detect the language of: $block"
""",
)
_mut("native_lookalikes", "redeclare_image", "Images = ", "Image = ")
_mut(
    "native_lookalikes",
    "redeclare_page_structured",
    "[concept.Textual]",
    '[concept.Page]\ndescription = "A page"\n\n[concept.Textual]',
)
_mut(
    "native_lookalikes",
    "native_prefix_user",
    'inputs = { block = "TextBlock" }',
    'inputs = { block = "native.TextBlock" }',
)
_mut("native_lookalikes", "concept_snake", "PageNumber = ", "page_number = ")
_mut("native_lookalikes", "concept_lower_ref", 'title = "DocumentTitle"', 'title = "documentTitle"')

# --- domains with dots and underscores, cross-domain references ----------------------------------------------------

_base(
    "dotted_domain",
    """domain = "acme.hr_tools.onboarding"
description = "Onboarding, three levels deep"
main_pipe = "welcome_pack"

[concept]
Welcome = "A welcome message for a new hire"

[pipe.welcome_pack]
type = "PipeSequence"
description = "A welcome, then a checklist"
inputs = { new_hire = "Text" }
output = "Text"
steps = [
  { pipe = "acme.hr_tools.onboarding.write_welcome", result = "welcome" },
  { pipe = "checklist", result = "checklist" },
]

[pipe.write_welcome]
type = "PipeLLM"
description = "The welcome"
inputs = { new_hire = "Text" }
output = "acme.hr_tools.onboarding.Welcome"
prompt = "Welcome $new_hire to ACME."

[pipe.checklist]
type = "PipeLLM"
description = "A first-week checklist"
inputs = { welcome = "Welcome" }
output = "Text"
prompt = "A checklist that follows this welcome: $welcome"
""",
)
_mut(
    "dotted_domain",
    "domain_dash",
    'domain = "acme.hr_tools.onboarding"',
    'domain = "acme.hr-tools.onboarding"',
)
_mut(
    "dotted_domain",
    "domain_trailing_dot",
    'domain = "acme.hr_tools.onboarding"',
    'domain = "acme.hr_tools.onboarding."',
)
_mut(
    "dotted_domain", "domain_double_dot", 'domain = "acme.hr_tools.onboarding"', 'domain = "acme..onboarding"'
)
_mut(
    "dotted_domain",
    "qualified_wrong_domain",
    '"acme.hr_tools.onboarding.write_welcome"',
    '"acme.hr_tools.write_welcome"',
)
_mut(
    "dotted_domain",
    "qualified_concept_short",
    'output = "acme.hr_tools.onboarding.Welcome"',
    'output = "onboarding.Welcome"',
)
_mut(
    "dotted_domain",
    "domain_digit_start",
    'domain = "acme.hr_tools.onboarding"',
    'domain = "acme.2hr.onboarding"',
)
_mut("dotted_domain", "domain_native", 'domain = "acme.hr_tools.onboarding"', 'domain = "native"')

_base(
    "two_domains",
    {
        "shared/glossary.mthds": """domain = "company.glossary"
description = "Terms every team shares"

[concept.Term]
description = "A term of the company glossary"

[concept.Term.structure]
word = { type = "text", description = "The term", required = true }
meaning = { type = "text", description = "What it means here", required = true }

[pipe.define_term]
type = "PipeLLM"
description = "Defines a term the company's way"
inputs = { word = "Text" }
output = "Term"
prompt = "Define '$word' as our company uses it."
""",
        "support/answers.mthds": '''domain = "company.support"
description = "Support answers that use the glossary"
main_pipe = "answer_with_terms"

[pipe.answer_with_terms]
type = "PipeSequence"
description = "Defines the jargon word, then answers"
inputs = { question = "Text", word = "Text" }
output = "Text"
steps = [
  { pipe = "company.glossary.define_term", result = "term" },
  { pipe = "answer", result = "answer" },
]

[pipe.answer]
type = "PipeLLM"
description = "Answers using a glossary term"
inputs = { question = "Text", term = "company.glossary.Term" }
output = "Text"
prompt = """
Answer: $question
Explain {{ term.word }} as: {{ term.meaning }}
"""
''',
    },
)
_mut("two_domains", "bare_cross_pipe", '{ pipe = "company.glossary.define_term"', '{ pipe = "define_term"')
_mut("two_domains", "bare_cross_concept", 'term = "company.glossary.Term"', 'term = "Term"')
_mut(
    "two_domains",
    "arrow_typo",
    '{ pipe = "company.glossary.define_term"',
    '{ pipe = "glossary=>company.glossary.define_term"',
)
_mut("two_domains", "same_domain_dup", 'domain = "company.support"', 'domain = "company.glossary"')
_mut(
    "two_domains",
    "domain_slash",
    '{ pipe = "company.glossary.define_term"',
    '{ pipe = "company/glossary.define_term"',
)

_base(
    "lib_same_domain",
    {
        "concepts.mthds": """domain = "garden"
description = "The garden's concepts, in a file of their own"

[concept.Plant]
description = "A plant of the garden"

[concept.Plant.structure]
name = { type = "text", description = "Common name", required = true }
latin = { type = "text", description = "Latin name" }
sun = { type = "text", description = "Sun needs", choices = ["full", "partial", "shade"], required = true }
""",
        "bundle.mthds": '''domain = "garden"
description = "Care sheets for the plants"
main_pipe = "care_sheets"

[pipe.care_sheets]
type = "PipeBatch"
description = "A care sheet per plant"
inputs = { plants = "Plant[]", season = "Text" }
output = "Text[]"
branch_pipe_code = "care_sheet"
input_list_name = "plants"
input_item_name = "plant"

[pipe.care_sheet]
type = "PipeLLM"
description = "One care sheet"
inputs = { plant = "Plant", season = "Text" }
output = "Text"
prompt = """
Care sheet for {{ plant.name }}{% if plant.latin %} (*{{ plant.latin }}*){% endif %} in $season.
Sun: {{ plant.sun }}.
"""
''',
    },
)
_mut("lib_same_domain", "batch_item_same_as_list", 'input_item_name = "plant"', 'input_item_name = "plants"')
_mut("lib_same_domain", "batch_list_singular", 'input_list_name = "plants"', 'input_list_name = "plant"')
_mut(
    "lib_same_domain",
    "batch_output_single",
    'output = "Text[]"\nbranch_pipe_code',
    'output = "Text"\nbranch_pipe_code',
)
_mut(
    "lib_same_domain",
    "dup_concept",
    'main_pipe = "care_sheets"\n',
    'main_pipe = "care_sheets"\n\n[concept]\nPlant = "A plant"\n',
)
_mut(
    "lib_same_domain",
    "branch_typo",
    'branch_pipe_code = "care_sheet"',
    'branch_pipe_code = "care_sheets_one"',
)
_mut("lib_same_domain", "batch_pipe_key", 'branch_pipe_code = "care_sheet"', 'pipe = "care_sheet"')

# --- TOML that is unusual but legal ----------------------------------------------------------------------------------

_base(
    "arrays_of_tables",
    """domain = "newsletter_ops"
description = "Steps and branches written as arrays of tables"
main_pipe = "issue"

[pipe.issue]
type = "PipeSequence"
description = "Writes one issue of the newsletter"
inputs = { topic = "Text" }
output = "Text"

  [[pipe.issue.steps]]
  pipe = "gather"
  result = "bits"

  [[pipe.issue.steps]]
  pipe = "assemble"
  result = "issue_text"

[pipe.gather]
type = "PipeParallel"
description = "Intro and outro at once"
inputs = { topic = "Text" }
output = "Composite"
add_each_output = true

[[pipe.gather.branches]]
pipe = "intro"
result = "intro"

[[pipe.gather.branches]]
pipe = "outro"
result = "outro"

[pipe.intro]
type = "PipeLLM"
description = "The intro"
inputs = { topic = "Text" }
output = "Text"
prompt = "An intro about $topic"

[pipe.outro]
type = "PipeLLM"
description = "The outro"
inputs = { topic = "Text" }
output = "Text"
prompt = "An outro about $topic"

[pipe.assemble]
type = "PipeCompose"
description = "Puts intro and outro together"
inputs = { intro = "Text", outro = "Text" }
output = "Text"
template = "$intro\\n\\n---\\n\\n$outro"
""",
)
_mut("arrays_of_tables", "step_key_typo", '  pipe = "assemble"\n', '  pipes = "assemble"\n')
_mut("arrays_of_tables", "branch_no_result", 'pipe = "outro"\nresult = "outro"\n', 'pipe = "outro"\n')
_mut("arrays_of_tables", "no_add_each_output", "add_each_output = true\n", "")
_mut("arrays_of_tables", "composite_list", 'output = "Composite"', 'output = "Composite[]"')
_mut(
    "arrays_of_tables",
    "step_table_single",
    '  [[pipe.issue.steps]]\n  pipe = "gather"',
    '  [pipe.issue.steps]\n  pipe = "gather"',
)
_mut("arrays_of_tables", "parallel_output_text", 'output = "Composite"', 'output = "Text"')

_base(
    "comments_everywhere",
    '''# ------------------------------------------------------------
#  Translator — maintained by the docs team 🌍
# ------------------------------------------------------------
domain = "i18n"   # short and lowercase
description = "Traduit un texte — 翻訳 — with a glossary"  # unicode welcome
main_pipe = "translate"  # entry point

[concept]  # text-like concepts
Glossary = "Terms that must stay untranslated"  # e.g. brand names

[pipe.translate]  # the only pipe
type = "PipeLLM"  # an LLM call
description = "Traduit en respectant le glossaire"
inputs = {
    source = "Text",       # the text to translate
    target_lang = "Text",  # e.g. "fr", "ja"
    glossary = "Glossary", # may be long
}
output = "Text"
prompt = """
Translate into $target_lang; keep these terms as they are:
@glossary

# this line is not a TOML comment: it is inside the prompt
@source
"""  # end of prompt
''',
)
_mut(
    "comments_everywhere",
    "inline_trailing_key",
    '    glossary = "Glossary", # may be long\n}',
    '    glossary = "Glossary", # may be long\n    extra = ,\n}',
)
_mut(
    "comments_everywhere",
    "comment_eats_brace",
    '    glossary = "Glossary", # may be long\n}',
    '    glossary = "Glossary", # may be long }',
)
_mut("comments_everywhere", "concept_hash_name", 'Glossary = "Terms', '"Glossary#1" = "Terms')
_mut("comments_everywhere", "dup_key", 'output = "Text"\nprompt', 'output = "Text"\noutput = "Text"\nprompt')

_base(
    "literal_strings",
    """domain = 'regex_lab'
description = 'Prompts full of backslashes, in literal strings'
main_pipe = 'explain_regex'

[pipe.explain_regex]
type = 'PipeLLM'
description = 'Explains a regular expression'
inputs = { pattern = 'Text' }
output = 'Text'
prompt = '''
Explain this regular expression, piece by piece: $pattern
Compare with \\d+\\.\\d+ and with ^[A-Z]{2,3}$ (anchors!).
Windows paths look like C:\\Users\\name; JSON looks like {"a": 1}.
'''
""",
)
_mut(
    "literal_strings",
    "basic_string_escape",
    "description = 'Explains a regular expression'",
    'description = "Explains \\d+ and C:\\Users patterns"',
)
_mut("literal_strings", "jinja_brace_json", 'JSON looks like {"a": 1}.', 'JSON looks like {{"a": 1}.')
_mut("literal_strings", "jinja_comment_open", "(anchors!).", "(anchors!) {# todo.")
_mut("literal_strings", "type_literal_space", "type = 'PipeLLM'", "type = 'PipeLLM '")

# --- every kind of pipe with its optional fields ------------------------------------------------------------------

_base(
    "all_operators",
    '''domain = "media_kit"
description = "One of every operator, with their optional fields"
main_pipe = "kit"

[concept.Brief]
description = "A marketing brief"

[concept.Brief.structure]
product = { type = "text", description = "The product", required = true }
audience = { type = "text", description = "Who it is for", required = true }
tone = { type = "text", description = "The tone", choices = ["playful", "serious"], default_value = "serious" }

[concept.BrandCheck]
description = "Two judgments on a tagline"

[concept.BrandCheck.structure]
on_brand = { type = "concept", concept_ref = "YesNo", description = "Does it fit the brand?", required = true }
energy = { type = "concept", concept_ref = "Rating", description = "How energetic", required = true }

[pipe.kit]
type = "PipeSequence"
description = "Brief to tagline, image, research, check and PDF"
inputs = { brief_text = "Text", logo = "Image" }
output = "Document"
steps = [
  { pipe = "structure_brief", result = "brief" },
  { pipe = "tagline", result = "tagline" },
  { pipe = "hero_image", result = "hero" },
  { pipe = "logo_pages", result = "logo_pages" },
  { pipe = "market_research", result = "research" },
  { pipe = "check_tagline", result = "check" },
  { pipe = "print_kit", result = "kit_pdf" },
]

[pipe.structure_brief]
type = "PipeStructure"
description = "Reads the brief"
inputs = { brief_text = "Text" }
output = "Brief"
model = "@default-small-structured"

[pipe.tagline]
type = "PipeLLM"
description = "A tagline"
inputs = { brief = "Brief" }
output = "Text"
model = "@default-general"
system_prompt = "You write taglines of at most eight words."
structuring_method = "direct"
templating_style = { tag_style = "xml", text_format = "plain" }
prompt = """
Tagline for {{ brief.product }}, for {{ brief.audience }}, {{ brief.tone }} tone.
@brief
"""

[pipe.hero_image]
type = "PipeImgGen"
description = "The hero image"
inputs = { tagline = "Text" }
output = "Image"
prompt = "A clean product shot that says: $tagline"
negative_prompt = "text, watermark, blurry"
model = "$gen-image"
aspect_ratio = "landscape_16_9"
is_raw = false
seed = 42
background = "auto"
output_format = "webp"

[pipe.logo_pages]
type = "PipeExtract"
description = "Reads the logo"
inputs = { logo = "Image" }
output = "Page[]"
model = "@default-extract-document"

[pipe.market_research]
type = "PipeSearch"
description = "What competitors say"
inputs = { brief = "Brief" }
output = "SearchResult"
prompt = "Taglines used by competitors of {{ brief.product }} in 2026"
model = "@default-search"
include_images = false
max_results = 8
from_date = "2026-01-01"
to_date = "2026-06-30"
include_domains = ["adage.com", "campaignlive.co.uk"]
exclude_domains = ["pinterest.com"]

[pipe.check_tagline]
type = "PipeJudge"
description = "Brand fit and energy"
inputs = { tagline = "Text", research = "SearchResult" }
output = "BrandCheck"
model = "@default-judgment"
prompt = "Judge this tagline: $tagline. Competitors: $research"

[pipe.check_tagline.questions.on_brand]
question = "Does it fit a serious brand?"
criteria = { yes = "calm and precise", no = "loud or vague" }
threshold = 0.6

[pipe.check_tagline.questions.energy]
question = "How energetic is it?"
levels = ["flat", "lively", "electric"]

[pipe.print_kit]
type = "PipeDocGen"
description = "The kit as a PDF"
inputs = { tagline = "Text", hero = "Image", check = "BrandCheck", logo_pages = "Page[]" }
output = "Document"
format = "pdf"
filename = "media_kit.pdf"
''',
)
_mut("all_operators", "imgen_quality", 'output_format = "webp"', 'output_format = "webp"\nquality = "high"')
_mut("all_operators", "aspect_typo", 'aspect_ratio = "landscape_16_9"', 'aspect_ratio = "16:9"')
_mut("all_operators", "seed_negative", "seed = 42", "seed = -1")
_mut("all_operators", "search_date_slash", 'from_date = "2026-01-01"', 'from_date = "01/01/2026"')
_mut(
    "all_operators",
    "domains_string",
    'exclude_domains = ["pinterest.com"]',
    'exclude_domains = "pinterest.com"',
)
_mut(
    "all_operators",
    "judge_threshold_levels",
    'levels = ["flat", "lively", "electric"]',
    'levels = ["flat", "lively", "electric"]\nthreshold = 0.5',
)
_mut("all_operators", "judge_one_level", 'levels = ["flat", "lively", "electric"]', 'levels = ["flat"]')
_mut("all_operators", "docgen_format_caps", 'format = "pdf"', 'format = "PDF"')
_mut(
    "all_operators",
    "extract_output_text",
    'output = "Page[]"\nmodel = "@default-extract-document"',
    'output = "Text"\nmodel = "@default-extract-document"',
)
_mut(
    "all_operators",
    "structure_prompt",
    'model = "@default-small-structured"',
    'model = "@default-small-structured"\nprompt = "Read: $brief_text"',
)
_mut("all_operators", "judge_no_model", 'model = "@default-judgment"\n', "")
_mut(
    "all_operators",
    "step_order_swapped",
    '  { pipe = "tagline", result = "tagline" },\n  { pipe = "hero_image", result = "hero" },',
    '  { pipe = "hero_image", result = "hero" },\n  { pipe = "tagline", result = "tagline" },',
)
_mut(
    "all_operators", "structuring_typo", 'structuring_method = "direct"', 'structuring_method = "preliminary"'
)
_mut("all_operators", "max_results_zero", "max_results = 8", "max_results = 0")
_mut(
    "all_operators",
    "judge_question_key_typo",
    "[pipe.check_tagline.questions.energy]",
    "[pipe.check_tagline.questions.energie]",
)

_base(
    "compose_construct",
    """domain = "crm"
description = "A contact card built field by field, with nested tables"
main_pipe = "card"

[concept.Address]
description = "A postal address"

[concept.Address.structure]
street = { type = "text", description = "Street", required = true }
city = { type = "text", description = "City", required = true }
country = { type = "text", description = "Country", default_value = "France" }

[concept.ContactCard]
description = "A contact card"

[concept.ContactCard.structure]
display_name = { type = "text", description = "Name shown", required = true }
vip = { type = "boolean", description = "VIP?", required = true }
score = { type = "number", description = "Lead score" }
address = { type = "concept", concept_ref = "Address", description = "Where to send mail", required = true }
greeting = { type = "text", description = "How to greet them" }

[pipe.card]
type = "PipeCompose"
description = "Builds the card"
inputs = { name = "Text", street = "Text", city = "Text" }
output = "ContactCard"

[pipe.card.construct]
display_name = { from = "name" }
vip = false
score = 0.5
greeting = { template = "Dear $name," }

[pipe.card.construct.address]
street = { from = "street" }
city = { from = "city.text" }
country = "Belgique"
""",
)
_mut(
    "compose_construct",
    "construct_unknown_field",
    'greeting = { template = "Dear $name," }',
    'greeting = { template = "Dear $name," }\nnickname = "Bob"',
)
_mut(
    "compose_construct",
    "construct_from_unknown",
    'display_name = { from = "name" }',
    'display_name = { from = "full_name" }',
)
_mut("compose_construct", "construct_missing_required", "vip = false\n", "")
_mut("compose_construct", "construct_wrong_type", "vip = false", 'vip = "no"')
_mut(
    "compose_construct",
    "construct_from_bad_path",
    'city = { from = "city.text" }',
    'city = { from = "city.name" }',
)
_mut("compose_construct", "construct_text_output", 'output = "ContactCard"', 'output = "Text"')
_mut(
    "compose_construct",
    "construct_key_typo",
    'display_name = { from = "name" }',
    'display_name = { form = "name" }',
)

_base(
    "compose_table_template",
    '''domain = "reports"
description = "A compose template as a table, with extra context and a category"
main_pipe = "weekly"

[pipe.weekly]
type = "PipeCompose"
description = "The weekly report in HTML"
inputs = { wins = "Text[]", blockers = "Text[]", author = "Text" }
output = "Html"

[pipe.weekly.template]
category = "html"
template = """
<h1>{{ title }} — $author</h1>
<ul>{% for w in wins %}<li>{{ w }}</li>{% endfor %}</ul>
{% if blockers %}<p class="warn">{{ blockers | length }} blocker(s)</p>{% endif %}
"""
extra_context = { title = "Weekly report" }
templating_style = { tag_style = "no_tag", text_format = "html" }
''',
)
_mut(
    "compose_table_template", "context_dollar", "<h1>{{ title }} — $author</h1>", "<h1>$title — $author</h1>"
)
_mut("compose_table_template", "context_markdown", 'category = "html"', 'category = "markdown"')
_mut(
    "compose_table_template",
    "context_no_style",
    'templating_style = { tag_style = "no_tag", text_format = "html" }\n',
    "",
)
_mut("compose_table_template", "category_missing", 'category = "html"\n', "")
_mut("compose_table_template", "category_typo", 'category = "html"', 'category = "HTML"')
_mut(
    "compose_table_template",
    "extra_context_list",
    'extra_context = { title = "Weekly report" }',
    'extra_context = ["Weekly report"]',
)
_mut("compose_table_template", "title_undeclared", 'extra_context = { title = "Weekly report" }\n', "")
_mut(
    "compose_table_template",
    "templating_style_string",
    'templating_style = { tag_style = "no_tag", text_format = "html" }',
    'templating_style = "no_tag"',
)

# --- controllers in combination ---------------------------------------------------------------------------------------

_base(
    "batch_parallel_condition",
    """domain = "inbox_triage"
description = "Every email is classified; urgent ones get a reply and a summary in parallel"
main_pipe = "triage_inbox"

[concept.Email]
description = "An email"

[concept.Email.structure]
sender = { type = "text", description = "From", required = true }
subject = { type = "text", description = "Subject", required = true }
body = { type = "text", description = "Body", required = true }

[concept.Label]
description = "How urgent an email is"

[concept.Label.structure]
level = { type = "text", description = "Urgency", choices = ["urgent", "normal", "spam"], required = true }

[concept.Handling]
description = "What we did with an email"

[concept.Handling.structure]
reply = { type = "concept", concept_ref = "Text", description = "The reply", required = true }
digest = { type = "concept", concept_ref = "Text", description = "A one-line digest", required = true }

[pipe.triage_inbox]
type = "PipeBatch"
description = "Handles every email"
inputs = { emails = "Email[]" }
output = "Handling[]"
branch_pipe_code = "handle_one"
input_list_name = "emails"
input_item_name = "email"

[pipe.handle_one]
type = "PipeSequence"
description = "Label, then route"
inputs = { email = "Email" }
output = "Handling"
steps = [
  { pipe = "label_email", result = "label" },
  { pipe = "route", result = "handling" },
]

[pipe.label_email]
type = "PipeLLM"
description = "Labels an email"
inputs = { email = "Email" }
output = "Label"
prompt = "Label this email from $email.sender: $email.subject"

[pipe.route]
type = "PipeCondition"
description = "Urgent emails get the full treatment"
inputs = { email = "Email", label = "Label" }
output = "Handling"
expression_template = "{% if label.level == 'urgent' %}urgent{% else %}other{% endif %}"
outcomes = { urgent = "full_treatment", other = "light_treatment" }
default_outcome = "fail"

[pipe.full_treatment]
type = "PipeParallel"
description = "Reply and digest at once"
inputs = { email = "Email" }
output = "Handling"
branches = [
  { pipe = "write_reply", result = "reply" },
  { pipe = "write_digest", result = "digest" },
]

[pipe.light_treatment]
type = "PipeParallel"
description = "A short reply and a digest"
inputs = { email = "Email" }
output = "Handling"
branches = [
  { pipe = "write_short_reply", result = "reply" },
  { pipe = "write_digest", result = "digest" },
]

[pipe.write_reply]
type = "PipeLLM"
description = "A careful reply"
inputs = { email = "Email" }
output = "Text"
prompt = "Reply carefully to:\\n@email"

[pipe.write_short_reply]
type = "PipeLLM"
description = "A short reply"
inputs = { email = "Email" }
output = "Text"
prompt = "Reply in one line to $email.sender about $email.subject"

[pipe.write_digest]
type = "PipeLLM"
description = "A digest line"
inputs = { email = "Email" }
output = "Text"
prompt = "One line digest of: $email.body"
""",
)
_mut("batch_parallel_condition", "outcome_typo", 'other = "light_treatment"', 'other = "light_treatement"')
_mut("batch_parallel_condition", "default_missing", 'default_outcome = "fail"\n', "")
_mut("batch_parallel_condition", "default_caps", 'default_outcome = "fail"', 'default_outcome = "Fail"')
_mut(
    "batch_parallel_condition",
    "expression_and_template",
    'expression_template = "',
    'expression = "label.level"\nexpression_template = "',
)
_mut(
    "batch_parallel_condition",
    "branch_result_mismatch",
    '{ pipe = "write_short_reply", result = "reply" }',
    '{ pipe = "write_short_reply", result = "answer" }',
)
_mut(
    "batch_parallel_condition",
    "condition_list_output",
    'inputs = { email = "Email", label = "Label" }\noutput = "Handling"',
    'inputs = { email = "Email", label = "Label" }\noutput = "Handling[]"',
)
_mut(
    "batch_parallel_condition",
    "condition_label_missing",
    'inputs = { email = "Email", label = "Label" }',
    'inputs = { email = "Email" }',
)
_mut("batch_parallel_condition", "sequence_typo", 'type = "PipeSequence"', 'type = "PipeSequance"')
_mut("batch_parallel_condition", "batch_typo", 'type = "PipeBatch"', 'type = "PipeBach"')
_mut("batch_parallel_condition", "parallel_typo", 'type = "PipeParallel"', 'type = "PipeParalel"')
_mut("batch_parallel_condition", "condition_typo", 'type = "PipeCondition"', 'type = "PipeConditon"')
_mut("batch_parallel_condition", "outcomes_pipe_map", "outcomes = {", "pipe_map = {")
_mut(
    "batch_parallel_condition",
    "default_pipe_code",
    'default_outcome = "fail"',
    'default_pipe_code = "light_treatment"',
)
_mut(
    "batch_parallel_condition",
    "jinja_braces_in_expression",
    'expression_template = "{% if',
    'expression = "{% if',
)

_base(
    "sequence_bindings",
    '''domain = "travel_desk"
description = "Bindings, batches over fields, nb_output and multiple_output in one sequence"
main_pipe = "plan_trip"

[concept.Itinerary]
description = "A trip plan"

[concept.Itinerary.structure]
city = { type = "text", description = "Destination", required = true }
days = { type = "list", item_type = "text", description = "One line per day", required = true }
budget = { type = "number", description = "Budget in EUR" }

[pipe.plan_trip]
type = "PipeSequence"
description = "Plans a trip and writes postcards"
inputs = { wish = "Text" }
output = "Text"
steps = [
  { pipe = "draft_itinerary", result = "itinerary" },
  { from = "itinerary.city", result = "city" },
  { pipe = "describe_day", batch_over = "itinerary.days", batch_as = "day", result = "day_notes" },
  { pipe = "postcard", nb_output = 2, result = "postcards" },
  { pipe = "tips", multiple_output = true, result = "tip_list" },
  { pipe = "wrap_up", result = "summary" },
]

[pipe.draft_itinerary]
type = "PipeLLM"
description = "Drafts the itinerary"
inputs = { wish = "Text" }
output = "Itinerary"
prompt = "Plan a trip for this wish: $wish"

[pipe.describe_day]
type = "PipeLLM"
description = "Describes a day"
inputs = { day = "Text", city = "Text" }
output = "Text"
prompt = "In $city: $day. Describe it in two lines."

[pipe.postcard]
type = "PipeLLM"
description = "A postcard text"
inputs = { city = "Text" }
output = "Text"
prompt = "Write {{ _nb_output }} versions of a postcard text from $city."

[pipe.tips]
type = "PipeLLM"
description = "Tips"
inputs = { city = "Text" }
output = "Text"
prompt = "Local tips for $city"

[pipe.wrap_up]
type = "PipeLLM"
description = "The summary"
inputs = { day_notes = "Text[]", postcards = "Text[2]", tip_list = "Text[]" }
output = "Text"
prompt = """
Summarise the trip:
@day_notes
Postcards:
@postcards
Tips:
@tip_list
"""
''',
)
_mut("sequence_bindings", "binding_bad_field", '{ from = "itinerary.city"', '{ from = "itinerary.town"')
_mut(
    "sequence_bindings", "batch_over_scalar", 'batch_over = "itinerary.days"', 'batch_over = "itinerary.city"'
)
_mut(
    "sequence_bindings",
    "batch_as_missing",
    'batch_over = "itinerary.days", batch_as = "day",',
    'batch_over = "itinerary.days",',
)
_mut("sequence_bindings", "nb_and_multiple", "nb_output = 2,", "nb_output = 2, multiple_output = true,")
_mut("sequence_bindings", "nb_count_mismatch", 'postcards = "Text[2]"', 'postcards = "Text[3]"')
_mut("sequence_bindings", "nb_output_string", "nb_output = 2,", 'nb_output = "2",')
_mut(
    "sequence_bindings",
    "binding_result_missing",
    '{ from = "itinerary.city", result = "city" }',
    '{ from = "itinerary.city" }',
)
_mut("sequence_bindings", "batch_as_same", 'batch_as = "day"', 'batch_as = "itinerary"')
_mut(
    "sequence_bindings",
    "steps_empty",
    'steps = [\n  { pipe = "draft_itinerary"',
    'steps = []\nold_steps = [\n  { pipe = "draft_itinerary"',
)

_base(
    "condition_special_outcomes",
    """domain = "moderation"
description = "Fail and continue outcomes, aliases, optional output"
main_pipe = "moderate"

[concept.Verdict]
description = "A moderation verdict"

[concept.Verdict.structure]
action = { type = "text", description = "What to do", choices = ["publish", "review", "reject"], required = true }

[pipe.moderate]
type = "PipeSequence"
description = "Judges a post, then maybe rewrites it"
inputs = { post = "Text" }
output = "Text?"
steps = [
  { pipe = "judge_post", result = "verdict" },
  { pipe = "act", result = "rewritten" },
]

[pipe.judge_post]
type = "PipeLLM"
description = "Judges a post"
inputs = { post = "Text" }
output = "Verdict"
prompt = "Moderate this post: $post"

[pipe.act]
type = "PipeCondition"
description = "Rewrite posts under review; reject ones fail; the rest pass"
inputs = { post = "Text", verdict = "Verdict" }
output = "Text?"
expression = "verdict.action"
outcomes = { review = "rewrite", reject = "fail", publish = "continue" }
default_outcome = "continue"
add_alias_from_expression_to = "action_taken"

[pipe.rewrite]
type = "PipeLLM"
description = "Rewrites a post politely"
inputs = { post = "Text" }
output = "Text"
prompt = "Rewrite politely: $post"
""",
)
_mut(
    "condition_special_outcomes",
    "output_required",
    'inputs = { post = "Text", verdict = "Verdict" }\noutput = "Text?"',
    'inputs = { post = "Text", verdict = "Verdict" }\noutput = "Text"',
)
_mut("condition_special_outcomes", "continue_caps", 'publish = "continue"', 'publish = "Continue"')
_mut(
    "condition_special_outcomes",
    "expression_braces",
    'expression = "verdict.action"',
    'expression = "{{ verdict.action }}"',
)
_mut(
    "condition_special_outcomes",
    "expression_unknown_var",
    'expression = "verdict.action"',
    'expression = "decision.action"',
)
_mut(
    "condition_special_outcomes",
    "seq_output_required",
    'inputs = { post = "Text" }\noutput = "Text?"',
    'inputs = { post = "Text" }\noutput = "Text"',
)
_mut(
    "condition_special_outcomes",
    "outcomes_empty",
    'outcomes = { review = "rewrite", reject = "fail", publish = "continue" }',
    "outcomes = {}",
)
_mut(
    "condition_special_outcomes",
    "alias_dash",
    'add_alias_from_expression_to = "action_taken"',
    'add_alias_from_expression_to = "action-taken"',
)

_base(
    "parallel_structured",
    '''domain = "product_page"
description = "A parallel filling a structured output, then a compose using it"
main_pipe = "page"

[concept.PageParts]
description = "The parts of a product page"

[concept.PageParts.structure]
headline = { type = "concept", concept_ref = "Text", description = "Headline", required = true }
bullets = { type = "concept", concept_ref = "Text", description = "Bullet points", required = true }
faq = { type = "concept", concept_ref = "Text", description = "A FAQ, when there is one" }

[pipe.page]
type = "PipeSequence"
description = "Parts in parallel, then the page"
inputs = { product = "Text" }
output = "Text"
steps = [
  { pipe = "parts", result = "parts" },
  { pipe = "render", result = "page" },
]

[pipe.parts]
type = "PipeParallel"
description = "The page's parts at once"
inputs = { product = "Text" }
output = "PageParts"
branches = [
  { pipe = "headline", result = "headline" },
  { pipe = "bullets", result = "bullets" },
]

[pipe.headline]
type = "PipeLLM"
description = "Headline"
inputs = { product = "Text" }
output = "Text"
prompt = "A headline for $product"

[pipe.bullets]
type = "PipeLLM"
description = "Bullets"
inputs = { product = "Text" }
output = "Text"
prompt = "Five bullet points for $product"

[pipe.render]
type = "PipeCompose"
description = "The page"
inputs = { parts = "PageParts" }
output = "Text"
template = """
# {{ parts.headline }}

{{ parts.bullets }}
{% if parts.faq %}
## FAQ
{{ parts.faq }}
{% endif %}
"""
''',
)
_mut(
    "parallel_structured",
    "required_field_no_branch",
    'description = "A FAQ, when there is one" }',
    'description = "A FAQ, when there is one", required = true }',
)
_mut(
    "parallel_structured",
    "branch_result_extra",
    '{ pipe = "bullets", result = "bullets" },',
    '{ pipe = "bullets", result = "bullet_points" },',
)
_mut("parallel_structured", "parallel_dynamic", 'output = "PageParts"', 'output = "Dynamic"')
_mut(
    "parallel_structured",
    "branches_string",
    'branches = [\n  { pipe = "headline", result = "headline" },\n  { pipe = "bullets", result = "bullets" },\n]',
    'branches = ["headline", "bullets"]',
)
_mut(
    "parallel_structured",
    "branch_binding",
    '{ pipe = "bullets", result = "bullets" },',
    '{ from = "product", result = "bullets" },',
)

# --- signatures, optional values, forced values -----------------------------------------------------------------------

_base(
    "optional_flow",
    '''domain = "guestbook"
description = "Optional inputs guarded in several ways"
main_pipe = "thank_guest"

[concept.Guest]
description = "A guest who signed the book"

[concept.Guest.structure]
name = { type = "text", description = "Name", required = true }
email = { type = "text", description = "Email, if given" }

[pipe.thank_guest]
type = "PipeSequence"
description = "Thanks a guest, with their message if any"
inputs = { guest = "Guest", message = "Text?", photo = "Image?" }
output = "Text"
steps = [{ pipe = "thank", result = "thanks" }]

[pipe.thank]
type = "PipeLLM"
description = "The thank-you note"
inputs = { guest = "Guest", message = "Text?", photo = "Image?" }
output = "Text"
prompt = """
Thank {{ guest.name }}{% if guest.email %} (reply to {{ guest.email }}){% endif %} for signing.
{% if message is defined %}They wrote: {{ message }}{% else %}They left no message.{% endif %}
@?photo
"""
''',
)
_mut(
    "optional_flow",
    "message_unguarded",
    "{% if message is defined %}They wrote: {{ message }}{% else %}They left no message.{% endif %}",
    "They wrote: {{ message }}",
)
_mut("optional_flow", "photo_plain_at", "@?photo\n", "@photo\n")
_mut(
    "optional_flow",
    "force_on_output",
    'inputs = { guest = "Guest", message = "Text?", photo = "Image?" }\noutput = "Text"\nsteps',
    'inputs = { guest = "Guest", message = "Text?", photo = "Image?" }\noutput = "Text!"\nsteps',
)
_mut(
    "optional_flow",
    "force_redundant",
    'inputs = { guest = "Guest", message = "Text?", photo = "Image?" }\noutput = "Text"\nprompt',
    'inputs = { guest = "Guest!", message = "Text?", photo = "Image?" }\noutput = "Text"\nprompt',
)
_mut(
    "optional_flow",
    "question_before_list",
    'message = "Text?", photo = "Image?" }\noutput = "Text"\nsteps',
    'message = "Text?", photo = "Image?[]" }\noutput = "Text"\nsteps',
)
_mut(
    "optional_flow",
    "seq_missing_optional",
    'inputs = { guest = "Guest", message = "Text?", photo = "Image?" }\noutput = "Text"\nsteps',
    'inputs = { guest = "Guest", message = "Text?" }\noutput = "Text"\nsteps',
)

_base(
    "signature_draft",
    """domain = "drafting"
description = "A method sketched with signatures first"
main_pipe = "answer"

[pipe.answer]
type = "PipeSequence"
description = "Research, then write"
inputs = { question = "Text" }
output = "Text"
steps = [
  { pipe = "research", result = "facts" },
  { pipe = "write", result = "answer" },
]

[pipe.research]
signature_for = "PipeSearch"
description = "Facts for the question (to be written)"
inputs = { question = "Text" }
output = "SearchResult"

[pipe.write]
type = "PipeLLM"
description = "Writes the answer"
inputs = { question = "Text", facts = "SearchResult" }
output = "Text"
prompt = "Answer $question using:\\n@facts"
""",
)
_mut("signature_draft", "signature_type", 'signature_for = "PipeSearch"', 'type = "PipeSignature"')
_mut("signature_draft", "signature_for_typo", 'signature_for = "PipeSearch"', 'signature_for = "PipeSerch"')
_mut(
    "signature_draft",
    "signature_with_prompt",
    'signature_for = "PipeSearch"',
    'signature_for = "PipeSearch"\nprompt = "Find facts about $question"',
)
_mut(
    "signature_draft",
    "signature_no_output",
    'inputs = { question = "Text" }\noutput = "SearchResult"\n',
    'inputs = { question = "Text" }\n',
)

# --- models ------------------------------------------------------------------------------------------------------------

_base(
    "model_zoo",
    """domain = "model_zoo"
description = "Model references of every kind"
main_pipe = "compare_models"

[pipe.compare_models]
type = "PipeParallel"
description = "The same question to several models"
inputs = { question = "Text" }
output = "Composite"
branches = [
  { pipe = "ask_alias", result = "by_alias" },
  { pipe = "ask_preset", result = "by_preset" },
  { pipe = "ask_handle", result = "by_handle" },
  { pipe = "ask_inline", result = "by_inline" },
]

[pipe.ask_alias]
type = "PipeLLM"
description = "An alias"
inputs = { question = "Text" }
output = "Text"
model = "@default-small"
prompt = "$question"

[pipe.ask_preset]
type = "PipeLLM"
description = "A preset"
inputs = { question = "Text" }
output = "Text"
model = "$writing-creative"
prompt = "$question"

[pipe.ask_handle]
type = "PipeLLM"
description = "A handle"
inputs = { question = "Text" }
output = "Text"
model = "gpt-4o-mini"
prompt = "$question"

[pipe.ask_inline]
type = "PipeLLM"
description = "Inline settings"
inputs = { question = "Text" }
output = "Text"
model = { model = "@default-general", temperature = 0.7, max_tokens = 256 }
prompt = "$question"
""",
)
_mut("model_zoo", "alias_no_at", 'model = "@default-small"', 'model = "default-small"')
_mut("model_zoo", "preset_no_sigil", 'model = "$writing-creative"', 'model = "writing-creative"')
_mut("model_zoo", "alias_premium_no_at", 'model = "@default-small"', 'model = "default-premium"')
_mut(
    "model_zoo",
    "inline_alias_no_at",
    'model = { model = "@default-general"',
    'model = { model = "default-general"',
)
_mut("model_zoo", "preset_typo", 'model = "$writing-creative"', 'model = "$writing-creativ"')
_mut("model_zoo", "handle_unknown", 'model = "gpt-4o-mini"', 'model = "gpt-9-ultra"')
_mut(
    "model_zoo",
    "inline_unknown_key",
    "temperature = 0.7, max_tokens = 256",
    "temperature = 0.7, max_token = 256",
)
_mut("model_zoo", "image_model_on_llm", 'model = "@default-small"', 'model = "$gen-image"')
_mut("model_zoo", "model_llm_key", 'model = "gpt-4o-mini"', 'llm = "gpt-4o-mini"')
_mut(
    "model_zoo",
    "prompt_only_var_missing",
    'prompt = "$question"\n\n[pipe.ask_preset]',
    'prompt = "$questions"\n\n[pipe.ask_preset]',
)

# --- images and documents --------------------------------------------------------------------------------------------

_base(
    "photo_album",
    '''domain = "photo_album"
description = "Captions and a cover for an album"
main_pipe = "make_album"

[concept.Photo]
description = "A photo of the album"
refines = "Image"

[concept.AlbumPage]
description = "One page of the album"

[concept.AlbumPage.structure]
caption = { type = "text", description = "The caption", required = true }
mood = { type = "text", description = "The mood", choices = ["joyful", "calm", "nostalgic"] }

[pipe.make_album]
type = "PipeSequence"
description = "Captions every photo, then draws a cover"
inputs = { photos = "Photo[]", title = "Text" }
output = "Image[2]"
steps = [
  { pipe = "caption_photo", batch_over = "photos", batch_as = "photo", result = "pages" },
  { pipe = "draw_cover", result = "covers" },
]

[pipe.caption_photo]
type = "PipeLLM"
description = "Captions one photo"
inputs = { photo = "Photo" }
output = "AlbumPage"
model = "@default-small-vision"
prompt = """
Caption this photo in one line and give its mood.
@photo
"""

[pipe.draw_cover]
type = "PipeImgGen"
description = "Two cover candidates"
inputs = { title = "Text", pages = "AlbumPage[]" }
output = "Image[2]"
size = "1k"
prompt = "An album cover titled $title, in the mood of: {% for p in pages %}{{ p.mood }} {% endfor %}"
''',
)
_mut("photo_album", "llm_image_output", 'output = "AlbumPage"', 'output = "Photo"')
_mut("photo_album", "size_and_aspect", 'size = "1k"', 'size = "1024x1024"\naspect_ratio = "square"')
_mut("photo_album", "size_typo", 'size = "1k"', 'size = "1K"')
_mut("photo_album", "imgen_text_output", 'output = "Image[2]"\nsize', 'output = "Text"\nsize')
_mut("photo_album", "batch_over_singular", 'batch_over = "photos"', 'batch_over = "photo"')
_mut("photo_album", "refines_image_lower", 'refines = "Image"', 'refines = "image"')

_base(
    "invoice_reader",
    '''domain = "accounts_payable"
description = "Read scanned invoices page by page"
main_pipe = "read_invoices"

[concept.Invoice]
description = "A supplier invoice (PDF or scan)"
refines = "Document"

[concept.InvoiceData]
description = "What an invoice says"

[concept.InvoiceData.structure]
supplier = { type = "text", description = "Supplier name", required = true }
total = { type = "number", description = "Total incl. VAT", required = true }
due = { type = "date", description = "Due date" }
lines = { type = "list", item_type = "text", description = "Line items" }

[pipe.read_invoices]
type = "PipeSequence"
description = "Pages, then data"
inputs = { invoice = "Invoice" }
output = "InvoiceData"
steps = [
  { pipe = "pages_of", result = "pages" },
  { pipe = "data_from_pages", result = "data" },
]

[pipe.pages_of]
type = "PipeExtract"
description = "The pages"
inputs = { invoice = "Invoice" }
output = "Page[]"
model = "~document-extractor"
max_page_images = 2
page_image_captions = false
page_views = true
page_views_dpi = 150

[pipe.data_from_pages]
type = "PipeLLM"
description = "The data"
inputs = { pages = "Page[]" }
output = "InvoiceData"
structuring_method = "preliminary_text"
model_to_structure = "@default-small-structured"
prompt = """
Read these invoice pages:
{% for page in pages %}
--- page {{ loop.index }} ---
{{ page.text_and_images.text }}
{% endfor %}
"""
''',
)
_mut(
    "invoice_reader",
    "extract_two_inputs",
    'inputs = { invoice = "Invoice" }\noutput = "Page[]"',
    'inputs = { invoice = "Invoice", hint = "Text" }\noutput = "Page[]"',
)
_mut(
    "invoice_reader",
    "extract_text_input",
    'inputs = { invoice = "Invoice" }\noutput = "Page[]"',
    'inputs = { invoice = "Text" }\noutput = "Page[]"',
)
_mut("invoice_reader", "dpi_string", "page_views_dpi = 150", 'page_views_dpi = "150"')
_mut(
    "invoice_reader",
    "preliminary_text_output",
    'output = "InvoiceData"\nstructuring_method',
    'output = "Text"\nstructuring_method',
)
_mut("invoice_reader", "pages_singular", 'inputs = { pages = "Page[]" }', 'inputs = { pages = "Page" }')
_mut("invoice_reader", "extract_model_llm", 'model = "~document-extractor"', 'model = "@default-general"')

# --- judge variants -------------------------------------------------------------------------------------------------------

_base(
    "judge_choice",
    """domain = "essay_grading"
description = "A choice and a rating, the short way"
main_pipe = "grade"

[pipe.grade]
type = "PipeSequence"
description = "Grade an essay"
inputs = { essay = "Text" }
output = "Rating"
steps = [
  { pipe = "genre", result = "genre" },
  { pipe = "quality", result = "grade" },
]

[pipe.genre]
type = "PipeJudge"
description = "Which genre"
inputs = { essay = "Text" }
output = "Choice"
model = "@default-judgment"
prompt = "Read: $essay"
question = "Which genre is this essay?"
options = { argumentative = "defends a thesis", narrative = "tells a story", descriptive = "describes something" }

[pipe.quality]
type = "PipeJudge"
description = "How good"
inputs = { essay = "Text", genre = "Choice" }
output = "Rating"
model = "@default-judgment"
prompt = "Read this {{ genre.choice }} essay: $essay"
question = "How well is it written?"
levels = [
  { label = "poor", description = "hard to follow" },
  { label = "fair", description = "readable" },
  { label = "good", description = "clear and lively" },
  { label = "excellent", description = "publishable" },
]
""",
)
_mut(
    "judge_choice",
    "options_one",
    'options = { argumentative = "defends a thesis", narrative = "tells a story", descriptive = "describes something" }',
    'options = { argumentative = "defends a thesis" }',
)
_mut(
    "judge_choice",
    "options_list",
    'options = { argumentative = "defends a thesis", narrative = "tells a story", descriptive = "describes something" }',
    'options = ["argumentative", "narrative", "descriptive"]',
)
_mut("judge_choice", "choice_output_yesno", 'output = "Choice"', 'output = "YesNo"')
_mut(
    "judge_choice",
    "levels_dup_label",
    '{ label = "fair", description = "readable" }',
    '{ label = "poor", description = "readable" }',
)
_mut("judge_choice", "question_missing", 'question = "How well is it written?"\n', "")
_mut("judge_choice", "prompt_missing", 'prompt = "Read: $essay"\n', "")
_mut(
    "judge_choice",
    "level_key_typo",
    '{ label = "good", description = "clear and lively" }',
    '{ lable = "good", description = "clear and lively" }',
)

# --- packages and library edge cases --------------------------------------------------------------------------------------

_base(
    "package_method",
    {
        "METHODS.toml": """[package]
address = "github.com/example/greeting-cards"
version = "1.2.0"
description = "Greeting cards for every occasion"
authors = ["Card Team <cards@example.com>"]
license = "MIT"
mthds_version = ">=0.5.0"

[exports.cards]
pipes = ["write_card"]
""",
        "cards.mthds": """domain = "cards"
description = "Greeting cards"
main_pipe = "write_card"

[concept.Occasion]
description = "An occasion for a card"

[concept.Occasion.structure]
kind = { type = "text", description = "Birthday, wedding...", required = true }
recipient = { type = "text", description = "Who gets the card", required = true }

[pipe.write_card]
type = "PipeLLM"
description = "Writes a card"
inputs = { occasion = "Occasion" }
output = "Text"
prompt = "A warm {{ occasion.kind | lower }} card for {{ occasion.recipient }}."
""",
    },
)
_mut("package_method", "export_unknown_pipe", 'pipes = ["write_card"]', 'pipes = ["write_cards"]')
_mut("package_method", "version_bad", 'version = "1.2.0"', 'version = "v1.2"')
_mut(
    "package_method",
    "address_no_host",
    'address = "github.com/example/greeting-cards"',
    'address = "greeting-cards"',
)
_mut(
    "package_method",
    "manifest_stray_key",
    'license = "MIT"',
    'license = "MIT"\nhomepage = "https://example.com"',
)

# --- misc wild bundles ----------------------------------------------------------------------------------------------------

_base(
    "no_inputs_compose",
    """domain = "static_texts"
description = "Pipes without inputs"
main_pipe = "disclaimer"

[pipe.disclaimer]
type = "PipeCompose"
description = "A fixed disclaimer"
output = "Text"
template = "This text was written with the help of an AI. © 2026"

[pipe.motto]
type = "PipeLLM"
description = "A motto, no inputs"
output = "Text"
prompt = "Invent a motto for a bakery."
""",
)
_mut("no_inputs_compose", "handle_in_template", "written with the help of an AI.", "written by @ai_helper.")
_mut(
    "no_inputs_compose",
    "inputs_empty_table",
    'description = "A fixed disclaimer"\n',
    'description = "A fixed disclaimer"\ninputs = {}\n',
)
_mut("no_inputs_compose", "template_var_no_input", "© 2026", "© $year")
_mut("no_inputs_compose", "output_missing", 'output = "Text"\ntemplate', "template")
_mut("no_inputs_compose", "description_missing", 'description = "A motto, no inputs"\n', "")
_mut("no_inputs_compose", "description_empty", 'description = "A motto, no inputs"', 'description = ""')
_mut("no_inputs_compose", "type_missing", 'type = "PipeCompose"\n', "")

_base(
    "input_with_hints",
    """domain = "tagging"
description = "Inputs written as tables, hints on concepts and fields"
main_pipe = "tag_article"

[concept.Tag]
description = "A short tag"
refines = "Text"
hints = { intent = "label" }

[concept.Article]
description = "An article"

[concept.Article.structure]
headline = { type = "text", description = "Headline", required = true, hints = { intent = "prose" } }
words = { type = "integer", description = "Word count", hints = { intent = "quantity" } }

[pipe.tag_article]
type = "PipeLLM"
description = "Tags an article"
inputs = { article = { concept = "Article", hints = { intent = "prose" } }, max_tags = "Number" }
output = "Tag[]"
prompt = "At most $max_tags tags for: {{ article.headline }} ({{ article.words }} words)"
""",
)
_mut("input_with_hints", "hint_not_string", 'hints = { intent = "label" }', "hints = { intent = 3 }")
_mut(
    "input_with_hints",
    "input_table_no_concept",
    'article = { concept = "Article", hints',
    'article = { type = "Article", hints',
)
_mut("input_with_hints", "hints_list", 'hints = { intent = "label" }', 'hints = ["label"]')

_base(
    "deep_nesting",
    '''domain = "org_chart"
description = "Three levels of nested concepts"
main_pipe = "chart"

[concept.Person]
description = "A person"

[concept.Person.structure]
name = { type = "text", description = "Name", required = true }
started = { type = "date", description = "Start date" }

[concept.Team]
description = "A team"

[concept.Team.structure]
lead = { type = "concept", concept_ref = "Person", description = "Team lead", required = true }
members = { type = "list", item_type = "concept", item_concept_ref = "Person", description = "Members", required = true }

[concept.Department]
description = "A department"

[concept.Department.structure]
name = { type = "text", description = "Department name", required = true }
teams = { type = "list", item_type = "concept", item_concept_ref = "Team", description = "Teams", required = true }
budget = { type = "dict", key_type = "text", value_type = "number", description = "Budget per line" }

[pipe.chart]
type = "PipeLLM"
description = "An org chart in mermaid"
inputs = { department = "Department" }
output = "Text"
prompt = """
Draw a mermaid org chart of {{ department.name }}:
{% for team in department.teams -%}
  {{ team.lead.name }} leads {{ team.members | map(attribute="name") | join(", ") }}
{% endfor -%}
"""
''',
)
_mut(
    "deep_nesting",
    "self_cycle",
    'members = { type = "list", item_type = "concept", item_concept_ref = "Person"',
    'members = { type = "list", item_type = "concept", item_concept_ref = "Team"',
)
_mut(
    "deep_nesting",
    "concept_ref_list_suffix",
    'concept_ref = "Person", description = "Team lead"',
    'concept_ref = "Person[]", description = "Team lead"',
)
_mut("deep_nesting", "field_leading_underscore", "budget = {", "_budget = {")
_mut("deep_nesting", "field_model_prefix", "budget = {", "model_budget = {")
_mut("deep_nesting", "date_type_typo", 'type = "date"', 'type = "Date"')


# --- the cases -----------------------------------------------------------------------------------------------------------


def _apply(base: str | dict[str, str], old: str, new: str) -> str | dict[str, str]:
    if isinstance(base, str):
        if old not in base:
            raise ValueError(f"mutation text not found: {old[:60]!r}")
        return base.replace(old, new, 1)
    for rel, text in base.items():
        if old in text:
            return {**base, rel: text.replace(old, new, 1)}
    raise ValueError(f"mutation text not found in any file: {old[:60]!r}")


def cases() -> dict[str, str | dict[str, str]]:
    out: dict[str, str | dict[str, str]] = {}
    for name, text in BASES.items():
        out[f"w_{name}__base"] = text
    for base, mutation, old, new in MUTATIONS:
        out[f"w_{base}__{mutation}"] = _apply(BASES[base], old, new)
    return out


if __name__ == "__main__":
    made = cases()
    print(f"{len(BASES)} bases, {len(MUTATIONS)} mutations, {len(made)} cases")

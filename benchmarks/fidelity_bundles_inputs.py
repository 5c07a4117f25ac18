"""Run-time verdicts with user inputs files, and long methods as users grow them (tenth fidelity pass).

Part 1: valid bundles run with ``pipelex run bundle X --dry-run -i inputs.json``, one case per inputs file: every
input shape of ``/work/shared/MTHDS-REFERENCE.md`` §2 (plain strings for text, the ``{"concept", "content"}``
envelope, lists for ``X[]`` and ``X[N]``, structured content with nested fields), and the mistakes users make in
them: wrong field types, a missing required input or field, an extra input or field, null values, numbers as
strings, a single value for a list and the reverse, native contents (an image or a document as an https URL, a
``data:`` URL, a path naming no file, plain words), a refined concept given for its parent and the reverse.

Part 2: long methods (15 to 40 pipes) the way users grow them: sequences calling sequences, batches over lists
produced upstream, conditions choosing sub-methods; then the edits users make while iterating, one per mutation
(a concept renamed in one place only, a step deleted but its consumer kept, an output turned into a list and
its consumer forgotten, a pipe copied and not renamed, a pipe moved to another file of the library).

Case names are ``in_<base>__<variant>`` (part 1: the variant names the inputs file) and ``long_<base>__<edit>``.
``case_inputs()`` gives each part 1 case its inputs file; ``fidelity.py`` dry-runs it with ``-i`` beside
``--mock-inputs``. Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

import json
from typing import Any

BASES: dict[str, str] = {}
INPUTS: dict[str, dict[str, dict[str, Any]]] = {}  # base -> variant -> inputs
_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"

BASES["shop_desk"] = '''domain = "shop_desk"
description = "Answer a shop customer"
main_pipe = "answer_customer"

[concept.Address]
description = "A postal address"

[concept.Address.structure]
street = { type = "text", description = "Street and number", required = true }
city = { type = "text", description = "City", required = true }
zip = { type = "integer", description = "Postal code" }

[concept.Customer]
description = "A customer of the shop"

[concept.Customer.structure]
name = { type = "text", description = "Full name", required = true }
age = { type = "integer", description = "Age in years", required = true }
vip = { type = "boolean", description = "Is a VIP" }
address = { type = "concept", concept_ref = "shop_desk.Address", description = "Where they live" }
tags = { type = "list", item_type = "text", description = "Labels" }
score = { type = "number", description = "Loyalty score" }

[concept.Question]
description = "A question from a customer"
refines = "Text"

[concept.UrgentQuestion]
description = "An urgent question"
refines = "shop_desk.Question"

[concept.Answer]
description = "An answer"
refines = "Text"

[pipe.answer_customer]
type = "PipeLLM"
description = "Answer the customer's question"
inputs = { customer = "Customer", question = "Question", notes = "Text[]", photo = "Image", pair = "Text[2]" }
output = "Answer"
prompt = """
Customer: $customer
Question: $question
Notes:
@notes
Pair:
@pair
$photo
"""
'''

_CUSTOMER = {
    "name": "Ana Diaz",
    "age": 33,
    "address": {"street": "14 Rue des Lilas", "city": "Rennes", "zip": 35000},
    "tags": ["returning"],
}
_SHOP = {
    "customer": _CUSTOMER,
    "question": "Where is my parcel?",
    "notes": ["ordered on Monday", "paid by card"],
    "photo": {"url": "https://example.com/parcel.png"},
    "pair": ["first", "second"],
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``base`` with keys replaced (``...`` removes one)."""
    out = dict(base)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


_C = _CUSTOMER
INPUTS["shop_desk"] = {
    "good": _SHOP,
    "missing_question": _with(_SHOP, question=...),
    "extra_input": _with(_SHOP, channel="email"),
    "null_question": _with(_SHOP, question=None),
    "question_number": _with(_SHOP, question=42),
    "question_list": _with(_SHOP, question=["where", "when"]),
    "question_object": _with(_SHOP, question={"text": "Where is my parcel?"}),
    "notes_string": _with(_SHOP, notes="ordered on Monday"),
    "notes_empty": _with(_SHOP, notes=[]),
    "notes_null_item": _with(_SHOP, notes=["a", None]),
    "notes_numbers": _with(_SHOP, notes=[1, 2]),
    "notes_objects": _with(_SHOP, notes=[{"text": "a"}]),
    "pair_three": _with(_SHOP, pair=["a", "b", "c"]),
    "pair_one": _with(_SHOP, pair=["a"]),
    "pair_string": _with(_SHOP, pair="a"),
    "pair_envelope": _with(_SHOP, pair={"concept": "Text", "content": ["a", "b"]}),
    "age_string": _with(_SHOP, customer=_with(_C, age="33")),
    "age_word": _with(_SHOP, customer=_with(_C, age="thirty")),
    "age_float": _with(_SHOP, customer=_with(_C, age=33.5)),
    "age_null": _with(_SHOP, customer=_with(_C, age=None)),
    "name_missing": _with(_SHOP, customer=_with(_C, name=...)),
    "field_extra": _with(_SHOP, customer=_with(_C, nickname="Ana")),
    "nested_field_extra": _with(_SHOP, customer=_with(_C, address=_with(_C["address"], country="FR"))),
    "vip_null": _with(_SHOP, customer=_with(_C, vip=None)),
    "vip_string": _with(_SHOP, customer=_with(_C, vip="yes")),
    "vip_word": _with(_SHOP, customer=_with(_C, vip="maybe")),
    "score_string": _with(_SHOP, customer=_with(_C, score="4.5")),
    "zip_string": _with(_SHOP, customer=_with(_C, address=_with(_C["address"], zip="35000"))),
    "city_missing": _with(_SHOP, customer=_with(_C, address={"street": "14 Rue des Lilas"})),
    "address_string": _with(_SHOP, customer=_with(_C, address="14 Rue des Lilas, Rennes")),
    "tags_string": _with(_SHOP, customer=_with(_C, tags="returning")),
    "tags_numbers": _with(_SHOP, customer=_with(_C, tags=[1, 2])),
    "customer_string": _with(_SHOP, customer="Ana Diaz, 33"),
    "customer_list": _with(_SHOP, customer=[_C]),
    "customer_empty": _with(_SHOP, customer={}),
    "envelope": _with(_SHOP, customer={"concept": "shop_desk.Customer", "content": _C}),
    "envelope_code": _with(_SHOP, customer={"concept": "Customer", "content": _C}),
    "envelope_other_concept": _with(
        _SHOP, customer={"concept": "shop_desk.Address", "content": _C["address"]}
    ),
    "envelope_unknown_concept": _with(_SHOP, customer={"concept": "shop_desk.Client", "content": _C}),
    "envelope_extra_key": _with(_SHOP, customer={"concept": "Customer", "content": _C, "note": "x"}),
    "question_as_refinement": _with(
        _SHOP, question={"concept": "shop_desk.UrgentQuestion", "content": {"text": "Now!"}}
    ),
    "question_as_parent": _with(_SHOP, question={"concept": "Text", "content": {"text": "a"}}),
    "question_as_sibling": _with(_SHOP, question={"concept": "shop_desk.Answer", "content": {"text": "a"}}),
    "question_as_structure": _with(_SHOP, question={"concept": "shop_desk.Customer", "content": _C}),
    "question_envelope_string": _with(_SHOP, question={"concept": "shop_desk.Question", "content": "Where?"}),
    "photo_string_url": _with(_SHOP, photo="https://example.com/parcel.png"),
    "photo_data_url": _with(_SHOP, photo=_PNG),
    "photo_missing_file": _with(_SHOP, photo="parcel_photo.png"),
    "photo_words": _with(_SHOP, photo="a photo of the parcel"),
    "photo_wrong_key": _with(_SHOP, photo={"link": "https://example.com/parcel.png"}),
    "photo_envelope": _with(
        _SHOP, photo={"concept": "Image", "content": {"url": "https://example.com/p.png"}}
    ),
    "photo_list": _with(_SHOP, photo=["https://example.com/parcel.png"]),
    "note_key": _with(_SHOP, **{"//": "filled by hand"}),
}

BASES["native_desk"] = '''domain = "native_desk"
description = "Natives as inputs"
main_pipe = "describe_all"

[concept.Item]
description = "An item of the order"

[concept.Item.structure]
name = { type = "text", description = "Name", required = true }
quantity = { type = "integer", description = "How many" }

[pipe.describe_all]
type = "PipeLLM"
description = "Describe the inputs"
inputs = { amount = "Number", ok = "YesNo", day = "Date", doc = "Document", pics = "Image[]", items = "Item[]", data = "JSON" }
output = "Text"
prompt = """
Amount $amount, ok $ok, day $day, data $data
$doc
$pics
@items
"""
'''

_NATIVE = {
    "amount": 12.5,
    "ok": True,
    "day": "2026-03-01",
    "doc": "https://example.com/minutes.pdf",
    "pics": ["https://example.com/a.png"],
    "items": [{"name": "chair", "quantity": 2}],
    "data": {"k": 1},
}
INPUTS["native_desk"] = {
    "good": _NATIVE,
    "amount_int": _with(_NATIVE, amount=12),
    "amount_string": _with(_NATIVE, amount="12.5"),
    "amount_word": _with(_NATIVE, amount="twelve"),
    "amount_object": _with(_NATIVE, amount={"number": 3}),
    "amount_envelope": _with(_NATIVE, amount={"concept": "Number", "content": {"number": 3}}),
    "amount_bool": _with(_NATIVE, amount=True),
    "ok_string": _with(_NATIVE, ok="yes"),
    "ok_object": _with(_NATIVE, ok={"yes_no": False}),
    "ok_number": _with(_NATIVE, ok=1),
    "day_words": _with(_NATIVE, day="not a date"),
    "day_slashes": _with(_NATIVE, day="01/03/2026"),
    "day_datetime": _with(_NATIVE, day="2026-03-01T10:00:00"),
    "day_february_30": _with(_NATIVE, day="2026-02-30"),
    "day_object": _with(_NATIVE, day={"date": "2026-03-01"}),
    "day_basic_form": _with(_NATIVE, day="20260301"),
    "day_space_time": _with(_NATIVE, day="2026-03-01 10:00"),
    "day_week_form": _with(_NATIVE, day="2026-W09-1"),
    "day_envelope_words": _with(_NATIVE, day={"concept": "Date", "content": "yesterday"}),
    "day_envelope_object_words": _with(_NATIVE, day={"concept": "Date", "content": {"date": "yesterday"}}),
    "day_number": _with(_NATIVE, day=20260301),
    "doc_object": _with(_NATIVE, doc={"url": "https://example.com/minutes.pdf"}),
    "doc_missing_file": _with(_NATIVE, doc="minutes.pdf"),
    "doc_file_url_missing": _with(_NATIVE, doc="file:///nonexistent/minutes.pdf"),
    "pics_string": _with(_NATIVE, pics="https://example.com/a.png"),
    "pics_object": _with(_NATIVE, pics={"url": "https://example.com/a.png"}),
    "pics_data_urls": _with(_NATIVE, pics=[_PNG, {"url": _PNG}]),
    "items_object": _with(_NATIVE, items={"name": "chair"}),
    "items_extra_field": _with(_NATIVE, items=[{"name": "chair", "color": "red"}]),
    "items_empty_object": _with(_NATIVE, items=[{}]),
    "items_quantity_string": _with(_NATIVE, items=[{"name": "chair", "quantity": "2"}]),
    "data_string": _with(_NATIVE, data="hello"),
    "data_list": _with(_NATIVE, data=[1, 2]),
    "data_number": _with(_NATIVE, data=3),
    "amount_null": _with(_NATIVE, amount=None),
}

BASES["page_desk"] = '''domain = "page_desk"
description = "A page and a text with images as inputs"
main_pipe = "read_page"

[pipe.read_page]
type = "PipeLLM"
description = "Read a page and an article"
inputs = { page = "Page", article = "TextAndImages" }
output = "Text"
prompt = """
@page
@article
"""
'''

_PAGE = {"text_and_images": {"text": {"text": "Opening hours: 9-18"}}}
_ARTICLE = {"text": {"text": "A village rebuilds its bakery."}}
INPUTS["page_desk"] = {
    "envelopes": {
        "page": {"concept": "Page", "content": _PAGE},
        "article": {"concept": "TextAndImages", "content": _ARTICLE},
    },
    "bare_objects": {"page": _PAGE, "article": _ARTICLE},
    "bare_page": {"page": _PAGE, "article": {"concept": "TextAndImages", "content": _ARTICLE}},
    "bare_article": {"page": {"concept": "Page", "content": _PAGE}, "article": _ARTICLE},
    "strings": {"page": "Opening hours: 9-18", "article": "A village rebuilds its bakery."},
}

BASES["invoice_desk"] = '''domain = "invoice_desk"
description = "File invoices"
main_pipe = "file_invoices"

[concept.Invoice]
description = "A commercial document issued by a seller to a buyer"

[concept.Invoice.structure]
invoice_number = "The unique invoice identifier"
issue_date = { type = "date", description = "The date the invoice was issued", required = true }
total_amount = { type = "number", description = "The total invoice amount", required = true }
line_items = { type = "list", item_type = "text", description = "Items of the invoice", required = false }
paid = { type = "boolean", description = "Paid already" }

[pipe.file_invoices]
type = "PipeLLM"
description = "A filing note for the invoices"
inputs = { invoices = "Invoice[]", labels = "Text[]" }
output = "Text"
prompt = """
Write a filing note for these invoices:
@invoices
Labels:
@labels
"""
'''

_INVOICE = {"invoice_number": "F-2026-0412", "issue_date": "2026-03-01", "total_amount": 318.0}
_INVOICES = {"invoices": [_INVOICE], "labels": ["supplies", "q1"]}
INPUTS["invoice_desk"] = {
    "good": _INVOICES,
    "date_words": _with(_INVOICES, invoices=[_with(_INVOICE, issue_date="yesterday")]),
    "date_month_13": _with(_INVOICES, invoices=[_with(_INVOICE, issue_date="2026-13-01")]),
    "date_datetime": _with(_INVOICES, invoices=[_with(_INVOICE, issue_date="2026-03-01T10:00:00")]),
    "date_missing": _with(_INVOICES, invoices=[_with(_INVOICE, issue_date=...)]),
    "number_as_string": _with(_INVOICES, invoices=[_with(_INVOICE, total_amount="318.00")]),
    "number_with_currency": _with(_INVOICES, invoices=[_with(_INVOICE, total_amount="318 EUR")]),
    "paid_string_true": _with(_INVOICES, invoices=[_with(_INVOICE, paid="true")]),
    "line_items_null": _with(_INVOICES, invoices=[_with(_INVOICE, line_items=None)]),
    "invoices_single_object": _with(_INVOICES, invoices=_INVOICE),
    "invoices_envelope_list": _with(_INVOICES, invoices={"concept": "Invoice", "content": [_INVOICE]}),
    "invoices_envelope_single": _with(_INVOICES, invoices={"concept": "Invoice", "content": _INVOICE}),
    "labels_envelope_string": _with(_INVOICES, labels={"concept": "Text", "content": "supplies"}),
    "labels_envelope_strings": _with(_INVOICES, labels={"concept": "Text", "content": ["supplies", "q1"]}),
    "labels_list_of_envelopes": _with(_INVOICES, labels=[{"concept": "Text", "content": "supplies"}]),
    "labels_nested_lists": _with(_INVOICES, labels=[["supplies"], ["q1"]]),
    "labels_number": _with(_INVOICES, labels=3),
    "invoices_empty_list": _with(_INVOICES, invoices=[]),
}

BASES["optional_desk"] = '''domain = "optional_desk"
description = "Optional inputs given, left out and null"
main_pipe = "greet_guest"

[concept.Card]
description = "A loyalty card"

[concept.Card.structure]
level = { type = "text", description = "Level", required = true }
points = { type = "integer", description = "Points" }

[pipe.greet_guest]
type = "PipeLLM"
description = "Greet a guest"
inputs = { guest = "Text", card = "Card?", extras = "Text[]?" }
output = "Text"
prompt = """
Greet $guest.
@?card
@?extras
"""
'''

_GUEST = {"guest": "Mr Okafor", "card": {"level": "gold", "points": 1200}, "extras": ["late arrival"]}
INPUTS["optional_desk"] = {
    "all": _GUEST,
    "required_only": {"guest": "Mr Okafor"},
    "card_null": _with(_GUEST, card=None),
    "extras_null": _with(_GUEST, extras=None),
    "card_empty": _with(_GUEST, card={}),
    "extras_empty": _with(_GUEST, extras=[]),
    "guest_missing": {"card": {"level": "gold"}},
    "nothing": {},
}


# --- part 2: long methods as users grow them, and the edits they make while iterating ------------------------
LONG: dict[str, str | dict[str, str]] = {}
EDITS: dict[
    str, dict[str, list[tuple[str, str]]]
] = {}  # base -> edit -> substitutions (first occurrence each)

LONG["event_planner"] = '''domain = "event_planner"
description = "Plan a company event from a brief: guests, invitations, a track by kind, a budget and a summary"
main_pipe = "plan_event"

[concept.Brief]
description = "What the organiser asked for"

[concept.Brief.structure]
title = { type = "text", description = "Name of the event", required = true }
kind = { type = "text", description = "offsite or conference", required = true }
headcount = { type = "integer", description = "How many people", required = true }
city = { type = "text", description = "Where" }

[concept.Guest]
description = "A person invited to the event"

[concept.Guest.structure]
name = { type = "text", description = "Full name", required = true }
team = { type = "text", description = "Their team" }

[concept.Invitation]
description = "An invitation written for one guest"
refines = "Text"

[concept.Venue]
description = "A place that can host the event"

[concept.Venue.structure]
name = { type = "text", description = "Venue name", required = true }
capacity = { type = "integer", description = "Seats" }

[concept.Agenda]
description = "The programme of the event"
refines = "Text"

[concept.CostLine]
description = "One line of the budget"

[concept.CostLine.structure]
label = { type = "text", description = "What is paid", required = true }
amount = { type = "number", description = "EUR", required = true }

[concept.Budget]
description = "The budget of the event"
refines = "Text"

[concept.Summary]
description = "The plan, for the organiser"
refines = "Text"

[pipe.plan_event]
type = "PipeSequence"
description = "From a brief to a full plan"
inputs = { request = "Text" }
output = "Summary"
steps = [
    { pipe = "read_brief", result = "brief" },
    { pipe = "prepare_people", result = "invitations" },
    { pipe = "choose_track", result = "agenda" },
    { pipe = "prepare_budget", result = "budget" },
    { pipe = "write_summary", result = "summary" },
]

[pipe.read_brief]
type = "PipeLLM"
description = "Read the organiser's request into a brief"
inputs = { request = "Text" }
output = "Brief"
prompt = """
Read this request for an event and fill in the brief:
@request
"""

[pipe.prepare_people]
type = "PipeSequence"
description = "Guests, then one invitation each"
inputs = { brief = "Brief" }
output = "Invitation[]"
steps = [
    { pipe = "list_guests", result = "guests" },
    { pipe = "invite_guests", result = "invitations" },
]

[pipe.list_guests]
type = "PipeLLM"
description = "Who should come"
inputs = { brief = "Brief" }
output = "Guest[]"
prompt = "List the people to invite to $brief.title ($brief.headcount people)."

[pipe.invite_guests]
type = "PipeBatch"
description = "One invitation per guest"
inputs = { guests = "Guest[]", brief = "Brief" }
output = "Invitation[]"
branch_pipe_code = "write_invitation"
input_list_name = "guests"
input_item_name = "guest"

[pipe.write_invitation]
type = "PipeLLM"
description = "Write one invitation"
inputs = { guest = "Guest", brief = "Brief" }
output = "Invitation"
prompt = "Write a short invitation to $brief.title for $guest.name."

[pipe.choose_track]
type = "PipeCondition"
description = "An offsite or a conference"
inputs = { brief = "Brief" }
output = "Agenda"
expression = "brief.kind"
default_outcome = "plan_offsite"

[pipe.choose_track.outcomes]
offsite = "plan_offsite"
conference = "plan_conference"

[pipe.plan_offsite]
type = "PipeSequence"
description = "Find a venue, then an agenda for an offsite"
inputs = { brief = "Brief" }
output = "Agenda"
steps = [
    { pipe = "find_venues", result = "venues" },
    { pipe = "pick_venue", result = "venue" },
    { pipe = "write_offsite_agenda", result = "agenda" },
]

[pipe.find_venues]
type = "PipeLLM"
description = "Venues that fit"
inputs = { brief = "Brief" }
output = "Venue[]"
prompt = "Suggest venues in $brief.city for $brief.headcount people."

[pipe.pick_venue]
type = "PipeLLM"
description = "The best venue"
inputs = { venues = "Venue[]", brief = "Brief" }
output = "Venue"
prompt = """
Pick the best venue for $brief.title among:
@venues
"""

[pipe.write_offsite_agenda]
type = "PipeLLM"
description = "An offsite agenda"
inputs = { venue = "Venue", brief = "Brief" }
output = "Agenda"
prompt = "Write a two-day agenda for $brief.title at $venue.name."

[pipe.plan_conference]
type = "PipeSequence"
description = "Talks, then an agenda for a conference"
inputs = { brief = "Brief" }
output = "Agenda"
steps = [
    { pipe = "list_talks", result = "talks" },
    { pipe = "write_conference_agenda", result = "agenda" },
]

[pipe.list_talks]
type = "PipeLLM"
description = "Talks for the conference"
inputs = { brief = "Brief" }
output = "Text[]"
prompt = "List talk titles for $brief.title."

[pipe.write_conference_agenda]
type = "PipeLLM"
description = "A conference agenda"
inputs = { talks = "Text[]", brief = "Brief" }
output = "Agenda"
prompt = """
Order these talks into an agenda for $brief.title:
@talks
"""

[pipe.prepare_budget]
type = "PipeSequence"
description = "Cost lines, then a budget"
inputs = { brief = "Brief", agenda = "Agenda" }
output = "Budget"
steps = [
    { pipe = "estimate_costs", result = "cost_lines" },
    { pipe = "write_budget", result = "budget" },
]

[pipe.estimate_costs]
type = "PipeLLM"
description = "What the event costs"
inputs = { brief = "Brief", agenda = "Agenda" }
output = "CostLine[]"
prompt = """
List the costs of $brief.title for $brief.headcount people, following this agenda:
@agenda
"""

[pipe.write_budget]
type = "PipeLLM"
description = "The budget from the cost lines"
inputs = { cost_lines = "CostLine[]" }
output = "Budget"
prompt = """
Write a budget from these lines:
@cost_lines
"""

[pipe.write_summary]
type = "PipeCompose"
description = "The plan in one page"
inputs = { brief = "Brief", agenda = "Agenda", budget = "Budget", invitations = "Invitation[]" }
output = "Summary"
template = """
# {{ brief.title }}

{{ agenda }}

{{ budget }}

{{ invitations | length }} invitations written.
"""
'''

EDITS["event_planner"] = {
    # a concept renamed where it is defined only
    "rename_concept_definition_only": [
        ("[concept.Guest]\n", "[concept.Attendee]\n"),
        ("[concept.Guest.structure]", "[concept.Attendee.structure]"),
    ],
    # ... and in the consumer's inputs only
    "rename_concept_one_use": [
        ('inputs = { guest = "Guest", brief = "Brief" }', 'inputs = { guest = "Attendee", brief = "Brief" }')
    ],
    # the step that makes `guests` deleted, its consumer kept
    "delete_producer_step": [('    { pipe = "list_guests", result = "guests" },\n', "")],
    # a step's result renamed, its consumer not
    "rename_result_only": [
        ('{ pipe = "find_venues", result = "venues" }', '{ pipe = "find_venues", result = "venue_list" }')
    ],
    # an output turned into a list, the consumer forgotten
    "output_to_list": [('output = "Brief"\nprompt = """\nRead', 'output = "Brief[]"\nprompt = """\nRead')],
    "pick_venue_to_list": [
        ('output = "Venue"\nprompt = """\nPick', 'output = "Venue[]"\nprompt = """\nPick')
    ],
    # ... and the list's consumer made a list too (the sequence's output then mismatches)
    "budget_to_list_and_consumer": [
        ('output = "Budget"\nprompt', 'output = "Budget[]"\nprompt'),
        ('output = "Budget"\nsteps', 'output = "Budget[]"\nsteps'),
    ],
    # a pipe copied to start a variant and not renamed (a duplicate table)
    "copy_pipe_not_renamed": [
        (
            "[pipe.write_budget]\n",
            '[pipe.write_budget]\ntype = "PipeLLM"\ndescription = "Draft"\ninputs = { cost_lines = "CostLine[]" }\n'
            'output = "Budget"\nprompt = "Draft: @cost_lines"\n\n[pipe.write_budget]\n',
        )
    ],
    # copied and renamed, the copy called nowhere (valid: an unused pipe)
    "copy_pipe_renamed_unused": [
        (
            "[pipe.write_budget]\n",
            '[pipe.write_budget_v2]\ntype = "PipeLLM"\ndescription = "Draft"\ninputs = { cost_lines = "CostLine[]" }\n'
            'output = "Budget"\nprompt = """\nDraft:\n@cost_lines\n"""\n\n[pipe.write_budget]\n',
        )
    ],
    # an outcome pointing at a pipe renamed since
    "outcome_stale_name": [('conference = "plan_conference"', 'conference = "plan_conf"')],
    # a new step added that reads a field the brief does not have
    "field_not_in_concept": [("$brief.city for", "$brief.region for")],
    # a sub-sequence given an input it no longer reads
    "stale_input_kept": [
        (
            'inputs = { cost_lines = "CostLine[]" }\noutput = "Budget"',
            'inputs = { cost_lines = "CostLine[]", brief = "Brief" }\noutput = "Budget"',
        )
    ],
    # the batch's item name reused as the list's
    "batch_item_is_list": [('input_item_name = "guest"', 'input_item_name = "guests"')],
    # a condition outcome whose pipe makes another concept
    "outcome_other_concept": [
        (
            'output = "Agenda"\nsteps = [\n    { pipe = "list_talks"',
            'output = "Budget"\nsteps = [\n    { pipe = "list_talks"',
        )
    ],
    # the summary reads a value no step makes any more
    "compose_reads_gone_value": [("{{ invitations | length }} invitations written.", "{{ venue.name }}")],
    # main_pipe renamed in its table only
    "main_pipe_table_renamed": [("[pipe.plan_event]", "[pipe.plan_company_event]")],
}
LONG["newsroom"] = '''domain = "newsroom"
description = "Turn a wire feed into a reviewed digest"
main_pipe = "publish_digest"

[concept.Story]
description = "One story of the feed"

[concept.Story.structure]
headline = { type = "text", description = "Its headline", required = true }
body = { type = "text", description = "Its text", required = true }

[concept.Score]
description = "How good a story is for the digest"

[concept.Score.structure]
value = { type = "integer", description = "0 to 10", required = true }
verdict = { type = "text", description = "keep or drop", required = true }

[concept.Review]
description = "What the desk says about one story"
refines = "Text"

[concept.Headline]
description = "The digest's headline"
refines = "Text"

[concept.Digest]
description = "The digest sent to readers"
refines = "Text"

[pipe.publish_digest]
type = "PipeSequence"
description = "Stories, reviews, extras, digest"
inputs = { feed = "Text" }
output = "Digest"
steps = [
    { pipe = "split_stories", result = "stories" },
    { pipe = "review_story", batch_over = "stories", batch_as = "story", result = "reviews" },
    { pipe = "gather_extras", result = "extras" },
    { pipe = "write_digest", result = "digest" },
]

[pipe.split_stories]
type = "PipeLLM"
description = "Split the feed into stories"
inputs = { feed = "Text" }
output = "Story[]"
prompt = """
Split this wire feed into stories:
@feed
"""

[pipe.review_story]
type = "PipeSequence"
description = "Score a story, then write its review by verdict"
inputs = { story = "Story" }
output = "Review"
steps = [
    { pipe = "score_story", result = "score" },
    { pipe = "route_story", result = "review" },
]

[pipe.score_story]
type = "PipeLLM"
description = "Score one story"
inputs = { story = "Story" }
output = "Score"
prompt = "Score this story for a general digest: $story.headline. $story.body"

[pipe.route_story]
type = "PipeCondition"
description = "Keep or drop"
inputs = { story = "Story", score = "Score" }
output = "Review"
expression = "score.verdict"
default_outcome = "write_keep_review"

[pipe.route_story.outcomes]
keep = "write_keep_review"
drop = "write_drop_review"

[pipe.write_keep_review]
type = "PipeLLM"
description = "Why the story stays"
inputs = { story = "Story", score = "Score" }
output = "Review"
prompt = "Say in one line why $story.headline stays (score $score.value)."

[pipe.write_drop_review]
type = "PipeLLM"
description = "Why the story goes"
inputs = { story = "Story", score = "Score" }
output = "Review"
prompt = "Say in one line why $story.headline is dropped (score $score.value)."

[pipe.gather_extras]
type = "PipeParallel"
description = "A headline and topics, side by side"
inputs = { reviews = "Review[]" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "pick_headline", result = "headline" },
    { pipe = "list_topics", result = "topics" },
]

[pipe.pick_headline]
type = "PipeLLM"
description = "The digest's headline"
inputs = { reviews = "Review[]" }
output = "Headline"
prompt = """
Write the digest's headline from these reviews:
@reviews
"""

[pipe.list_topics]
type = "PipeLLM"
description = "Topics of the day"
inputs = { reviews = "Review[]" }
output = "Text[]"
prompt = """
List the topics of these reviews:
@reviews
"""

[pipe.write_digest]
type = "PipeCompose"
description = "The digest"
inputs = { headline = "Headline", topics = "Text[]", reviews = "Review[]" }
output = "Digest"
template = """
# {{ headline }}

Topics: {{ topics | join(", ") }}

{% for review in reviews %}- {{ review }}
{% endfor %}
"""
'''

EDITS["newsroom"] = {
    # the batch taken off the step, the pipe still reading one story
    "batch_removed_from_step": [(', batch_over = "stories", batch_as = "story"', "")],
    # the producer of the batched list turned into a single story
    "split_to_single": [('output = "Story[]"', 'output = "Story"')],
    # a result renamed, its readers not
    "rename_batch_result": [
        ('batch_as = "story", result = "reviews"', 'batch_as = "story", result = "story_reviews"')
    ],
    # an outcome's pipe deleted, the outcome kept
    "outcome_pipe_deleted": [
        (
            "[pipe.write_drop_review]\n",
            "[pipe.write_drop_review_old]\n",
        )
    ],
    # a parallel branch's result renamed, the compose still reading the old name
    "branch_result_renamed": [
        ('{ pipe = "pick_headline", result = "headline" }', '{ pipe = "pick_headline", result = "title" }')
    ],
    # one outcome made to write a list of reviews
    "outcome_to_list": [
        (
            'output = "Review"\nprompt = "Say in one line why $story.headline stays',
            'output = "Review[]"\nprompt = "Say in one line why $story.headline stays',
        )
    ],
    # the item named as the list
    "batch_as_is_list": [('batch_as = "story"', 'batch_as = "stories"')],
    # a structure's field renamed in the concept only, the condition still reading it
    "field_renamed_in_concept": [
        (
            'verdict = { type = "text", description = "keep or drop"',
            'decision = { type = "text", description = "keep or drop"',
        )
    ],
    # the parallel no longer adds its branches' outputs
    "parallel_without_add_each": [("add_each_output = true", "add_each_output = false")],
    # a pipe copied and not renamed
    "copy_pipe_not_renamed": [
        (
            "[pipe.write_digest]\n",
            '[pipe.list_topics]\ntype = "PipeLLM"\ndescription = "Copy"\ninputs = { reviews = "Review[]" }\noutput = "Text[]"\nprompt = "Topics: $reviews"\n\n[pipe.write_digest]\n',
        )
    ],
    # the digest template reading the feed, which it does not declare
    "template_reads_feed": [("Topics: {{ topics", "From {{ feed }}. Topics: {{ topics")],
    # the main sequence's output turned into a list
    "main_output_list": [('output = "Digest"\nsteps', 'output = "Digest[]"\nsteps')],
}

INPUTS_LONG: dict[str, dict[str, Any]] = {
    "event_planner": {"request": "An offsite for the data team, 25 people, in Annecy, in June."},
    "newsroom": {"feed": "BREST - The harbour reopens. RENNES - A new tram line opens on Monday."},
}

# the same method split into three files of one library, and a pipe moved from one file to another
_PEOPLE_PIPES = ("[pipe.prepare_people]", "[pipe.choose_track]")
_BUDGET_PIPES = ("[pipe.prepare_budget]", "[pipe.write_summary]")


def _split_library(text: str) -> dict[str, str]:
    """``event_planner`` as a library: the main file, a people file, a budget file (one domain each)."""
    head, rest = text.split("[pipe.plan_event]", 1)
    rest = "[pipe.plan_event]" + rest
    main_part, after = rest.split(_PEOPLE_PIPES[0], 1)
    people_part, after = (_PEOPLE_PIPES[0] + after).split(_PEOPLE_PIPES[1], 1)
    track_part, budget_part = (_PEOPLE_PIPES[1] + after).split(_BUDGET_PIPES[0], 1)
    budget_part = _BUDGET_PIPES[0] + budget_part
    header = 'domain = "event_planner"\ndescription = "Plan a company event"\n\n'
    return {
        "bundle.mthds": head + main_part + track_part,
        "people.mthds": header + people_part,
        "budget.mthds": header + budget_part,
    }


def long_cases() -> dict[str, str | dict[str, str]]:
    out: dict[str, str | dict[str, str]] = {}
    for base, text in LONG.items():
        assert isinstance(text, str)
        out[f"long_{base}__base"] = text
        for edit, pairs in EDITS.get(base, {}).items():
            changed = text
            for old, new in pairs:
                if old not in changed:
                    raise ValueError(f"edit {base}__{edit}: {old!r} is not in the base")
                changed = changed.replace(old, new, 1)
            out[f"long_{base}__{edit}"] = changed
        if base != "event_planner":
            continue
        library = _split_library(text)
        out[f"long_{base}__library"] = library
        # a pipe moved from people.mthds to budget.mthds (the same domain: still found)
        moved = dict(library)
        block = "[pipe.write_invitation]" + moved["people.mthds"].split("[pipe.write_invitation]", 1)[1]
        moved["people.mthds"] = moved["people.mthds"].replace(block, "")
        moved["budget.mthds"] = moved["budget.mthds"] + "\n" + block
        out[f"long_{base}__library_pipe_moved"] = moved
        # ... and its file given another domain (the callers now name a pipe of another domain)
        other = dict(moved)
        other["budget.mthds"] = other["budget.mthds"].replace(
            'domain = "event_planner"', 'domain = "event_costs"', 1
        )
        out[f"long_{base}__library_moved_other_domain"] = other
        # the people file deleted (its pipes gone)
        out[f"long_{base}__library_file_deleted"] = {k: v for k, v in library.items() if k != "people.mthds"}
    return out


def cases() -> dict[str, str | dict[str, str]]:
    """One case per inputs file of each base (the bundle text is the base's), then the long methods and their
    edits."""
    out: dict[str, str | dict[str, str]] = {}
    for base, variants in INPUTS.items():
        for variant in variants:
            out[f"in_{base}__{variant}"] = BASES[base]
    out.update(long_cases())
    return out


def case_inputs() -> dict[str, str]:
    """The inputs JSON of each case: part 1's files, and the long methods' (their base and every edit)."""
    out = {
        f"in_{base}__{variant}": json.dumps(given)
        for base, variants in INPUTS.items()
        for variant, given in variants.items()
    }
    for name, case in long_cases().items():
        base = name[len("long_") :].split("__")[0]
        if isinstance(case, str) and base in INPUTS_LONG:
            out[name] = json.dumps(INPUTS_LONG[base])
    return out

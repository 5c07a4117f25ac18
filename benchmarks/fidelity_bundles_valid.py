"""VALID bundles written the way users write them, one or more for every corpus tag (the valid side of fidelity).

Where ``fidelity_bundles`` and its parts break one rule at a time, this module only writes bundles meant to be
valid and to dry-run: every ``native.*``, ``operator.*`` (but PipeFunc, excluded from the corpus), ``controller.*``
and ``feature.*`` tag of the corpus vocabulary, in the idioms of the reference's published docs (prompts with
``$var`` / ``@var`` / ``@?var`` / Jinja, structured concepts with nested fields, choices, lists, optional fields,
defaults, refinements, dotted domains, system prompts, model presets / aliases / waterfalls / inline settings,
batches, parallel branches with combined outputs, conditions with expressions and special outcomes, PipeCompose
templates and constructs, PipeExtract, PipeImgGen, PipeSearch, PipeJudge, PipeStructure, PipeDocGen).

Each base is also re-written in other TOML styles that hold the same data (``restyle``: sub-tables and arrays of
tables instead of inline tables, dotted keys, literal strings, comments and odd spacing), since a document that
means the same must get the same verdict. ``COVERS[base]`` lists the tags a base exercises (for the count of
bundles a tag); ``INPUTS[base]`` gives a base a user inputs file (bare values, for smart inputs): ``fidelity.py``
then dry-runs it with ``-i`` too. Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

BASES: dict[str, str] = {}
FOLDERS: dict[str, dict[str, str]] = {}
COVERS: dict[str, list[str]] = {}
INPUTS: dict[str, dict[str, object]] = {}


def _base(name: str, covers: str, text: str) -> None:
    BASES[name] = text
    COVERS[name] = covers.split()


# --- natives ----------------------------------------------------------------------------------------------------

_base(
    "v_recipe_scaler",
    "native.number native.text operator.llm operator.compose controller.sequence feature.structured_output",
    '''domain = "kitchen"
description = "Scale a recipe to a number of guests"
main_pipe = "scale_recipe"

[concept.Recipe]
description = "A recipe as written in a cookbook"

[concept.Recipe.structure]
title = { type = "text", description = "Name of the dish", required = true }
serves = { type = "integer", description = "How many people it serves", required = true }
ingredients = { type = "list", item_type = "text", description = "One line per ingredient", required = true }
oven_temperature = { type = "number", description = "Oven temperature in Celsius" }

[concept.GuestCount]
description = "How many guests are coming"
refines = "Number"

[pipe.scale_recipe]
type = "PipeSequence"
description = "Read the recipe, then scale it"
inputs = { recipe_text = "Text", guests = "GuestCount" }
output = "Text"
steps = [
    { pipe = "read_recipe", result = "recipe" },
    { pipe = "write_scaled", result = "scaled" },
    { pipe = "add_footer", result = "card" },
]

[pipe.read_recipe]
type = "PipeLLM"
description = "Structure the recipe"
inputs = { recipe_text = "Text" }
output = "Recipe"
prompt = """
Read this recipe and give its title, how many it serves and its ingredients:

@recipe_text
"""

[pipe.write_scaled]
type = "PipeLLM"
description = "Rewrite the ingredient list for the guests"
inputs = { recipe = "Recipe", guests = "GuestCount" }
output = "Text"
prompt = """
The recipe "$recipe.title" serves $recipe.serves. Rewrite its ingredients for $guests guests:
{% for line in recipe.ingredients %}
- {{ line }}
{% endfor %}
"""

[pipe.add_footer]
type = "PipeCompose"
description = "Sign the card"
inputs = { scaled = "Text", guests = "GuestCount" }
output = "Text"
template = """
$scaled

(for {{ guests.number }} guests)
"""
''',
)
INPUTS["v_recipe_scaler"] = {"recipe_text": "Crêpes: 250 g flour, 3 eggs, 50 cl milk. Serves 4.", "guests": 9}

_base(
    "v_meeting_notes",
    "native.markdown native.date native.text operator.llm controller.sequence feature.structured_output",
    '''domain = "meetings"
description = "Turn a meeting transcript into minutes"
main_pipe = "write_minutes"
system_prompt = "You are the secretary of a small association. Be brief and neutral."

[concept.Minutes]
description = "The minutes of a meeting"
refines = "Markdown"

[concept.ActionItem]
description = "Something someone promised to do"

[concept.ActionItem.structure]
owner = { type = "text", description = "Who does it", required = true }
task = { type = "text", description = "What to do", required = true }
due = { type = "date", description = "By when" }
done = { type = "boolean", description = "Already done", default_value = false }

[pipe.write_minutes]
type = "PipeSequence"
description = "Actions then minutes"
inputs = { transcript = "Text", meeting_date = "Date" }
output = "Minutes"
steps = [
    { pipe = "list_actions", result = "actions" },
    { pipe = "draft_minutes", result = "minutes" },
]

[pipe.list_actions]
type = "PipeLLM"
description = "Every action item"
inputs = { transcript = "Text" }
output = "ActionItem[]"
prompt = """
List the action items agreed in this transcript.

@transcript
"""

[pipe.draft_minutes]
type = "PipeLLM"
description = "Write the minutes in Markdown"
inputs = { transcript = "Text", actions = "ActionItem[]", meeting_date = "Date" }
output = "Minutes"
prompt = """
Write the minutes of the meeting held on $meeting_date, as Markdown with a heading per topic.

@transcript

End with a table of these actions:
@actions
"""
''',
)

_base(
    "v_support_router",
    "native.choice native.yes_no native.text operator.judge operator.llm controller.condition controller.sequence",
    '''domain = "support"
description = "Route a support email to the right team"
main_pipe = "route_email"

[concept.Email]
description = "An email received by support"
refines = "Text"

[concept.Team]
description = "The team that owns a request"
refines = "Choice"

[pipe.route_email]
type = "PipeSequence"
description = "Pick a team, then draft in that team's voice"
inputs = { email = "Email" }
output = "Text"
steps = [
    { pipe = "pick_team", result = "team" },
    { pipe = "dispatch", result = "draft" },
]

[pipe.pick_team]
type = "PipeJudge"
description = "Which team owns the email"
inputs = { email = "Email" }
output = "Team"
model = "@default-judgment"
prompt = """
A customer wrote:
@email
"""
question = "Which team should handle this email?"
options = [
    { label = "billing", description = "Invoices, refunds, payment failures" },
    { label = "technical", description = "Bugs, errors, outages" },
    { label = "sales", description = "Quotes, plans, discounts" },
]

[pipe.dispatch]
type = "PipeCondition"
description = "Send to the team's drafting pipe"
inputs = { email = "Email", team = "Team" }
output = "Text"
expression = "team.choice"
default_outcome = "draft_generic"

[pipe.dispatch.outcomes]
billing = "draft_billing"
technical = "draft_technical"

[pipe.draft_billing]
type = "PipeLLM"
description = "Billing answer"
inputs = { email = "Email" }
output = "Text"
prompt = """
Answer as the billing team, mention the refund policy:
@email
"""

[pipe.draft_technical]
type = "PipeLLM"
description = "Technical answer"
inputs = { email = "Email" }
output = "Text"
prompt = """
Answer as the technical team, ask for logs:
@email
"""

[pipe.draft_generic]
type = "PipeLLM"
description = "Generic answer"
inputs = { email = "Email" }
output = "Text"
prompt = """
Answer politely and say a colleague will follow up:
@email
"""
''',
)

_base(
    "v_spam_gate",
    "native.yes_no native.text operator.judge controller.condition controller.sequence feature.optionals",
    '''domain = "moderation"
description = "Drop spam comments, answer the others"
main_pipe = "moderate"

[pipe.moderate]
type = "PipeSequence"
description = "Judge, then answer or skip"
inputs = { comment = "Text" }
output = "Text?"
steps = [
    { pipe = "is_spam", result = "spam" },
    { pipe = "answer_unless_spam", result = "answer" },
]

[pipe.is_spam]
type = "PipeJudge"
description = "Is the comment spam"
inputs = { comment = "Text" }
output = "YesNo"
model = "@default-judgment"
prompt = "@comment"
question = "Is this comment spam or advertising?"
criteria = { yes = "It sells something or links to an unrelated site", no = "It talks about the article" }
threshold = 0.7

[pipe.answer_unless_spam]
type = "PipeCondition"
description = "Skip spam"
inputs = { comment = "Text", spam = "YesNo" }
output = "Text?"
expression_template = "{% if spam.yes_no %}spam{% else %}ham{% endif %}"
default_outcome = "continue"

[pipe.answer_unless_spam.outcomes]
ham = "answer_comment"

[pipe.answer_comment]
type = "PipeLLM"
description = "Thank the reader"
inputs = { comment = "Text" }
output = "Text"
prompt = """
Thank the reader for this comment in one sentence:
@comment
"""
''',
)

_base(
    "v_hotel_reviews",
    "native.rating native.number native.text operator.judge operator.llm controller.batch controller.sequence",
    '''domain = "hotel.reviews"
description = "Rate every review of a hotel and summarise"
main_pipe = "rate_reviews"

[concept.Review]
description = "A guest review"
refines = "Text"

[concept.Cleanliness]
description = "How clean the guest found the room"
refines = "Rating"

[pipe.rate_reviews]
type = "PipeSequence"
description = "Rate each, then summarise"
inputs = { reviews = "Review[]" }
output = "Text"
steps = [
    { pipe = "rate_one", batch_over = "reviews", batch_as = "review", result = "ratings" },
    { pipe = "summarise_ratings", result = "summary" },
]

[pipe.rate_one]
type = "PipeJudge"
description = "Cleanliness of one review"
inputs = { review = "Review" }
output = "Cleanliness"
model = "@default-judgment"
prompt = "$review"
question = "How clean was the room according to this guest?"
levels = [
    { label = "dirty", description = "Stains, dust, smells" },
    { label = "acceptable", description = "Nothing to report" },
    { label = "spotless", description = "Praised for cleanliness" },
]

[pipe.summarise_ratings]
type = "PipeLLM"
description = "A summary for the manager"
inputs = { ratings = "Cleanliness[]" }
output = "Text"
prompt = """
Summarise these cleanliness ratings for the hotel manager:
@ratings
"""
''',
)

_base(
    "v_departure_board",
    "native.time native.date native.text operator.llm operator.compose controller.parallel native.composite",
    """domain = "rail"
description = "Read a train announcement into date and time"
main_pipe = "read_announcement"

[pipe.read_announcement]
type = "PipeParallel"
description = "Date and time at once"
inputs = { announcement = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "read_day", result = "day" },
    { pipe = "read_hour", result = "hour" },
    { pipe = "echo_announcement", result = "raw" },
]

[pipe.read_day]
type = "PipeLLM"
description = "The day of departure"
inputs = { announcement = "Text" }
output = "Date"
prompt = "On which day does the train of this announcement leave? $announcement"

[pipe.read_hour]
type = "PipeLLM"
description = "The departure time"
inputs = { announcement = "Text" }
output = "Time"
prompt = "At what time does the train of this announcement leave? $announcement"

[pipe.echo_announcement]
type = "PipeCompose"
description = "Keep the announcement as said"
inputs = { announcement = "Text" }
output = "Text"
template = "Announced: $announcement"
""",
)

_base(
    "v_api_payload",
    "native.json native.anything native.text operator.llm controller.sequence",
    '''domain = "integrations"
description = "Turn a webhook payload into a normalised JSON record and a log line"
main_pipe = "normalise_payload"

[pipe.normalise_payload]
type = "PipeSequence"
description = "Normalise, then describe"
inputs = { payload = "Anything" }
output = "Text"
steps = [
    { pipe = "to_record", result = "record" },
    { pipe = "describe_record", result = "log_line" },
]

[pipe.to_record]
type = "PipeLLM"
description = "Normalise whatever came in into a flat JSON record"
inputs = { payload = "Anything" }
output = "JSON"
prompt = """
Flatten this webhook payload into one JSON object with snake_case keys:

@payload
"""

[pipe.describe_record]
type = "PipeLLM"
description = "One log line"
inputs = { record = "JSON" }
output = "Text"
prompt = """
Write one log line describing this record:
@record
"""
''',
)
INPUTS["v_api_payload"] = {"payload": {"event": "order.paid", "order": {"id": 1042, "total": 59.9}}}

_base(
    "v_landing_page",
    "native.html native.markdown native.text operator.llm operator.compose controller.sequence feature.markdown_filter",
    '''domain = "web_copy"
description = "Write a product landing page and render it as HTML"
main_pipe = "build_page"

[concept.ProductPitch]
description = "What the product is and why it matters"

[concept.ProductPitch.structure]
name = { type = "text", description = "Product name", required = true }
tagline = { type = "text", description = "One line", required = true }
body_markdown = { type = "text", description = "The body, in Markdown", required = true }
price = { type = "number", description = "Price in EUR" }

[pipe.build_page]
type = "PipeSequence"
description = "Pitch, then page"
inputs = { notes = "Text" }
output = "Html"
steps = [
    { pipe = "write_pitch", result = "pitch" },
    { pipe = "render_page", result = "page" },
]

[pipe.write_pitch]
type = "PipeLLM"
description = "Write the pitch"
inputs = { notes = "Text" }
output = "ProductPitch"
model = "$writing-creative"
prompt = """
Write a product pitch from the founder's notes:
@notes
"""

[pipe.render_page]
type = "PipeCompose"
description = "The landing page"
inputs = { pitch = "ProductPitch" }
output = "Html"

[pipe.render_page.template]
category = "html"
template = """
<section class="hero">
  <h1>{{ pitch.name }}</h1>
  <p class="tagline">{{ pitch.tagline }}</p>
</section>
<section class="body">
{{ pitch.body_markdown | markdown }}
</section>
{% if pitch.price %}<p class="price">{{ pitch.price }} EUR</p>{% endif %}
"""
''',
)

_base(
    "v_blog_to_html",
    "native.markdown native.html operator.llm operator.compose controller.sequence",
    '''domain = "blog"
description = "Draft a post in Markdown and publish it as HTML"
main_pipe = "publish"

[pipe.publish]
type = "PipeSequence"
description = "Draft then convert"
inputs = { topic = "Text" }
output = "Html"
steps = [
    { pipe = "draft_post", result = "post" },
    { pipe = "to_html", result = "html" },
]

[pipe.draft_post]
type = "PipeLLM"
description = "Draft the post"
inputs = { topic = "Text" }
output = "Markdown"
prompt = "Write a 300 word blog post about $topic, in Markdown, with two subheadings."

[pipe.to_html]
type = "PipeLLM"
description = "Convert to HTML"
inputs = { post = "Markdown" }
output = "Html"
prompt = """
Convert this Markdown post to semantic HTML (article, h2, p):

@post
"""
''',
)

_base(
    "v_insta_caption",
    "native.image native.text operator.llm operator.img_gen controller.sequence",
    '''domain = "social_media"
description = "Generate an illustration and caption it"
main_pipe = "illustrate_and_caption"

[concept.Illustration]
description = "An illustration for a post"
refines = "Image"

[pipe.illustrate_and_caption]
type = "PipeSequence"
description = "Draw then caption"
inputs = { theme = "Text" }
output = "Text"
steps = [
    { pipe = "draw", result = "illustration" },
    { pipe = "caption", result = "caption" },
]

[pipe.draw]
type = "PipeImgGen"
description = "Draw an illustration of the theme"
inputs = { theme = "Text" }
output = "Illustration"
prompt = "A flat pastel illustration of $theme, no text"
aspect_ratio = "square"
background = "opaque"

[pipe.caption]
type = "PipeLLM"
description = "Caption the illustration"
inputs = { illustration = "Illustration", theme = "Text" }
output = "Text"
model = "$vision"
prompt = """
Write an Instagram caption (max 2 lines, 3 hashtags) about $theme for this picture:
$illustration
"""
''',
)

_base(
    "v_receipt_reader",
    "native.image native.page native.number operator.extract operator.llm controller.sequence feature.structured_output",
    '''domain = "expenses"
description = "Read a photographed receipt"
main_pipe = "read_receipt"

[concept.ReceiptPhoto]
description = "A photo of a shop receipt"
refines = "Image"

[concept.Receipt]
description = "What a receipt says"

[concept.Receipt.structure]
shop = { type = "text", description = "Shop name", required = true }
total = { type = "number", description = "Total paid", required = true }
currency = { type = "text", description = "Currency", choices = ["EUR", "USD", "GBP"], default_value = "EUR" }
lines = { type = "list", item_type = "text", description = "Purchased items" }

[pipe.read_receipt]
type = "PipeSequence"
description = "OCR then structure"
inputs = { photo = "ReceiptPhoto" }
output = "Receipt"
steps = [
    { pipe = "ocr_photo", result = "pages" },
    { pipe = "structure_receipt", result = "receipt" },
]

[pipe.ocr_photo]
type = "PipeExtract"
description = "Text of the receipt"
inputs = { photo = "ReceiptPhoto" }
output = "Page[]"
model = "@default-extract-image"

[pipe.structure_receipt]
type = "PipeLLM"
description = "Fields of the receipt"
inputs = { pages = "Page[]" }
output = "Receipt"
prompt = """
Read the shop, the total and the items of this receipt:
@pages
"""
''',
)

_base(
    "v_contract_pages",
    "native.document native.page native.text operator.extract operator.llm controller.batch controller.sequence",
    '''domain = "legal.contracts"
description = "Summarise every page of a contract"
main_pipe = "summarise_contract"

[concept.Contract]
description = "A signed contract, as a PDF"
refines = "Document"

[concept.PageSummary]
description = "What one page says"
refines = "Text"

[pipe.summarise_contract]
type = "PipeSequence"
description = "Pages, summaries, overview"
inputs = { contract = "Contract" }
output = "Text"
steps = [
    { pipe = "extract_pages", result = "pages" },
    { pipe = "summarise_pages", result = "page_summaries" },
    { pipe = "overview", result = "overview" },
]

[pipe.extract_pages]
type = "PipeExtract"
description = "Text of each page"
inputs = { contract = "Contract" }
output = "Page[]"
model = "~document-extractor"
max_page_images = 2

[pipe.summarise_pages]
type = "PipeBatch"
description = "One summary per page"
inputs = { pages = "Page[]" }
output = "PageSummary[]"
branch_pipe_code = "summarise_page"
input_list_name = "pages"
input_item_name = "page"

[pipe.summarise_page]
type = "PipeLLM"
description = "Summarise one page"
inputs = { page = "Page" }
output = "PageSummary"
prompt = """
Summarise the obligations on this contract page in two sentences:
@page
"""

[pipe.overview]
type = "PipeLLM"
description = "Overview of the contract"
inputs = { page_summaries = "PageSummary[]" }
output = "Text"
prompt = """
Write a short overview of the contract from these page summaries:
@page_summaries
"""
''',
)

_base(
    "v_pdf_question",
    "native.document native.text operator.llm",
    '''domain = "doc_qa"
description = "Answer a question about a PDF"
main_pipe = "answer_from_pdf"

[pipe.answer_from_pdf]
type = "PipeLLM"
description = "Answer from the document"
inputs = { document = "Document", question = "Text" }
output = "Text"
model = "@default-premium-vision"
prompt = """
Answer the question using only this document.

Question: $question

@document
"""
''',
)

_base(
    "v_news_digest",
    "native.search_result native.text operator.search operator.llm controller.sequence",
    '''domain = "news"
description = "Search the news on a topic and write a digest"
main_pipe = "digest"

[pipe.digest]
type = "PipeSequence"
description = "Search then write"
inputs = { topic = "Text" }
output = "Text"
steps = [
    { pipe = "search_news", result = "found" },
    { pipe = "write_digest", result = "digest" },
]

[pipe.search_news]
type = "PipeSearch"
description = "Recent articles"
inputs = { topic = "Text" }
output = "SearchResult"
prompt = "Latest news about $topic"
max_results = 8
include_images = false
from_date = "2026-01-01"

[pipe.write_digest]
type = "PipeLLM"
description = "The digest"
inputs = { found = "SearchResult" }
output = "Text"
prompt = """
Write a five bullet digest of these search results, citing sources:
@found
"""
''',
)

_base(
    "v_competitor_scan",
    "native.search_result operator.search operator.llm controller.parallel feature.structured_output",
    """domain = "market"
description = "Scan two competitors at once"
main_pipe = "scan_competitors"

[concept.CompetitorScan]
description = "What we found about each competitor"

[concept.CompetitorScan.structure]
first = { type = "concept", concept_ref = "SearchResult", description = "Results on the first", required = true }
second = { type = "concept", concept_ref = "SearchResult", description = "Results on the second", required = true }

[pipe.scan_competitors]
type = "PipeParallel"
description = "Search both"
inputs = { first_name = "Text", second_name = "Text" }
output = "CompetitorScan"
branches = [
    { pipe = "search_first", result = "first" },
    { pipe = "search_second", result = "second" },
]

[pipe.search_first]
type = "PipeSearch"
description = "About the first competitor"
inputs = { first_name = "Text" }
output = "SearchResult"
prompt = "Pricing and product news of $first_name"
model = "@default-search"
include_domains = ["techcrunch.com", "theverge.com"]

[pipe.search_second]
type = "PipeSearch"
description = "About the second competitor"
inputs = { second_name = "Text" }
output = "SearchResult"
prompt = "Pricing and product news of $second_name"
exclude_domains = ["reddit.com"]
""",
)

_base(
    "v_field_lookup",
    "native.dynamic native.text operator.llm",
    '''domain = "lookup"
description = "Read whatever field is asked for out of a record"
main_pipe = "read_field"

[pipe.read_field]
type = "PipeLLM"
description = "Read the field"
inputs = { record = "Text", field_name = "Text" }
output = "Dynamic"
prompt = """
Give the value of the field "$field_name" in this record:
@record
"""
''',
)

_base(
    "v_travel_brochure",
    "native.text_and_images native.text native.image operator.llm controller.sequence",
    '''domain = "travel"
description = "A brochure page with photos of a destination"
main_pipe = "brochure"

[pipe.brochure]
type = "PipeSequence"
description = "Page then summary"
inputs = { destination = "Text" }
output = "Text"
steps = [
    { pipe = "make_page", result = "page" },
    { pipe = "summarise_page", result = "blurb" },
]

[pipe.make_page]
type = "PipeLLM"
description = "Text and photos"
inputs = { destination = "Text" }
output = "TextAndImages"
prompt = "Write a brochure page about $destination and describe three photos for it."

[pipe.summarise_page]
type = "PipeLLM"
description = "One line"
inputs = { page = "TextAndImages" }
output = "Text"
prompt = """
Summarise this brochure page in one line:
@page
"""
''',
)

_base(
    "v_weather_station",
    "native.composite native.number native.yes_no native.text operator.llm controller.parallel",
    """domain = "weather"
description = "Read a weather bulletin in several ways at once"
main_pipe = "read_bulletin"

[pipe.read_bulletin]
type = "PipeParallel"
description = "Temperature, rain, summary"
inputs = { bulletin = "Text" }
output = "Composite"
add_each_output = false
branches = [
    { pipe = "read_temperature", result = "temperature" },
    { pipe = "will_it_rain", result = "rain" },
    { pipe = "summarise_bulletin", result = "summary" },
]

[pipe.read_temperature]
type = "PipeLLM"
description = "Temperature"
inputs = { bulletin = "Text" }
output = "Number"
prompt = "Give the maximum temperature in Celsius of this bulletin: $bulletin"

[pipe.will_it_rain]
type = "PipeLLM"
description = "Rain or not"
inputs = { bulletin = "Text" }
output = "YesNo"
prompt = "Will it rain according to this bulletin? $bulletin"

[pipe.summarise_bulletin]
type = "PipeLLM"
description = "Summary"
inputs = { bulletin = "Text" }
output = "Text"
prompt = "Summarise: $bulletin"
""",
)

# --- operators --------------------------------------------------------------------------------------------------

_base(
    "v_job_match",
    "operator.llm operator.extract operator.compose native.document native.page controller.parallel controller.sequence feature.structured_output",
    '''domain = "hr"
description = "Match a CV against a job offer"
main_pipe = "match_cv"

[concept.Candidate]
description = "A candidate as described in a CV"

[concept.Candidate.structure]
full_name = { type = "text", description = "Name", required = true }
skills = { type = "list", item_type = "text", description = "Skills", required = true }
years_of_experience = { type = "integer", description = "Years of experience" }

[concept.MatchReport]
description = "How well a candidate fits a job"

[concept.MatchReport.structure]
score = { type = "integer", description = "0 to 100", required = true }
strengths = { type = "list", item_type = "text", description = "What fits" }
gaps = { type = "list", item_type = "text", description = "What is missing" }
verdict = { type = "text", description = "Verdict", choices = ["interview", "maybe", "reject"], required = true }

[pipe.match_cv]
type = "PipeSequence"
description = "Extract both, then compare"
inputs = { cv = "Document", job_offer = "Document" }
output = "MatchReport"
steps = [
    { pipe = "extract_both", result = "texts" },
    { pipe = "read_candidate", result = "candidate" },
    { pipe = "compare", result = "report" },
]

[pipe.extract_both]
type = "PipeParallel"
description = "Both documents at once"
inputs = { cv = "Document", job_offer = "Document" }
output = "Dynamic"
add_each_output = true
branches = [
    { pipe = "extract_cv", result = "cv_pages" },
    { pipe = "extract_offer", result = "offer_pages" },
]

[pipe.extract_cv]
type = "PipeExtract"
description = "CV pages"
inputs = { cv = "Document" }
output = "Page[]"

[pipe.extract_offer]
type = "PipeExtract"
description = "Offer pages"
inputs = { job_offer = "Document" }
output = "Page[]"

[pipe.read_candidate]
type = "PipeLLM"
description = "Who is the candidate"
inputs = { cv_pages = "Page[]" }
output = "Candidate"
prompt = """
@cv_pages
"""

[pipe.compare]
type = "PipeLLM"
description = "Compare"
inputs = { candidate = "Candidate", offer_pages = "Page[]" }
output = "MatchReport"
model = "$deep-analysis"
prompt = """
Compare this candidate:
@candidate

with this job offer:
@offer_pages
"""
''',
)

_base(
    "v_tweet_thread",
    "operator.llm native.text controller.sequence",
    '''domain = "tweets"
description = "A thread of five tweets and its hook"
main_pipe = "thread"

[concept]
Tweet = "One tweet, at most 280 characters"
Hook = "The first line that makes people read on"

[pipe.thread]
type = "PipeSequence"
description = "Tweets then hook"
inputs = { article = "Text" }
output = "Hook"
steps = [
    { pipe = "write_tweets", result = "tweets" },
    { pipe = "write_hook", result = "hook" },
]

[pipe.write_tweets]
type = "PipeLLM"
description = "Exactly five tweets"
inputs = { article = "Text" }
output = "Tweet[5]"
model = { model = "@default-small-creative", temperature = 0.8 }
templating_style = "ticks"
prompt = """
Turn this article into a thread of five tweets:
@article
"""

[pipe.write_hook]
type = "PipeLLM"
description = "The hook"
inputs = { tweets = "Tweet[5]" }
output = "Hook"
prompt = """
Write a hook for this thread:
@tweets
"""
''',
)

_base(
    "v_lesson_plan",
    "operator.llm feature.structured_output native.text",
    '''domain = "teaching"
description = "Plan a lesson with nested structures"

[concept.Activity]
description = "One activity of a lesson"

[concept.Activity.structure]
name = "Name of the activity"
minutes = { type = "integer", description = "Duration in minutes", required = true }
kind = { type = "text", description = "Kind", choices = ["lecture", "group work", "quiz", "game"], required = true }
materials = { type = "list", item_type = "text", description = "What to bring" }

[concept.LessonPlan]
description = "A full lesson"

[concept.LessonPlan.structure]
subject = { type = "text", description = "Subject", required = true }
level = { type = "text", description = "Class level", required = true }
objectives = { type = "list", item_type = "text", description = "Learning objectives", required = true }
activities = { type = "list", item_type = "concept", item_concept_ref = "Activity", description = "In order", required = true }
homework = { type = "text", description = "Homework, if any" }
scores = { type = "dict", key_type = "text", value_type = "integer", description = "Points per objective" }

[pipe.plan_lesson]
type = "PipeLLM"
description = "Plan a lesson"
inputs = { subject = "Text", level = "Text" }
output = "LessonPlan"
system_prompt = "You are an experienced primary school teacher."
prompt = """
Plan a 50 minute lesson on $subject for $level pupils.
Mix at least three kinds of activity.
"""
''',
)

_base(
    "v_story_illustrations",
    "operator.img_gen operator.llm native.image controller.batch controller.sequence",
    """domain = "storybook"
description = "Write a short story and illustrate each scene"
main_pipe = "illustrated_story"

[concept.Scene]
description = "One scene of the story, described for an illustrator"
refines = "Text"

[pipe.illustrated_story]
type = "PipeSequence"
description = "Scenes, then one picture each"
inputs = { premise = "Text" }
output = "Image[]"
steps = [
    { pipe = "write_scenes", result = "scenes" },
    { pipe = "illustrate_scene", batch_over = "scenes", batch_as = "scene", result = "pictures" },
]

[pipe.write_scenes]
type = "PipeLLM"
description = "Three scenes"
inputs = { premise = "Text" }
output = "Scene[3]"
prompt = "Write three scenes of a children's story about: $premise"

[pipe.illustrate_scene]
type = "PipeImgGen"
description = "One picture"
inputs = { scene = "Scene" }
output = "Image"
model = "$gen-image"
prompt = "Watercolour children's book illustration: $scene"
negative_prompt = "text, watermark"
aspect_ratio = "landscape_4_3"
output_format = "jpeg"
seed = "auto"
""",
)

_base(
    "v_logo_variants",
    "operator.img_gen native.image native.text",
    '''domain = "branding"
description = "Three logo variants"
main_pipe = "draw_logos"

[pipe.draw_logos]
type = "PipeImgGen"
description = "Logo variants"
inputs = { brand = "Text", style = "Text" }
output = "Image[3]"
prompt = """
A minimalist logo for the brand $brand.
Style: $style. Centered, plain background.
"""
aspect_ratio = "square"
background = "transparent"
output_format = "png"
is_raw = false
''',
)

_base(
    "v_invoice_structurer",
    "operator.structure operator.extract operator.llm native.document native.page controller.sequence feature.structured_output",
    '''domain = "accounting"
description = "Invoice PDF to structured record"
main_pipe = "process_invoice"

[concept.InvoiceLine]
description = "One line of an invoice"

[concept.InvoiceLine.structure]
label = { type = "text", description = "What was sold", required = true }
quantity = { type = "number", description = "How many", required = true }
unit_price = { type = "number", description = "Price each", required = true }

[concept.Invoice]
description = "An invoice"

[concept.Invoice.structure]
number = { type = "text", description = "Invoice number", required = true }
issued_on = { type = "date", description = "Issue date" }
vendor = { type = "text", description = "Who sent it", required = true }
lines = { type = "list", item_type = "concept", item_concept_ref = "InvoiceLine", description = "Lines", required = true }
total = { type = "number", description = "Total including tax", required = true }
paid = { type = "boolean", description = "Marked as paid" }

[pipe.process_invoice]
type = "PipeSequence"
description = "Extract, transcribe, structure"
inputs = { invoice_pdf = "Document" }
output = "Invoice"
steps = [
    { pipe = "extract_invoice", result = "pages" },
    { pipe = "transcribe", result = "transcript" },
    { pipe = "structure_invoice", result = "invoice" },
]

[pipe.extract_invoice]
type = "PipeExtract"
description = "Pages"
inputs = { invoice_pdf = "Document" }
output = "Page[]"
model = "@default-text-from-pdf"

[pipe.transcribe]
type = "PipeLLM"
description = "A clean transcript"
inputs = { pages = "Page[]" }
output = "Text"
prompt = """
Transcribe the invoice, keeping every amount:
@pages
"""

[pipe.structure_invoice]
type = "PipeStructure"
description = "Fill the invoice fields"
inputs = { transcript = "Text" }
output = "Invoice"
model = "@default-small-structured"
''',
)

_base(
    "v_address_parser",
    "operator.structure feature.structured_output native.text",
    """domain = "addresses"
description = "Parse a postal address"
main_pipe = "parse_address"

[concept.PostalAddress]
description = "A postal address split into parts"

[concept.PostalAddress.structure]
street = { type = "text", description = "Number and street", required = true }
postcode = { type = "text", description = "Postcode", required = true }
city = { type = "text", description = "City", required = true }
country = { type = "text", description = "Country", default_value = "France" }

[pipe.parse_address]
type = "PipeStructure"
description = "Parse it"
inputs = { raw_address = "Text" }
output = "PostalAddress"
""",
)

_base(
    "v_rental_contract_pdf",
    "operator.doc_gen operator.llm native.document controller.sequence feature.structured_output",
    """domain = "rentals"
description = "Draft a rental agreement and print it"
main_pipe = "prepare_agreement"

[concept.Agreement]
description = "A rental agreement"

[concept.Agreement.structure]
tenant = { type = "text", description = "Tenant", required = true }
landlord = { type = "text", description = "Landlord", required = true }
monthly_rent = { type = "number", description = "Rent", required = true }
clauses = { type = "list", item_type = "text", description = "Clauses", required = true }

[pipe.prepare_agreement]
type = "PipeSequence"
description = "Draft then print"
inputs = { request = "Text" }
output = "Document"
steps = [
    { pipe = "draft_agreement", result = "agreement" },
    { pipe = "print_agreement", result = "pdf" },
]

[pipe.draft_agreement]
type = "PipeLLM"
description = "Draft it"
inputs = { request = "Text" }
output = "Agreement"
prompt = "Draft a rental agreement for: $request"

[pipe.print_agreement]
type = "PipeDocGen"
description = "Print it"
inputs = { agreement = "Agreement" }
output = "Document"
format = "pdf"
filename = "agreement-{{ agreement.tenant }}"
""",
)

_base(
    "v_quote_pdf",
    "operator.doc_gen native.document native.text",
    '''domain = "quotes"
description = "Print a quote"
main_pipe = "print_quote"

[pipe.print_quote]
type = "PipeDocGen"
description = "The quote as a PDF"
inputs = { quote_text = "Text" }
output = "Document"
format = "pdf"
template = """
# Quote

$quote_text
"""
''',
)

_base(
    "v_essay_grader",
    "operator.judge native.rating native.yes_no native.choice controller.parallel native.composite",
    """domain = "grading"
description = "Judge an essay three ways"
main_pipe = "grade_essay"

[concept.Essay]
description = "A student's essay"
refines = "Text"

[pipe.grade_essay]
type = "PipeParallel"
description = "Three judgments"
inputs = { essay = "Essay" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "on_topic", result = "on_topic" },
    { pipe = "grade_style", result = "style" },
    { pipe = "genre", result = "genre" },
]

[pipe.on_topic]
type = "PipeJudge"
description = "Is it on topic"
inputs = { essay = "Essay" }
output = "YesNo"
model = "@default-judgment"
prompt = "@essay"
question = "Does the essay answer the question it was set?"

[pipe.grade_style]
type = "PipeJudge"
description = "Style grade"
inputs = { essay = "Essay" }
output = "Rating"
model = "@default-judgment"
prompt = "@essay"
question = "How well is it written?"
levels = [
    { label = "poor" },
    { label = "fair" },
    { label = "good" },
    { label = "excellent" },
]

[pipe.genre]
type = "PipeJudge"
description = "What kind of essay"
inputs = { essay = "Essay" }
output = "Choice"
model = "@default-judgment"
prompt = "@essay"
question = "What kind of essay is this?"
options = [
    { label = "argumentative" },
    { label = "narrative" },
    { label = "descriptive" },
]
""",
)

_base(
    "v_loan_screen",
    "operator.judge native.yes_no controller.condition feature.structured_output",
    '''domain = "lending"
description = "Screen a loan application"
main_pipe = "screen"

[concept.Application]
description = "A loan application"

[concept.Application.structure]
applicant = { type = "text", description = "Applicant", required = true }
amount = { type = "number", description = "Amount asked", required = true }
monthly_income = { type = "number", description = "Monthly income", required = true }

[concept.Screening]
description = "The screening questions"

[concept.Screening.structure]
affordable = { type = "concept", concept_ref = "YesNo", description = "Can they afford it", required = true }
complete = { type = "concept", concept_ref = "YesNo", description = "Is the file complete", required = true }

[pipe.screen]
type = "PipeJudge"
description = "Two questions at once"
inputs = { application = "Application" }
output = "Screening"
model = "@default-judgment"
prompt = """
Loan application of $application.applicant for $application.amount EUR,
monthly income $application.monthly_income EUR.
"""

[pipe.screen.questions.affordable]
question = "Can the applicant afford the repayments?"
threshold = 0.8

[pipe.screen.questions.complete]
question = "Does the application give everything a lender needs?"
criteria = { yes = "Name, amount and income are all given", no = "Something is missing" }
''',
)

# --- controllers ------------------------------------------------------------------------------------------------

_base(
    "v_translation_batch",
    "controller.batch operator.llm native.text",
    """domain = "translation"
description = "Translate a list of sentences"
main_pipe = "translate_all"

[concept]
Sentence = "A sentence to translate"
Translation = "A translated sentence"

[pipe.translate_all]
type = "PipeBatch"
description = "Each sentence"
inputs = { sentences = "Sentence[]", language = "Text" }
output = "Translation[]"
branch_pipe_code = "translate_one"
input_list_name = "sentences"
input_item_name = "sentence"

[pipe.translate_one]
type = "PipeLLM"
description = "One sentence"
inputs = { sentence = "Sentence", language = "Text" }
output = "Translation"
prompt = "Translate into $language: $sentence"
""",
)

_base(
    "v_product_batch_compose",
    "controller.batch operator.compose feature.structured_output native.text",
    """domain = "catalogue"
description = "A line of catalogue text per product"
main_pipe = "all_lines"

[concept.Product]
description = "A product"

[concept.Product.structure]
sku = { type = "text", description = "SKU", required = true }
name = { type = "text", description = "Name", required = true }
price = { type = "number", description = "Price", required = true }
in_stock = { type = "boolean", description = "In stock", default_value = true }

[pipe.all_lines]
type = "PipeBatch"
description = "Lines"
inputs = { products = "Product[]" }
output = "Text[]"
branch_pipe_code = "one_line"
input_list_name = "products"
input_item_name = "product"

[pipe.one_line]
type = "PipeCompose"
description = "A line"
inputs = { product = "Product" }
output = "Text"
template = "{{ product.sku }} - {{ product.name }}: {{ product.price }} EUR{% if not product.in_stock %} (sold out){% endif %}"
""",
)
INPUTS["v_product_batch_compose"] = {
    "products": [
        {"sku": "A-1", "name": "Kettle", "price": 29.5, "in_stock": True},
        {"sku": "B-7", "name": "Teapot", "price": 18},
    ]
}

_base(
    "v_parallel_structured",
    "controller.parallel operator.llm feature.structured_output native.text",
    """domain = "seo"
description = "Title, description and keywords for a page, combined into one record"
main_pipe = "seo_pack"

[concept]
PageTitle = "The HTML title of a page"
MetaDescription = "The meta description of a page"

[concept.Keywords]
description = "Keywords for a page"
refines = "Text"

[concept.SeoPack]
description = "Everything the page head needs"

[concept.SeoPack.structure]
title = { type = "concept", concept_ref = "PageTitle", description = "Title", required = true }
meta = { type = "concept", concept_ref = "MetaDescription", description = "Description", required = true }
keywords = { type = "concept", concept_ref = "Keywords", description = "Keywords", required = true }

[pipe.seo_pack]
type = "PipeParallel"
description = "All three at once"
inputs = { page_text = "Text" }
output = "SeoPack"
branches = [
    { pipe = "write_title", result = "title" },
    { pipe = "write_meta", result = "meta" },
    { pipe = "write_keywords", result = "keywords" },
]

[pipe.write_title]
type = "PipeLLM"
description = "Title"
inputs = { page_text = "Text" }
output = "PageTitle"
prompt = "An HTML title (max 60 characters) for: $page_text"

[pipe.write_meta]
type = "PipeLLM"
description = "Description"
inputs = { page_text = "Text" }
output = "MetaDescription"
prompt = "A meta description (max 155 characters) for: $page_text"

[pipe.write_keywords]
type = "PipeLLM"
description = "Keywords"
inputs = { page_text = "Text" }
output = "Keywords"
prompt = "Ten comma separated keywords for: $page_text"
""",
)

_base(
    "v_parallel_batch_branch",
    "controller.parallel controller.batch operator.llm native.composite native.text",
    '''domain = "feedback"
description = "Summarise feedback and answer each comment, at once"
main_pipe = "process_feedback"

[pipe.process_feedback]
type = "PipeParallel"
description = "Summary and answers"
inputs = { comments = "Text[]" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "summarise_comments", result = "summary" },
    { pipe = "answer_comment", batch_over = "comments", batch_as = "comment", result = "answers" },
]

[pipe.summarise_comments]
type = "PipeLLM"
description = "Summary"
inputs = { comments = "Text[]" }
output = "Text"
prompt = """
Summarise these comments:
@comments
"""

[pipe.answer_comment]
type = "PipeLLM"
description = "Answer one"
inputs = { comment = "Text" }
output = "Text"
prompt = "Answer this comment kindly: $comment"
''',
)

_base(
    "v_age_gate",
    "controller.condition operator.compose feature.structured_output native.text",
    """domain = "greetings"
description = "Greet adults and minors differently"
main_pipe = "greet"

[concept.Person]
description = "A person"

[concept.Person.structure]
name = { type = "text", description = "First name", required = true }
age = { type = "integer", description = "Age in years", required = true }

[pipe.greet]
type = "PipeCondition"
description = "By age"
inputs = { person = "Person" }
output = "Text"
expression_template = "{% if person.age >= 18 %}adult{% else %}minor{% endif %}"
default_outcome = "fail"
outcomes = { adult = "greet_adult", minor = "greet_minor" }

[pipe.greet_adult]
type = "PipeCompose"
description = "Adult"
inputs = { person = "Person" }
output = "Text"
template = "Good evening, $person.name."

[pipe.greet_minor]
type = "PipeCompose"
description = "Minor"
inputs = { person = "Person" }
output = "Text"
template = "Hi $person.name!"
""",
)
INPUTS["v_age_gate"] = {"person": {"name": "Ada", "age": 36}}

_base(
    "v_priority_condition",
    "controller.condition controller.sequence operator.llm native.number native.text",
    """domain = "tickets"
description = "Escalate tickets by a computed priority"
main_pipe = "triage_ticket"

[concept.Priority]
description = "A priority from 1 to 10"
refines = "Number"

[pipe.triage_ticket]
type = "PipeSequence"
description = "Score, then route"
inputs = { ticket = "Text" }
output = "Text"
steps = [
    { pipe = "score_ticket", result = "priority" },
    { pipe = "route_by_priority", result = "action" },
]

[pipe.score_ticket]
type = "PipeLLM"
description = "Score"
inputs = { ticket = "Text" }
output = "Priority"
prompt = "From 1 to 10, how urgent is this ticket? $ticket"

[pipe.route_by_priority]
type = "PipeCondition"
description = "Escalate high priority"
inputs = { ticket = "Text", priority = "Priority" }
output = "Text"
expression = "'high' if priority.number >= 7 else 'normal'"
default_outcome = "file_ticket"
add_alias_from_expression_to = "route_taken"

[pipe.route_by_priority.outcomes]
high = "escalate_ticket"

[pipe.escalate_ticket]
type = "PipeLLM"
description = "Write the escalation"
inputs = { ticket = "Text" }
output = "Text"
prompt = "Write a one line escalation message to the on-call engineer for: $ticket"

[pipe.file_ticket]
type = "PipeLLM"
description = "File it"
inputs = { ticket = "Text" }
output = "Text"
prompt = "Write a one line acknowledgement for: $ticket"
""",
)

_base(
    "v_nested_sequences",
    "controller.sequence controller.parallel controller.batch operator.llm native.text native.composite",
    '''domain = "podcast"
description = "Prepare a podcast episode"
main_pipe = "prepare_episode"

[concept]
Guest = "A guest of the show"
Question = "A question for the guest"
ShowNotes = "Notes published with the episode"

[pipe.prepare_episode]
type = "PipeSequence"
description = "Research, questions, notes"
inputs = { guest = "Guest", theme = "Text" }
output = "ShowNotes"
steps = [
    { pipe = "research", result = "research" },
    { pipe = "write_questions", result = "questions" },
    { pipe = "polish_questions", result = "polished" },
    { pipe = "write_notes", result = "notes" },
]

[pipe.research]
type = "PipeParallel"
description = "Bio and angle"
inputs = { guest = "Guest", theme = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "write_bio", result = "bio" },
    { pipe = "find_angle", result = "angle" },
]

[pipe.write_bio]
type = "PipeLLM"
description = "Bio"
inputs = { guest = "Guest" }
output = "Text"
prompt = "A short bio of $guest"

[pipe.find_angle]
type = "PipeLLM"
description = "Angle"
inputs = { guest = "Guest", theme = "Text" }
output = "Text"
prompt = "An original angle to interview $guest about $theme"

[pipe.write_questions]
type = "PipeLLM"
description = "Questions"
inputs = { bio = "Text", angle = "Text" }
output = "Question[]"
prompt = """
Write interview questions.
Bio: $bio
Angle: $angle
"""

[pipe.polish_questions]
type = "PipeSequence"
description = "Polish each question"
inputs = { questions = "Question[]" }
output = "Question[]"
steps = [
    { pipe = "polish_one", batch_over = "questions", batch_as = "question", result = "polished" },
]

[pipe.polish_one]
type = "PipeLLM"
description = "Polish"
inputs = { question = "Question" }
output = "Question"
prompt = "Make this question shorter and sharper: $question"

[pipe.write_notes]
type = "PipeLLM"
description = "Show notes"
inputs = { guest = "Guest", polished = "Question[]" }
output = "ShowNotes"
prompt = """
Write show notes for the episode with $guest covering:
@polished
"""
''',
)

# --- features ---------------------------------------------------------------------------------------------------

_base(
    "v_order_binding",
    "feature.binding_step controller.sequence operator.llm operator.compose feature.structured_output native.number",
    """domain = "orders"
description = "Bind parts of an order to names"
main_pipe = "confirm_order"

[concept.Customer]
description = "A customer"

[concept.Customer.structure]
name = { type = "text", description = "Name", required = true }
email = { type = "text", description = "Email" }

[concept.Order]
description = "An order"

[concept.Order.structure]
customer = { type = "concept", concept_ref = "Customer", description = "Who ordered", required = true }
items = { type = "list", item_type = "text", description = "Items", required = true }
total = { type = "number", description = "Total", required = true }

[pipe.confirm_order]
type = "PipeSequence"
description = "Read, bind, confirm"
inputs = { order_text = "Text" }
output = "Text"
steps = [
    { pipe = "read_order", result = "order" },
    { from = "order.customer", result = "customer" },
    { from = "order.total", result = "total" },
    { pipe = "write_confirmation", result = "confirmation" },
]

[pipe.read_order]
type = "PipeLLM"
description = "Read the order"
inputs = { order_text = "Text" }
output = "Order"
prompt = "Read this order: $order_text"

[pipe.write_confirmation]
type = "PipeCompose"
description = "Confirmation"
inputs = { customer = "Customer", total = "Number" }
output = "Text"
template = "Dear $customer.name, we received your order of {{ total.number }} EUR."
""",
)

_base(
    "v_binding_batch",
    "feature.binding_step controller.sequence operator.llm feature.structured_output",
    """domain = "library_shelves"
description = "Describe each book on a shelf"
main_pipe = "describe_shelf"

[concept.Book]
description = "A book"

[concept.Book.structure]
title = { type = "text", description = "Title", required = true }
author = { type = "text", description = "Author" }

[concept.Shelf]
description = "A shelf of books"

[concept.Shelf.structure]
label = { type = "text", description = "Shelf label", required = true }
books = { type = "list", item_type = "concept", item_concept_ref = "Book", description = "Books", required = true }

[pipe.describe_shelf]
type = "PipeSequence"
description = "Read the shelf, then describe its books"
inputs = { shelf_photo_text = "Text" }
output = "Text[]"
steps = [
    { pipe = "read_shelf", result = "shelf" },
    { from = "shelf.books", result = "books" },
    { pipe = "describe_book", batch_over = "books", batch_as = "book", result = "blurbs" },
]

[pipe.read_shelf]
type = "PipeLLM"
description = "Read"
inputs = { shelf_photo_text = "Text" }
output = "Shelf"
prompt = "List the books on this shelf: $shelf_photo_text"

[pipe.describe_book]
type = "PipeLLM"
description = "Blurb"
inputs = { book = "Book" }
output = "Text"
prompt = "Write a one line blurb for $book.title by {{ book.author }}."
""",
)

_base(
    "v_dotted_batch_over",
    "feature.binding_step controller.sequence controller.batch operator.llm native.page native.document operator.extract",
    '''domain = "brochures"
description = "Describe each page of a brochure"
main_pipe = "describe_pages"

[concept.Brochure]
description = "A brochure and its pages"

[concept.Brochure.structure]
title = { type = "text", description = "Title", required = true }
pages = { type = "list", item_type = "concept", item_concept_ref = "Page", description = "Pages", required = true }

[pipe.describe_pages]
type = "PipeSequence"
description = "Read, then each page"
inputs = { brochure = "Brochure" }
output = "Text[]"
steps = [
    { pipe = "describe_page", batch_over = "brochure.pages", batch_as = "page", result = "descriptions" },
]

[pipe.describe_page]
type = "PipeLLM"
description = "One page"
inputs = { page = "Page" }
output = "Text"
prompt = """
Describe this brochure page:
@page
"""
''',
)

_base(
    "v_hints_form",
    "feature.intent_hints feature.structured_output operator.llm native.text",
    '''domain = "events"
description = "An event listing, with hints for forms"
main_pipe = "write_listing"

[concept.VenueName]
description = "The name of the venue"
refines = "Text"
hints = { intent = "label" }

[concept.Listing]
description = "An event listing"

[concept.Listing.structure]
title = { type = "text", description = "Title", required = true, hints = { intent = "label" } }
pitch = { type = "text", description = "Why come", hints = { intent = "prose" } }
capacity = { type = "integer", description = "Seats", hints = { intent = "quantity" } }
stars = { type = "integer", description = "Critics' stars", hints = { intent = "rating" } }

[pipe.write_listing]
type = "PipeLLM"
description = "The listing"
inputs = { venue = "VenueName", notes = { concept = "Text", hints = { intent = "prose" } } }
output = "Listing"
prompt = """
Write a listing for an event at $venue.

@notes
"""
''',
)

_base(
    "v_optional_signature",
    "feature.optionals operator.llm native.text",
    '''domain = "letters"
description = "A cover letter with optional extras"
main_pipe = "cover_letter"

[pipe.cover_letter]
type = "PipeLLM"
description = "Write a cover letter"
inputs = { job = "Text", cv_summary = "Text", company_notes = "Text?", tone = "Text?" }
output = "Text"
prompt = """
Write a cover letter for this job:
@job

About me:
@cv_summary

@?company_notes
{% if tone is defined %}
Use this tone: {{ tone.text }}
{% else %}
Use a warm professional tone.
{% endif %}
"""
''',
)
INPUTS["v_optional_signature"] = {"job": "Barista at Café Lune", "cv_summary": "Five years behind a counter."}

_base(
    "v_optional_chain",
    "feature.optionals controller.sequence controller.condition operator.llm native.text",
    '''domain = "proofreading"
description = "Proofread, and add a glossary only if one is given"
main_pipe = "proofread"

[pipe.proofread]
type = "PipeSequence"
description = "Fix, then apply the glossary if any"
inputs = { draft = "Text", glossary = "Text?" }
output = "Text"
steps = [
    { pipe = "fix_typos", result = "fixed" },
    { pipe = "apply_glossary_if_any", result = "final" },
]

[pipe.fix_typos]
type = "PipeLLM"
description = "Fix typos"
inputs = { draft = "Text" }
output = "Text"
prompt = "Fix the typos of: $draft"

[pipe.apply_glossary_if_any]
type = "PipeCondition"
description = "Only with a glossary"
inputs = { fixed = "Text", glossary = "Text?" }
output = "Text"
expression = "'yes' if glossary is defined else 'no'"
default_outcome = "keep_fixed"

[pipe.apply_glossary_if_any.outcomes]
yes = "apply_glossary"

[pipe.apply_glossary]
type = "PipeLLM"
description = "Use the glossary"
inputs = { fixed = "Text", glossary = "Text!" }
output = "Text"
prompt = """
Rewrite using the glossary terms:
@fixed

@glossary
"""

[pipe.keep_fixed]
type = "PipeCompose"
description = "As is"
inputs = { fixed = "Text" }
output = "Text"
template = "$fixed"
''',
)

_base(
    "v_smart_inputs_quote",
    "feature.smart_inputs feature.structured_output operator.llm native.number native.text",
    '''domain = "renovation"
description = "A renovation quote from bare values"
main_pipe = "write_quote"

[concept.Room]
description = "A room to renovate"

[concept.Room.structure]
name = { type = "text", description = "Room name", required = true }
area_m2 = { type = "number", description = "Floor area", required = true }
windows = { type = "integer", description = "Number of windows" }

[concept.Budget]
description = "The customer's budget"
refines = "Number"

[concept.Wish]
description = "Something the customer wants"
refines = "Text"

[pipe.write_quote]
type = "PipeLLM"
description = "The quote"
inputs = { rooms = "Room[]", budget = "Budget", wishes = "Wish[]", customer = "Text" }
output = "Text"
prompt = """
Write a renovation quote for $customer, budget {{ budget.number }} EUR.
Rooms:
{% for room in rooms %}
- {{ room.name }} ({{ room.area_m2 }} m2)
{% endfor %}
Wishes:
@wishes
"""
''',
)
INPUTS["v_smart_inputs_quote"] = {
    "rooms": [{"name": "Kitchen", "area_m2": 12.5, "windows": 1}, {"name": "Bathroom", "area_m2": 6}],
    "budget": 15000,
    "wishes": ["oak floor", "walk-in shower"],
    "customer": "Mme Dupont",
}

_base(
    "v_smart_inputs_triage",
    "feature.smart_inputs native.yes_no native.number native.date operator.llm",
    '''domain = "clinic"
description = "A clinic triage note from typed values"
main_pipe = "triage_note"

[concept.Patient]
description = "A patient"

[concept.Patient.structure]
name = { type = "text", description = "Name", required = true }
age = { type = "integer", description = "Age", required = true }
allergies = { type = "list", item_type = "text", description = "Known allergies" }

[pipe.triage_note]
type = "PipeLLM"
description = "Write the triage note"
inputs = { patient = "Patient", temperature = "Number", complaint = "Text" }
output = "Text"
prompt = """
Patient {{ patient.name }}, {{ patient.age }} years old, temperature $temperature.
Complaint: $complaint
{% if patient.allergies %}Allergies: {{ patient.allergies | join(", ") }}{% endif %}
Write a triage note.
"""
''',
)
INPUTS["v_smart_inputs_triage"] = {
    "patient": {"name": "Jo", "age": 7, "allergies": ["penicillin"]},
    "temperature": 38.6,
    "complaint": "Sore throat since yesterday",
}

_base(
    "v_construct_invoice",
    "operator.compose feature.structured_output controller.sequence operator.llm native.number",
    """domain = "billing"
description = "Assemble an invoice header from pieces"
main_pipe = "make_header"

[concept.Client]
description = "A client"

[concept.Client.structure]
name = { type = "text", description = "Name", required = true }
vat_number = { type = "text", description = "VAT number" }

[concept.InvoiceHeader]
description = "The header of an invoice"

[concept.InvoiceHeader.structure]
client_name = { type = "text", description = "Client", required = true }
vat = { type = "text", description = "VAT number" }
currency = { type = "text", description = "Currency", required = true }
amount = { type = "number", description = "Amount due", required = true }
note = { type = "text", description = "A line for the client" }

[pipe.make_header]
type = "PipeSequence"
description = "Client then header"
inputs = { client_text = "Text", amount = "Number" }
output = "InvoiceHeader"
steps = [
    { pipe = "read_client", result = "client" },
    { pipe = "assemble_header", result = "header" },
]

[pipe.read_client]
type = "PipeLLM"
description = "Client"
inputs = { client_text = "Text" }
output = "Client"
prompt = "Who is the client? $client_text"

[pipe.assemble_header]
type = "PipeCompose"
description = "Header"
inputs = { client = "Client", amount = "Number" }
output = "InvoiceHeader"

[pipe.assemble_header.construct]
client_name = { from = "client.name" }
vat = { from = "client.vat_number" }
currency = "EUR"
amount = { from = "amount.number" }
note = { template = "Thank you, $client.name, for your business." }
""",
)

_base(
    "v_construct_nested",
    "operator.compose feature.structured_output native.text",
    """domain = "shipping"
description = "Build a shipping label from an address and a parcel"
main_pipe = "make_label"

[concept.Address]
description = "An address"

[concept.Address.structure]
line1 = { type = "text", description = "Street", required = true }
city = { type = "text", description = "City", required = true }

[concept.Label]
description = "A shipping label"

[concept.Label.structure]
to = { type = "concept", concept_ref = "Address", description = "Recipient address", required = true }
carrier = { type = "text", description = "Carrier", required = true }
weight_kg = { type = "number", description = "Weight", required = true }
fragile = { type = "boolean", description = "Fragile" }

[pipe.make_label]
type = "PipeCompose"
description = "Label"
inputs = { street = "Text", city = "Text" }
output = "Label"

[pipe.make_label.construct]
carrier = "La Poste"
weight_kg = 1.5
fragile = true

[pipe.make_label.construct.to]
line1 = { from = "street.text" }
city = { from = "city.text" }
""",
)

_base(
    "v_compose_markdown_report",
    "operator.compose native.markdown feature.structured_output controller.sequence operator.llm",
    '''domain = "sprint"
description = "A sprint report rendered as Markdown"
main_pipe = "sprint_report"

[concept.Task]
description = "A task of the sprint"

[concept.Task.structure]
title = { type = "text", description = "Title", required = true }
status = { type = "text", description = "Status", choices = ["todo", "doing", "done"], required = true }
points = { type = "integer", description = "Story points" }

[pipe.sprint_report]
type = "PipeSequence"
description = "Tasks then report"
inputs = { board_dump = "Text" }
output = "Markdown"
steps = [
    { pipe = "read_tasks", result = "tasks" },
    { pipe = "render_report", result = "report" },
]

[pipe.read_tasks]
type = "PipeLLM"
description = "Tasks"
inputs = { board_dump = "Text" }
output = "Task[]"
prompt = "List the tasks of this board: $board_dump"

[pipe.render_report]
type = "PipeCompose"
description = "Report"
inputs = { tasks = "Task[]" }
output = "Markdown"

[pipe.render_report.template]
category = "markdown"
template = """
# Sprint report

| Task | Status | Points |
|---|---|---|
{% for task in tasks %}| {{ task.title }} | {{ task.status }} | {{ task.points or "-" }} |
{% endfor %}
"""
''',
)

_base(
    "v_mermaid_flow",
    "operator.compose operator.llm controller.sequence native.text",
    '''domain = "diagrams"
description = "Steps of a process, drawn as a Mermaid chart"
main_pipe = "draw_process"

[pipe.draw_process]
type = "PipeSequence"
description = "Steps then chart"
inputs = { process = "Text" }
output = "Text"
steps = [
    { pipe = "list_steps", result = "steps" },
    { pipe = "to_mermaid", result = "chart" },
]

[pipe.list_steps]
type = "PipeLLM"
description = "Steps"
inputs = { process = "Text" }
output = "Text[]"
prompt = "List the steps of this process, one per item: $process"

[pipe.to_mermaid]
type = "PipeCompose"
description = "Chart"
inputs = { steps = "Text[]" }
output = "Text"

[pipe.to_mermaid.template]
category = "mermaid"
template = """
flowchart LR
{% for step in steps %}  s{{ loop.index }}["{{ step.text }}"]{% if not loop.last %} --> s{{ loop.index + 1 }}{% endif %}
{% endfor %}
"""
''',
)

_base(
    "v_unicode_menu",
    "native.text operator.llm operator.compose controller.sequence feature.structured_output",
    '''domain = "restaurant_menu"
description = "Traduire la carte du jour — 日替わり — en trois langues ☕"
main_pipe = "carte_du_jour"

[concept.Plat]
description = "Un plat de la carte (« plat du jour »)"

[concept.Plat.structure]
nom = { type = "text", description = "Nom du plat — en français", required = true }
prix = { type = "number", description = "Prix en €", required = true }
"allergènes" = { type = "list", item_type = "text", description = "Allergènes présents" }

[pipe.carte_du_jour]
type = "PipeSequence"
description = "Lire la carte, puis la traduire"
inputs = { ardoise = "Text" }
output = "Text"
steps = [
    { pipe = "lire_ardoise", result = "plats" },
    { pipe = "traduire", result = "carte" },
]

[pipe.lire_ardoise]
type = "PipeLLM"
description = "Lire l'ardoise"
inputs = { ardoise = "Text" }
output = "Plat[]"
prompt = """
Lis l'ardoise du jour et donne chaque plat avec son prix en € :
@ardoise
"""

[pipe.traduire]
type = "PipeLLM"
description = "Traduire en anglais et en japonais"
inputs = { plats = "Plat[]" }
output = "Text"
prompt = """
Traduis ces plats en anglais et en japonais (日本語), garde les prix :
@plats
"""
''',
)

_base(
    "v_model_waterfall",
    "operator.extract operator.llm native.document native.page controller.sequence",
    '''domain = "archives"
description = "Extract scanned letters with a waterfall, then date them"
main_pipe = "date_letter"

[pipe.date_letter]
type = "PipeSequence"
description = "Extract then date"
inputs = { scan = "Document" }
output = "Date"
steps = [
    { pipe = "extract_scan", result = "pages" },
    { pipe = "guess_date", result = "date" },
]

[pipe.extract_scan]
type = "PipeExtract"
description = "Extract with a waterfall"
inputs = { scan = "Document" }
output = "Page[]"
model = "~ocr-extractor"
page_views = true
page_views_dpi = 100

[pipe.guess_date]
type = "PipeLLM"
description = "When was it written"
inputs = { pages = "Page[]" }
output = "Date"
model = "$retrieval"
prompt = """
When was this letter written?
@pages
"""
''',
)

_base(
    "v_model_settings",
    "operator.llm native.text controller.parallel native.composite",
    """domain = "drafts"
description = "The same slogan with several model settings"
main_pipe = "slogans"

[pipe.slogans]
type = "PipeParallel"
description = "Several settings"
inputs = { product = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "slogan_cheap", result = "cheap" },
    { pipe = "slogan_reasoned", result = "reasoned" },
    { pipe = "slogan_handle", result = "by_handle" },
]

[pipe.slogan_cheap]
type = "PipeLLM"
description = "Cheap preset"
inputs = { product = "Text" }
output = "Text"
model = "$writing-creative-cheap"
prompt = "A slogan for $product"

[pipe.slogan_reasoned]
type = "PipeLLM"
description = "Preset with settings"
inputs = { product = "Text" }
output = "Text"
model = { model = "$deep-analysis", max_tokens = 2000 }
prompt = "A slogan for $product, after thinking about its buyers"

[pipe.slogan_handle]
type = "PipeLLM"
description = "An alias in long form"
inputs = { product = "Text" }
output = "Text"
model = "@default-small"
prompt = "A slogan for $product"
""",
)

_base(
    "v_refines_chain",
    "native.text native.image operator.llm operator.img_gen controller.sequence",
    """domain = "real_estate"
description = "A listing text and photo, with refined concepts"
main_pipe = "make_listing"

[concept.PropertyDescription]
description = "The seller's description of a property"
refines = "Text"

[concept.ListingText]
description = "The text of a listing"
refines = "PropertyDescription"

[concept.ListingPhoto]
description = "A generated picture of a property"
refines = "Image"

[pipe.make_listing]
type = "PipeSequence"
description = "Text then photo"
inputs = { seller_notes = "PropertyDescription" }
output = "ListingPhoto"
steps = [
    { pipe = "write_listing", result = "listing" },
    { pipe = "draw_photo", result = "photo" },
]

[pipe.write_listing]
type = "PipeLLM"
description = "Listing"
inputs = { seller_notes = "PropertyDescription" }
output = "ListingText"
prompt = "Write a listing from these notes: $seller_notes"

[pipe.draw_photo]
type = "PipeImgGen"
description = "Photo"
inputs = { listing = "ListingText" }
output = "ListingPhoto"
prompt = "A realistic photo of the property described here: $listing"
aspect_ratio = "landscape_3_2"
""",
)

_base(
    "v_cross_domain_refs",
    "native.text operator.llm controller.sequence feature.structured_output",
    """domain = "crm.contacts"
description = "Qualified references to the bundle's own domain and natives"
main_pipe = "qualify_lead"

[concept.Lead]
description = "A sales lead"

[concept.Lead.structure]
company = { type = "text", description = "Company", required = true }
size = { type = "integer", description = "Employees" }
budget = { type = "concept", concept_ref = "native.Number", description = "Budget" }

[pipe.qualify_lead]
type = "PipeSequence"
description = "Read then qualify"
inputs = { note = "native.Text" }
output = "native.Text"
steps = [
    { pipe = "crm.contacts.read_lead", result = "lead" },
    { pipe = "write_qualification", result = "qualification" },
]

[pipe.read_lead]
type = "PipeLLM"
description = "Read"
inputs = { note = "native.Text" }
output = "crm.contacts.Lead"
prompt = "Read the lead in: $note"

[pipe.write_qualification]
type = "PipeLLM"
description = "Qualify"
inputs = { lead = "crm.contacts.Lead" }
output = "Text"
prompt = "Is $lead.company a good lead? Answer in one line."
""",
)

_base(
    "v_no_main_pipe",
    "operator.llm operator.compose native.text",
    """domain = "snippets"
description = "A toolbox of small pipes, no entry point"

[pipe.shorten]
type = "PipeLLM"
description = "Shorten a text"
inputs = { text = "Text" }
output = "Text"
prompt = "Shorten: $text"

[pipe.shout]
type = "PipeCompose"
description = "Upper case"
inputs = { text = "Text" }
output = "Text"
template = "{{ text.text | upper }}"
""",
)

_base(
    "v_system_prompts",
    "operator.llm native.text controller.sequence",
    '''domain = "coaching"
description = "A coach that writes in two voices"
main_pipe = "coach"
system_prompt = """
You are a running coach.
Never recommend more than 10% weekly increase.
"""

[pipe.coach]
type = "PipeSequence"
description = "Plan then encourage"
inputs = { goal = "Text" }
output = "Text"
steps = [
    { pipe = "plan_week", result = "plan" },
    { pipe = "encourage", result = "message" },
]

[pipe.plan_week]
type = "PipeLLM"
description = "Plan (bundle system prompt)"
inputs = { goal = "Text" }
output = "Text"
prompt = "Plan a training week for: $goal"

[pipe.encourage]
type = "PipeLLM"
description = "Encourage (own system prompt)"
inputs = { plan = "Text" }
output = "Text"
system_prompt = "You are an enthusiastic friend. Use at most two emojis."
prompt = """
Encourage me about this plan:
@plan
"""
''',
)

_base(
    "v_templating_styles",
    "operator.llm native.text controller.parallel native.composite",
    '''domain = "styles"
description = "The same prompt with each templating style"
main_pipe = "all_styles"

[pipe.all_styles]
type = "PipeParallel"
description = "All four"
inputs = { source = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "with_xml", result = "xml" },
    { pipe = "with_ticks", result = "ticks" },
    { pipe = "with_brackets", result = "brackets" },
    { pipe = "with_no_tag", result = "plain" },
]

[pipe.with_xml]
type = "PipeLLM"
description = "xml"
inputs = { source = "Text" }
output = "Text"
templating_style = "xml"
prompt = """
Summarise:
@source
"""

[pipe.with_ticks]
type = "PipeLLM"
description = "ticks"
inputs = { source = "Text" }
output = "Text"
templating_style = "ticks"
prompt = """
Summarise:
@source
"""

[pipe.with_brackets]
type = "PipeLLM"
description = "square brackets"
inputs = { source = "Text" }
output = "Text"
templating_style = "square_brackets"
prompt = """
Summarise:
@source
"""

[pipe.with_no_tag]
type = "PipeLLM"
description = "no tag"
inputs = { source = "Text" }
output = "Text"
templating_style = "no_tag"
prompt = """
Summarise:
@source
"""
''',
)

_base(
    "v_price_escape",
    "operator.llm operator.compose native.text native.number",
    """domain = "pricing"
description = "Prompts with literal dollars and at-signs"
main_pipe = "price_note"

[pipe.price_note]
type = "PipeCompose"
description = "A price note"
inputs = { product = "Text", amount = "Number" }
output = "Text"
template = "Only $100 off $product! Now {{ amount.number }} USD. Mail sales@@shop.example for more."
""",
)

_base(
    "v_structure_defaults",
    "feature.structured_output operator.llm native.text native.date",
    """domain = "tasks"
description = "A task with every field type and defaults"
main_pipe = "make_task"

[concept.Task]
description = "A to-do task"

[concept.Task.structure]
title = { type = "text", description = "Title", required = true }
priority = { type = "integer", description = "1 to 5", default_value = 3 }
estimate_hours = { type = "number", description = "Estimate", default_value = 1.5 }
urgent = { type = "boolean", description = "Urgent", default_value = false }
status = { type = "text", description = "Status", choices = ["open", "closed"], default_value = "open" }
due_on = { type = "date", description = "Due date" }
remind_at = { type = "datetime", description = "Reminder" }
daily_at = { type = "time", description = "Daily slot" }
tags = { type = "list", item_type = "text", description = "Tags" }
counts = { type = "list", item_type = "integer", description = "Counts" }
meta = { type = "dict", key_type = "text", value_type = "text", description = "Free metadata" }

[pipe.make_task]
type = "PipeLLM"
description = "Task from a sentence"
inputs = { sentence = "Text" }
output = "Task"
prompt = "Make a task from: $sentence"
""",
)

_base(
    "v_vision_compare",
    "native.image operator.llm native.text feature.structured_output",
    '''domain = "quality_control"
description = "Compare a product photo to its reference"
main_pipe = "compare_photos"

[concept.Defects]
description = "Defects found"

[concept.Defects.structure]
found = { type = "boolean", description = "Any defect", required = true }
items = { type = "list", item_type = "text", description = "Defects" }
severity = { type = "text", description = "Severity", choices = ["none", "minor", "major"] }

[pipe.compare_photos]
type = "PipeLLM"
description = "Compare"
inputs = { reference = "Image", sample = "Image", product = "Text" }
output = "Defects"
model = "$vision"
prompt = """
This is the reference photo of $product:
$reference

And the photo of the sample from the line:
$sample

List any defect of the sample.
"""
''',
)

_base(
    "v_image_list_input",
    "native.image operator.llm native.text",
    '''domain = "albums"
description = "Caption a whole album"
main_pipe = "caption_album"

[pipe.caption_album]
type = "PipeLLM"
description = "One caption for several photos"
inputs = { photos = "Image[]", occasion = "Text" }
output = "Text"
model = "$vision"
prompt = """
Write one caption for these photos of $occasion:
@photos
"""
''',
)

_base(
    "v_extract_then_img",
    "operator.extract native.image native.page operator.llm operator.img_gen controller.sequence",
    '''domain = "comics"
description = "Read a comic panel and redraw it"
main_pipe = "redraw_panel"

[pipe.redraw_panel]
type = "PipeSequence"
description = "Read then draw"
inputs = { panel = "Image" }
output = "Image"
steps = [
    { pipe = "read_panel", result = "pages" },
    { pipe = "describe_panel", result = "description" },
    { pipe = "draw_panel", result = "redrawn" },
]

[pipe.read_panel]
type = "PipeExtract"
description = "Speech bubbles"
inputs = { panel = "Image" }
output = "Page[]"

[pipe.describe_panel]
type = "PipeLLM"
description = "Describe"
inputs = { pages = "Page[]", panel = "Image" }
output = "Text"
model = "$vision"
prompt = """
Describe this comic panel for an illustrator:
$panel

Its text:
@pages
"""

[pipe.draw_panel]
type = "PipeImgGen"
description = "Redraw"
inputs = { description = "Text" }
output = "Image"
prompt = "Manga style: $description"
''',
)

_base(
    "v_search_structured",
    "operator.search feature.structured_output native.text",
    """domain = "venues"
description = "Search for venues, as a structured answer"
main_pipe = "find_venues"

[concept.VenueList]
description = "Venues found"

[concept.VenueList.structure]
names = { type = "list", item_type = "text", description = "Venue names", required = true }
best = { type = "text", description = "The best pick" }

[pipe.find_venues]
type = "PipeSearch"
description = "Find venues"
inputs = { city = "Text", guests = "Text" }
output = "VenueList"
prompt = "Wedding venues in $city for $guests guests"
""",
)

_base(
    "v_search_then_judge",
    "operator.search operator.judge native.search_result native.yes_no controller.sequence",
    '''domain = "fact_check"
description = "Check a claim against the web"
main_pipe = "check_claim"

[concept.Claim]
description = "A claim to check"
refines = "Text"

[pipe.check_claim]
type = "PipeSequence"
description = "Search then judge"
inputs = { claim = "Claim" }
output = "YesNo"
steps = [
    { pipe = "search_claim", result = "evidence" },
    { pipe = "judge_claim", result = "supported" },
]

[pipe.search_claim]
type = "PipeSearch"
description = "Evidence"
inputs = { claim = "Claim" }
output = "SearchResult"
prompt = "Evidence for or against: $claim"
model = "$standard"

[pipe.judge_claim]
type = "PipeJudge"
description = "Supported?"
inputs = { claim = "Claim", evidence = "SearchResult" }
output = "YesNo"
model = "@default-judgment"
prompt = """
Claim: $claim

@evidence
"""
question = "Does the evidence support the claim?"
''',
)

_base(
    "v_batch_in_batch",
    "controller.batch controller.sequence operator.llm native.text",
    """domain = "quiz"
description = "Questions for each chapter of each book"
main_pipe = "quiz_books"

[concept]
Chapter = "A chapter summary"
QuizQuestion = "A quiz question"

[pipe.quiz_books]
type = "PipeBatch"
description = "Each chapter"
inputs = { chapters = "Chapter[]" }
output = "QuizQuestion[]"
branch_pipe_code = "quiz_chapter"
input_list_name = "chapters"
input_item_name = "chapter"

[pipe.quiz_chapter]
type = "PipeLLM"
description = "One question"
inputs = { chapter = "Chapter" }
output = "QuizQuestion"
prompt = "One quiz question on: $chapter"
""",
)

_base(
    "v_condition_on_choice_field",
    "controller.condition feature.structured_output operator.llm controller.sequence native.text",
    """domain = "leads"
description = "Answer a lead depending on its segment"
main_pipe = "answer_lead"

[concept.LeadProfile]
description = "What we know of a lead"

[concept.LeadProfile.structure]
segment = { type = "text", description = "Segment", choices = ["smb", "enterprise", "public"], required = true }
contact = { type = "text", description = "Contact name", required = true }

[pipe.answer_lead]
type = "PipeSequence"
description = "Profile then answer"
inputs = { lead_email = "Text" }
output = "Text"
steps = [
    { pipe = "profile_lead", result = "profile" },
    { pipe = "answer_by_segment", result = "answer" },
]

[pipe.profile_lead]
type = "PipeLLM"
description = "Profile"
inputs = { lead_email = "Text" }
output = "LeadProfile"
prompt = "Profile the sender of: $lead_email"

[pipe.answer_by_segment]
type = "PipeCondition"
description = "By segment"
inputs = { profile = "LeadProfile" }
output = "Text"
expression = "profile.segment"
default_outcome = "answer_smb"

[pipe.answer_by_segment.outcomes]
enterprise = "answer_enterprise"
public = "answer_public"

[pipe.answer_smb]
type = "PipeLLM"
description = "SMB"
inputs = { profile = "LeadProfile" }
output = "Text"
prompt = "A friendly answer to $profile.contact with our self-serve link."

[pipe.answer_enterprise]
type = "PipeLLM"
description = "Enterprise"
inputs = { profile = "LeadProfile" }
output = "Text"
prompt = "Offer $profile.contact a call with an account executive."

[pipe.answer_public]
type = "PipeLLM"
description = "Public sector"
inputs = { profile = "LeadProfile" }
output = "Text"
prompt = "Point $profile.contact to our public tender documentation."
""",
)

_base(
    "v_number_list_stats",
    "native.number operator.llm operator.compose controller.sequence",
    """domain = "stats"
description = "Numbers read from a text, then reported"
main_pipe = "report_numbers"

[pipe.report_numbers]
type = "PipeSequence"
description = "Numbers then report"
inputs = { text = "Text" }
output = "Text"
steps = [
    { pipe = "read_numbers", result = "numbers" },
    { pipe = "report", result = "report" },
]

[pipe.read_numbers]
type = "PipeLLM"
description = "Every number"
inputs = { text = "Text" }
output = "Number[]"
prompt = "List every number in: $text"

[pipe.report]
type = "PipeCompose"
description = "Report"
inputs = { numbers = "Number[]" }
output = "Text"
template = "Found {{ numbers | length }} numbers: {% for n in numbers %}{{ n.number }}{% if not loop.last %}, {% endif %}{% endfor %}"
""",
)

_base(
    "v_yes_no_output_llm",
    "native.yes_no native.choice native.rating operator.llm controller.sequence",
    """domain = "classifier"
description = "LLM classifications into natives"
main_pipe = "classify"

[pipe.classify]
type = "PipeSequence"
description = "Three classifications"
inputs = { message = "Text" }
output = "Rating"
steps = [
    { pipe = "is_question", result = "question" },
    { pipe = "which_language", result = "language" },
    { pipe = "how_polite", result = "politeness" },
]

[pipe.is_question]
type = "PipeLLM"
description = "Question?"
inputs = { message = "Text" }
output = "YesNo"
prompt = "Is this a question? $message"

[pipe.which_language]
type = "PipeLLM"
description = "Language"
inputs = { message = "Text" }
output = "Choice"
prompt = "Which language is this, among English, French, German? $message"

[pipe.how_polite]
type = "PipeLLM"
description = "Politeness"
inputs = { message = "Text" }
output = "Rating"
prompt = "Rate from 1 to 5 how polite this is: $message"
""",
)

_base(
    "v_json_structure_field",
    "native.json feature.structured_output operator.llm operator.compose controller.sequence",
    """domain = "webhooks"
description = "An event with an opaque JSON payload"
main_pipe = "log_event"

[concept.Event]
description = "A webhook event"

[concept.Event.structure]
kind = { type = "text", description = "Event kind", required = true }
payload = { type = "concept", concept_ref = "JSON", description = "Raw payload", required = true }

[pipe.log_event]
type = "PipeSequence"
description = "Parse then log"
inputs = { raw = "Text" }
output = "Text"
steps = [
    { pipe = "parse_event", result = "event" },
    { pipe = "log_line", result = "line" },
]

[pipe.parse_event]
type = "PipeLLM"
description = "Parse"
inputs = { raw = "Text" }
output = "Event"
prompt = "Parse this webhook body: $raw"

[pipe.log_line]
type = "PipeCompose"
description = "Log line"
inputs = { event = "Event" }
output = "Text"
template = "event={{ event.kind }}"
""",
)

_base(
    "v_anything_input",
    "native.anything operator.llm native.text",
    '''domain = "debug"
description = "Explain any value"
main_pipe = "explain"

[pipe.explain]
type = "PipeLLM"
description = "Explain"
inputs = { value = "Anything", audience = "Text" }
output = "Text"
prompt = """
Explain this value to $audience:
@value
"""
''',
)
INPUTS["v_anything_input"] = {"value": {"nested": {"list": [1, 2, 3]}, "ok": True}, "audience": "a child"}

_base(
    "v_dynamic_in_sequence",
    "native.dynamic controller.sequence operator.llm native.text",
    '''domain = "research"
description = "Answer in a shape the caller decides"
main_pipe = "answer_in_shape"

[pipe.answer_in_shape]
type = "PipeSequence"
description = "Notes then answer"
inputs = { question = "Text" }
output = "Dynamic"
steps = [
    { pipe = "take_notes", result = "notes" },
    { pipe = "shape_answer", result = "answer" },
]

[pipe.take_notes]
type = "PipeLLM"
description = "Notes"
inputs = { question = "Text" }
output = "Text"
prompt = "Notes for answering: $question"

[pipe.shape_answer]
type = "PipeLLM"
description = "Answer"
inputs = { notes = "Text" }
output = "Dynamic"
prompt = """
Answer from these notes:
@notes
"""
''',
)

_base(
    "v_page_views",
    "native.page native.image native.document operator.extract operator.llm controller.sequence feature.binding_step",
    '''domain = "slides"
description = "Describe the look of a slide deck"
main_pipe = "describe_deck"

[pipe.describe_deck]
type = "PipeSequence"
description = "Pages with views, then a description"
inputs = { deck = "Document" }
output = "Text"
steps = [
    { pipe = "render_slides", result = "slides" },
    { pipe = "describe_slides", result = "description" },
]

[pipe.render_slides]
type = "PipeExtract"
description = "Slides with a view each"
inputs = { deck = "Document" }
output = "Page[]"
page_views = true
page_image_captions = false

[pipe.describe_slides]
type = "PipeLLM"
description = "Describe"
inputs = { slides = "Page[]" }
output = "Text"
model = "$vision"
prompt = """
Describe the visual style of these slides:
@slides
"""
''',
)

_base(
    "v_date_compose",
    "native.date native.time native.text operator.compose",
    """domain = "reminders"
description = "A reminder line from a date and a time"
main_pipe = "reminder"

[pipe.reminder]
type = "PipeCompose"
description = "Reminder"
inputs = { day = "Date", at = "Time", what = "Text" }
output = "Text"
template = "Reminder: $what on $day at $at"
""",
)

_base(
    "v_html_input",
    "native.html native.text operator.llm",
    '''domain = "scraping"
description = "Summarise an HTML fragment"
main_pipe = "summarise_html"

[pipe.summarise_html]
type = "PipeLLM"
description = "Summary"
inputs = { fragment = "Html" }
output = "Text"
prompt = """
Summarise the visible text of this HTML:
@fragment
"""
''',
)

_base(
    "v_markdown_filter_list",
    "feature.markdown_filter operator.compose native.html feature.structured_output",
    '''domain = "newsletter"
description = "A newsletter whose items carry Markdown"
main_pipe = "render_newsletter"

[concept.Item]
description = "A newsletter item"

[concept.Item.structure]
heading = { type = "text", description = "Heading", required = true }
body = { type = "text", description = "Body, in Markdown", required = true }

[pipe.render_newsletter]
type = "PipeCompose"
description = "Render"
inputs = { items = "Item[]", intro = "Text" }
output = "Html"

[pipe.render_newsletter.template]
category = "html"
template = """
<div class="intro">{{ intro.text | markdown }}</div>
{% for item in items %}
<h3>{{ item.heading }}</h3>
{{ item.body | markdown }}
{% endfor %}
"""
''',
)

_base(
    "v_markdown_filter_inline",
    "feature.markdown_filter operator.compose native.html controller.sequence operator.llm",
    """domain = "faq"
description = "An FAQ answer written in Markdown, shown as HTML"
main_pipe = "faq_entry"

[pipe.faq_entry]
type = "PipeSequence"
description = "Answer then render"
inputs = { question = "Text" }
output = "Html"
steps = [
    { pipe = "answer_md", result = "answer" },
    { pipe = "render_entry", result = "entry" },
]

[pipe.answer_md]
type = "PipeLLM"
description = "Answer in Markdown"
inputs = { question = "Text" }
output = "Text"
prompt = "Answer in Markdown with a bullet list: $question"

[pipe.render_entry]
type = "PipeCompose"
description = "Render"
inputs = { question = "Text", answer = "Text" }
output = "Html"
template = { category = "html", template = "<details><summary>{{ question.text }}</summary>{{ answer.text | markdown }}</details>" }
""",
)

_base(
    "v_hints_inputs_only",
    "feature.intent_hints native.rating native.number operator.llm",
    '''domain = "surveys"
description = "Summarise a survey answer with hinted inputs"
main_pipe = "summarise_answer"

[pipe.summarise_answer]
type = "PipeLLM"
description = "Summary"
output = "Text"
prompt = """
The respondent gave $score (out of 10) and wrote:
@comment
"""

[pipe.summarise_answer.inputs]
score = { concept = "Number", hints = { intent = "rating" } }
comment = { concept = "Text", hints = { intent = "prose" } }
''',
)

_base(
    "v_hints_concepts",
    "feature.intent_hints feature.structured_output operator.compose",
    """domain = "inventory"
description = "Stock line with hinted fields"
main_pipe = "stock_line"

[concept.StockCount]
description = "How many units are in stock"
refines = "Number"
hints = { intent = "quantity" }

[concept.StockItem]
description = "An item in stock"
hints = { intent = "label" }

[concept.StockItem.structure]
name = { type = "text", description = "Name", required = true, hints = { intent = "label" } }
notes = { type = "text", description = "Notes", hints = { intent = "prose" } }

[pipe.stock_line]
type = "PipeCompose"
description = "Line"
inputs = { item = "StockItem", count = "StockCount" }
output = "Text"
template = "{{ item.name }}: {{ count.number }} in stock"
""",
)

_base(
    "v_optional_batch_guard",
    "feature.optionals controller.sequence operator.llm native.text",
    '''domain = "onboarding"
description = "A welcome mail, with the manager's note if any"
main_pipe = "welcome"

[pipe.welcome]
type = "PipeSequence"
description = "Draft then sign"
inputs = { newcomer = "Text", manager_note = "Text?" }
output = "Text"
steps = [
    { pipe = "draft_welcome", result = "draft" },
    { pipe = "sign_welcome", result = "signed" },
]

[pipe.draft_welcome]
type = "PipeLLM"
description = "Draft"
inputs = { newcomer = "Text", manager_note = "Text?" }
output = "Text"
prompt = """
Welcome $newcomer to the team.
{% if manager_note is defined %}
Weave in the manager's note: $manager_note
{% endif %}
"""

[pipe.sign_welcome]
type = "PipeCompose"
description = "Sign"
inputs = { draft = "Text" }
output = "Text"
template = """
$draft

-- The People team
"""
''',
)

_base(
    "v_optional_output_condition",
    "feature.optionals controller.condition native.yes_no operator.llm controller.sequence",
    """domain = "refunds"
description = "Write a refund only if eligible"
main_pipe = "maybe_refund"

[pipe.maybe_refund]
type = "PipeSequence"
description = "Judge then maybe write"
inputs = { request = "Text" }
output = "Text?"
steps = [
    { pipe = "eligible", result = "eligibility" },
    { pipe = "refund_if_eligible", result = "refund" },
]

[pipe.eligible]
type = "PipeLLM"
description = "Eligible?"
inputs = { request = "Text" }
output = "YesNo"
prompt = "Is this refund request within 30 days of purchase? $request"

[pipe.refund_if_eligible]
type = "PipeCondition"
description = "Only eligible"
inputs = { request = "Text", eligibility = "YesNo" }
output = "Text?"
expression = "'yes' if eligibility.yes_no else 'no'"
default_outcome = "continue"
outcomes = { yes = "write_refund" }

[pipe.write_refund]
type = "PipeLLM"
description = "Write"
inputs = { request = "Text" }
output = "Text"
prompt = "Write the refund confirmation for: $request"
""",
)

_base(
    "v_binding_deep",
    "feature.binding_step controller.sequence operator.llm operator.compose feature.structured_output",
    """domain = "travel_claims"
description = "Bind deep fields of a trip"
main_pipe = "claim_trip"

[concept.Leg]
description = "A leg of a trip"

[concept.Leg.structure]
origin = { type = "text", description = "From", required = true }
destination = { type = "text", description = "To", required = true }

[concept.Trip]
description = "A trip"

[concept.Trip.structure]
traveller = { type = "text", description = "Traveller", required = true }
outbound = { type = "concept", concept_ref = "Leg", description = "Outbound leg", required = true }
legs = { type = "list", item_type = "concept", item_concept_ref = "Leg", description = "All legs" }

[pipe.claim_trip]
type = "PipeSequence"
description = "Read, bind, write"
inputs = { itinerary = "Text" }
output = "Text"
steps = [
    { pipe = "read_trip", result = "trip" },
    { from = "trip.outbound.destination", result = "city" },
    { from = "trip.traveller", result = "who" },
    { pipe = "claim_line", result = "line" },
]

[pipe.read_trip]
type = "PipeLLM"
description = "Read"
inputs = { itinerary = "Text" }
output = "Trip"
prompt = "Read this itinerary: $itinerary"

[pipe.claim_line]
type = "PipeCompose"
description = "Claim line"
inputs = { city = "Text", who = "Text" }
output = "Text"
template = "Expense claim: $who travelled to $city."
""",
)

_base(
    "v_refine_structured",
    "feature.structured_output operator.llm native.text",
    """domain = "hr_people"
description = "A refined structured concept"
main_pipe = "profile_engineer"

[concept.Person]
description = "A person"

[concept.Person.structure]
name = { type = "text", description = "Name", required = true }
email = { type = "text", description = "Email" }

[concept.Engineer]
description = "An engineer"
refines = "Person"

[pipe.profile_engineer]
type = "PipeLLM"
description = "Profile"
inputs = { bio = "Text" }
output = "Engineer"
prompt = "Profile this engineer: $bio"
""",
)

# --- more natives and operators (tags with fewer bundles) ---------------------------------------------------------

_base(
    "v_shift_planner",
    "native.time operator.structure operator.llm controller.sequence feature.structured_output",
    """domain = "staffing"
description = "Read a shift from a manager's message"
main_pipe = "plan_shift"

[concept.Shift]
description = "A work shift"

[concept.Shift.structure]
employee = { type = "text", description = "Who works", required = true }
starts = { type = "time", description = "Start time", required = true }
ends = { type = "time", description = "End time", required = true }
break_minutes = { type = "integer", description = "Break", default_value = 30 }

[pipe.plan_shift]
type = "PipeSequence"
description = "Clean up then structure"
inputs = { message = "Text" }
output = "Shift"
steps = [
    { pipe = "clean_message", result = "clean" },
    { pipe = "structure_shift", result = "shift" },
]

[pipe.clean_message]
type = "PipeLLM"
description = "Rewrite the message plainly"
inputs = { message = "Text" }
output = "Text"
prompt = "Rewrite this message as one plain sentence giving who works and when: $message"

[pipe.structure_shift]
type = "PipeStructure"
description = "Structure the shift"
inputs = { clean = "Text" }
output = "Shift"
model = "$engineering-structured"
""",
)

_base(
    "v_opening_time",
    "native.time native.yes_no native.text operator.llm controller.parallel native.composite",
    """domain = "shops"
description = "Opening time and whether it is open on Sunday"
main_pipe = "read_sign"

[pipe.read_sign]
type = "PipeParallel"
description = "Both"
inputs = { sign = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "opening_time", result = "opens_at" },
    { pipe = "open_sunday", result = "sunday" },
]

[pipe.opening_time]
type = "PipeLLM"
description = "Opening time"
inputs = { sign = "Text" }
output = "Time"
prompt = "When does the shop open on weekdays? $sign"

[pipe.open_sunday]
type = "PipeLLM"
description = "Sunday"
inputs = { sign = "Text" }
output = "YesNo"
prompt = "Is the shop open on Sunday? $sign"
""",
)

_base(
    "v_time_input",
    "native.time native.date operator.llm native.text",
    '''domain = "calendar"
description = "An invitation from a day and an hour"
main_pipe = "invite"

[pipe.invite]
type = "PipeLLM"
description = "Invitation"
inputs = { day = "Date", hour = "Time", event = "Text" }
output = "Text"
prompt = """
Write a two line invitation to $event on $day at $hour.
"""
''',
)

_base(
    "v_dynamic_parallel",
    "native.dynamic native.composite controller.parallel operator.llm native.text",
    '''domain = "analysis"
description = "A free-form analysis beside a summary"
main_pipe = "analyse"

[pipe.analyse]
type = "PipeParallel"
description = "Both"
inputs = { report = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "summarise", result = "summary" },
    { pipe = "free_analysis", result = "analysis" },
]

[pipe.summarise]
type = "PipeLLM"
description = "Summary"
inputs = { report = "Text" }
output = "Text"
prompt = "Summarise: $report"

[pipe.free_analysis]
type = "PipeLLM"
description = "Analysis in whatever shape is asked"
inputs = { report = "Text" }
output = "Dynamic"
prompt = """
Analyse this report:
@report
"""
''',
)

_base(
    "v_dynamic_from_structured",
    "native.dynamic feature.structured_output operator.llm",
    '''domain = "crm_export"
description = "Export a contact in a shape chosen by the caller"
main_pipe = "export_contact"

[concept.Contact]
description = "A contact"

[concept.Contact.structure]
name = { type = "text", description = "Name", required = true }
phone = { type = "text", description = "Phone" }

[pipe.export_contact]
type = "PipeLLM"
description = "Export"
inputs = { contact = "Contact" }
output = "Dynamic"
prompt = """
Convert this contact into the requested format:
@contact
"""
''',
)

_base(
    "v_anything_list",
    "native.anything operator.llm controller.sequence native.text",
    '''domain = "data_cleaning"
description = "Describe a list of arbitrary records, then summarise"
main_pipe = "describe_records"

[pipe.describe_records]
type = "PipeSequence"
description = "Describe then summarise"
inputs = { records = "Anything[]" }
output = "Text"
steps = [
    { pipe = "describe", result = "description" },
    { pipe = "summarise_description", result = "summary" },
]

[pipe.describe]
type = "PipeLLM"
description = "Describe"
inputs = { records = "Anything[]" }
output = "Text"
prompt = """
Describe the shape of these records:
@records
"""

[pipe.summarise_description]
type = "PipeLLM"
description = "Summarise"
inputs = { description = "Text" }
output = "Text"
prompt = "In one line: $description"
''',
)
INPUTS["v_anything_list"] = {"records": [{"id": 1, "ok": True}, {"id": 2, "tags": ["a", "b"]}]}

_base(
    "v_anything_judge",
    "native.anything operator.judge native.yes_no",
    '''domain = "config_audit"
description = "Is a configuration safe"
main_pipe = "audit_config"

[pipe.audit_config]
type = "PipeJudge"
description = "Safe?"
inputs = { config = "Anything" }
output = "YesNo"
model = "@default-judgment"
prompt = """
A service configuration:
@config
"""
question = "Is this configuration safe to deploy to production?"
criteria = { yes = "No secret in clear, debug off", no = "A secret in clear or debug on" }
''',
)
INPUTS["v_anything_judge"] = {"config": {"debug": False, "replicas": 3}}

_base(
    "v_json_compose",
    "native.json operator.compose native.text",
    """domain = "settings"
description = "Describe a JSON settings object"
main_pipe = "describe_settings"

[pipe.describe_settings]
type = "PipeCompose"
description = "Describe"
inputs = { settings = "JSON" }
output = "Text"
template = "Settings with {{ settings.json_obj | length }} keys: {{ settings.json_obj | tojson }}"
""",
)
INPUTS["v_json_compose"] = {"settings": {"theme": "dark", "lang": "fr"}}

_base(
    "v_json_list",
    "native.json operator.llm controller.batch native.text",
    '''domain = "records"
description = "A JSON record per line of a CSV excerpt, described one by one"
main_pipe = "describe_each"

[pipe.describe_each]
type = "PipeBatch"
description = "Each record"
inputs = { records = "JSON[]" }
output = "Text[]"
branch_pipe_code = "describe_one"
input_list_name = "records"
input_item_name = "record"

[pipe.describe_one]
type = "PipeLLM"
description = "Describe one"
inputs = { record = "JSON" }
output = "Text"
prompt = """
Describe this record in one line:
@record
"""
''',
)

_base(
    "v_json_to_structure",
    "native.json operator.structure feature.structured_output",
    """domain = "ingest"
description = "Structure a raw JSON blob"
main_pipe = "to_customer"

[concept.CustomerRecord]
description = "A customer record"

[concept.CustomerRecord.structure]
customer_id = { type = "text", description = "Id", required = true }
country = { type = "text", description = "Country code" }
lifetime_value = { type = "number", description = "Value in EUR" }

[pipe.to_customer]
type = "PipeStructure"
description = "Structure"
inputs = { blob = "JSON" }
output = "CustomerRecord"
""",
)

_base(
    "v_text_and_images_input",
    "native.text_and_images operator.llm native.text",
    '''domain = "magazine"
description = "A headline for an article with pictures"
main_pipe = "headline"

[pipe.headline]
type = "PipeLLM"
description = "Headline"
inputs = { article = "TextAndImages" }
output = "Text"
model = "$vision"
prompt = """
Write a headline for this article:
@article
"""
''',
)

_base(
    "v_page_binding_text",
    "native.text_and_images native.page feature.binding_step controller.sequence operator.llm",
    '''domain = "scans"
description = "Take the content of a scanned page and summarise it"
main_pipe = "summarise_scan"

[pipe.summarise_scan]
type = "PipeSequence"
description = "Bind the page's content, then summarise"
inputs = { scan = "Page" }
output = "Text"
steps = [
    { from = "scan.text_and_images", result = "content" },
    { pipe = "summarise_content", result = "summary" },
]

[pipe.summarise_content]
type = "PipeLLM"
description = "Summarise"
inputs = { content = "TextAndImages" }
output = "Text"
prompt = """
Summarise:
@content
"""
''',
)

_base(
    "v_text_and_images_field",
    "native.text_and_images feature.structured_output operator.llm",
    """domain = "press_kit"
description = "A press kit with a rich body"
main_pipe = "press_kit"

[concept.PressKit]
description = "A press kit"

[concept.PressKit.structure]
company = { type = "text", description = "Company", required = true }
body = { type = "concept", concept_ref = "TextAndImages", description = "Body with pictures" }

[pipe.press_kit]
type = "PipeLLM"
description = "Press kit"
inputs = { brief = "Text" }
output = "PressKit"
prompt = "Write a press kit from this brief: $brief"
""",
)

_base(
    "v_text_and_images_list",
    "native.text_and_images operator.llm controller.batch",
    """domain = "slides_writer"
description = "Slides with text and pictures for each topic"
main_pipe = "write_slides"

[pipe.write_slides]
type = "PipeBatch"
description = "One slide per topic"
inputs = { topics = "Text[]" }
output = "TextAndImages[]"
branch_pipe_code = "write_slide"
input_list_name = "topics"
input_item_name = "topic"

[pipe.write_slide]
type = "PipeLLM"
description = "Slide"
inputs = { topic = "Text" }
output = "TextAndImages"
prompt = "Write a slide about $topic and describe its picture."
""",
)

_base(
    "v_choice_condition",
    "native.choice controller.condition operator.llm controller.sequence",
    """domain = "mailroom"
description = "Classify mail with an LLM choice and route it"
main_pipe = "sort_mail"

[pipe.sort_mail]
type = "PipeSequence"
description = "Classify then route"
inputs = { letter = "Text" }
output = "Text"
steps = [
    { pipe = "classify_letter", result = "category" },
    { pipe = "route_letter", result = "routing" },
]

[pipe.classify_letter]
type = "PipeLLM"
description = "Classify"
inputs = { letter = "Text" }
output = "Choice"
prompt = "Is this letter an invoice, a complaint or other? $letter"

[pipe.route_letter]
type = "PipeCondition"
description = "Route"
inputs = { category = "Choice", letter = "Text" }
output = "Text"
expression = "category.choice"
default_outcome = "route_other"

[pipe.route_letter.outcomes]
invoice = "route_accounting"

[pipe.route_accounting]
type = "PipeLLM"
description = "To accounting"
inputs = { letter = "Text" }
output = "Text"
prompt = "Write a routing note to accounting for: $letter"

[pipe.route_other]
type = "PipeLLM"
description = "To the front desk"
inputs = { letter = "Text" }
output = "Text"
prompt = "Write a routing note to the front desk for: $letter"
""",
)

_base(
    "v_choice_field",
    "native.choice native.rating feature.structured_output operator.llm",
    """domain = "movie_night"
description = "A verdict on a film"
main_pipe = "review_film"

[concept.FilmVerdict]
description = "A verdict on a film"

[concept.FilmVerdict.structure]
genre = { type = "concept", concept_ref = "Choice", description = "Genre", required = true }
stars = { type = "concept", concept_ref = "Rating", description = "Stars", required = true }
one_liner = { type = "text", description = "One line", required = true }

[pipe.review_film]
type = "PipeLLM"
description = "Review"
inputs = { synopsis = "Text" }
output = "FilmVerdict"
prompt = "Give the genre, a star rating and a one-liner for: $synopsis"
""",
)

_base(
    "v_search_result_input_compose",
    "native.search_result operator.compose native.text",
    '''domain = "sources"
description = "List the answer and the sources of a search"
main_pipe = "cite"

[pipe.cite]
type = "PipeCompose"
description = "Citations"
inputs = { result = "SearchResult" }
output = "Text"
template = """
{{ result.answer }}

Sources:
{% for doc in result.sources %}- {{ doc.url }}
{% endfor %}
"""
''',
)

_base(
    "v_search_batch",
    "native.search_result operator.search controller.batch native.text",
    """domain = "due_diligence"
description = "Search each company of a list"
main_pipe = "search_companies"

[concept.SupplierCheck]
description = "What the web says about a supplier"
refines = "SearchResult"

[pipe.search_companies]
type = "PipeBatch"
description = "Each company"
inputs = { companies = "Text[]" }
output = "SupplierCheck[]"
branch_pipe_code = "search_company"
input_list_name = "companies"
input_item_name = "company"

[pipe.search_company]
type = "PipeSearch"
description = "One company"
inputs = { company = "Text" }
output = "SupplierCheck"
prompt = "Lawsuits, recalls or bankruptcy news about $company"
max_results = 5
to_date = "2026-11-30"
""",
)

_base(
    "v_rating_llm_refine",
    "native.rating operator.llm native.text",
    """domain = "wine"
description = "Rate a wine tasting note"
main_pipe = "rate_wine"

[concept.WineScore]
description = "A score for a wine"
refines = "Rating"

[pipe.rate_wine]
type = "PipeLLM"
description = "Rate"
inputs = { note = "Text" }
output = "WineScore"
prompt = "Rate this wine from 1 to 5 from its tasting note: $note"
""",
)

_base(
    "v_markdown_input_compose",
    "native.markdown native.html operator.compose feature.markdown_filter",
    '''domain = "docs_site"
description = "Render a Markdown page into the site layout"
main_pipe = "render_doc"

[pipe.render_doc]
type = "PipeCompose"
description = "Render"
inputs = { page = "Markdown", title = "Text" }
output = "Html"

[pipe.render_doc.template]
category = "html"
template = """
<html><head><title>{{ title.text }}</title></head>
<body>
<main>{{ page.text | markdown }}</main>
</body></html>
"""
''',
)

_base(
    "v_structure_list",
    "operator.structure feature.structured_output operator.llm controller.sequence",
    """domain = "contacts"
description = "Structure every contact of a signature block"
main_pipe = "read_contacts"

[concept.Contact]
description = "A contact"

[concept.Contact.structure]
name = { type = "text", description = "Name", required = true }
email = { type = "text", description = "Email" }
role = { type = "text", description = "Role" }

[pipe.read_contacts]
type = "PipeSequence"
description = "List then structure"
inputs = { signatures = "Text" }
output = "Contact[]"
steps = [
    { pipe = "list_people", result = "people_text" },
    { pipe = "structure_contacts", result = "contacts" },
]

[pipe.list_people]
type = "PipeLLM"
description = "List"
inputs = { signatures = "Text" }
output = "Text"
prompt = "List every person in these email signatures, one per line: $signatures"

[pipe.structure_contacts]
type = "PipeStructure"
description = "Structure"
inputs = { people_text = "Text" }
output = "Contact[]"
""",
)

_base(
    "v_structure_from_pages",
    "operator.structure operator.extract native.document native.page controller.sequence feature.structured_output",
    """domain = "payslips"
description = "Structure a payslip"
main_pipe = "read_payslip"

[concept.Payslip]
description = "A payslip"

[concept.Payslip.structure]
employer = { type = "text", description = "Employer", required = true }
gross = { type = "number", description = "Gross pay", required = true }
net = { type = "number", description = "Net pay", required = true }
month = { type = "date", description = "Month" }

[pipe.read_payslip]
type = "PipeSequence"
description = "Extract then structure"
inputs = { payslip = "Document" }
output = "Payslip"
steps = [
    { pipe = "extract_payslip", result = "pages" },
    { pipe = "structure_payslip", result = "fields" },
]

[pipe.extract_payslip]
type = "PipeExtract"
description = "Extract"
inputs = { payslip = "Document" }
output = "Page[]"

[pipe.structure_payslip]
type = "PipeStructure"
description = "Structure"
inputs = { pages = "Page[]" }
output = "Payslip"
""",
)

_base(
    "v_llm_preliminary",
    "operator.llm operator.structure feature.structured_output native.text",
    '''domain = "restaurants"
description = "A structured review, drafted as text first"
main_pipe = "review_restaurant"

[concept.RestaurantReview]
description = "A restaurant review"

[concept.RestaurantReview.structure]
name = { type = "text", description = "Restaurant", required = true }
food = { type = "integer", description = "Food, 1 to 5", required = true }
service = { type = "integer", description = "Service, 1 to 5", required = true }
verdict = { type = "text", description = "Verdict", required = true }

[pipe.review_restaurant]
type = "PipeLLM"
description = "Review"
inputs = { transcript = "Text" }
output = "RestaurantReview"
structuring_method = "preliminary_text"
prompt = """
Write a thorough review of this restaurant based on the transcript:

@transcript
"""
''',
)

_base(
    "v_docgen_report",
    "operator.doc_gen feature.structured_output controller.sequence operator.llm native.document",
    '''domain = "inspections"
description = "An inspection report printed as a PDF"
main_pipe = "print_report"

[concept.Finding]
description = "A finding"

[concept.Finding.structure]
area = { type = "text", description = "Area", required = true }
issue = { type = "text", description = "Issue", required = true }
severity = { type = "text", description = "Severity", choices = ["low", "medium", "high"], required = true }

[concept.InspectionReport]
description = "An inspection report"

[concept.InspectionReport.structure]
site = { type = "text", description = "Site", required = true }
findings = { type = "list", item_type = "concept", item_concept_ref = "Finding", description = "Findings", required = true }

[pipe.print_report]
type = "PipeSequence"
description = "Write then print"
inputs = { notes = "Text" }
output = "Document"
steps = [
    { pipe = "write_report", result = "report" },
    { pipe = "render_pdf", result = "pdf" },
]

[pipe.write_report]
type = "PipeLLM"
description = "Write"
inputs = { notes = "Text" }
output = "InspectionReport"
prompt = "Turn these inspection notes into a report: $notes"

[pipe.render_pdf]
type = "PipeDocGen"
description = "Print"
inputs = { report = "InspectionReport" }
output = "Document"
format = "pdf"
model = "@default-pdf"
filename = "inspection.pdf"
template = """
# Inspection of {{ report.site }}

{% for f in report.findings %}
- **{{ f.area }}** ({{ f.severity }}): {{ f.issue }}
{% endfor %}
"""
''',
)

_base(
    "v_docgen_refined",
    "operator.doc_gen native.document native.text",
    '''domain = "certificates"
description = "Print a certificate"
main_pipe = "print_certificate"

[concept.Certificate]
description = "A printed certificate"
refines = "Document"

[pipe.print_certificate]
type = "PipeDocGen"
description = "Certificate"
inputs = { holder = "Text", course = "Text" }
output = "Certificate"
format = "pdf"
filename = "certificate"
template = """
# Certificate of completion

This certifies that **$holder** completed **$course**.
"""
''',
)

_base(
    "v_docgen_batch",
    "operator.doc_gen controller.batch native.document feature.structured_output",
    """domain = "badges"
description = "One printed badge per attendee"
main_pipe = "print_badges"

[concept.Attendee]
description = "An attendee"

[concept.Attendee.structure]
name = { type = "text", description = "Name", required = true }
company = { type = "text", description = "Company" }

[pipe.print_badges]
type = "PipeBatch"
description = "Each attendee"
inputs = { attendees = "Attendee[]" }
output = "Document[]"
branch_pipe_code = "print_badge"
input_list_name = "attendees"
input_item_name = "attendee"

[pipe.print_badge]
type = "PipeDocGen"
description = "Badge"
inputs = { attendee = "Attendee" }
output = "Document"
format = "pdf"
filename = "badge-{{ attendee.name }}"
""",
)

_base(
    "v_hints_structured_inputs",
    "feature.intent_hints feature.structured_output operator.llm controller.sequence",
    """domain = "recipes_box"
description = "Hints on a structured concept and on sequence inputs"
main_pipe = "card"

[concept.RecipeCard]
description = "A recipe card"
hints = { intent = "prose" }

[concept.RecipeCard.structure]
title = { type = "text", description = "Title", required = true, hints = { intent = "label" } }
servings = { type = "integer", description = "Servings", hints = { intent = "quantity" } }
difficulty = { type = "integer", description = "1 to 5", hints = { intent = "rating" } }

[pipe.card]
type = "PipeSequence"
description = "Card"
output = "RecipeCard"
steps = [{ pipe = "write_card", result = "card" }]

[pipe.card.inputs]
dish = { concept = "Text", hints = { intent = "label" } }

[pipe.write_card]
type = "PipeLLM"
description = "Write"
inputs = { dish = "Text" }
output = "RecipeCard"
prompt = "A recipe card for $dish"
""",
)

_base(
    "v_hints_unknown_content",
    "feature.intent_hints operator.compose native.number",
    """domain = "metrics"
description = "Hints with extra, non-normative content"
main_pipe = "metric_line"

[concept.Visitors]
description = "Visitors of the day"
refines = "Number"
hints = { intent = "quantity", unit = "people" }

[pipe.metric_line]
type = "PipeCompose"
description = "Line"
inputs = { visitors = { concept = "Visitors", hints = { intent = "quantity" } } }
output = "Text"
template = "{{ visitors.number }} visitors today"
""",
)

_base(
    "v_binding_then_condition",
    "feature.binding_step controller.condition controller.sequence feature.structured_output operator.llm native.yes_no",
    """domain = "deliveries"
description = "Bind a flag out of a delivery, then route on it"
main_pipe = "handle_delivery"

[concept.Delivery]
description = "A delivery"

[concept.Delivery.structure]
recipient = { type = "text", description = "Recipient", required = true }
damaged = { type = "concept", concept_ref = "YesNo", description = "Damaged on arrival", required = true }

[pipe.handle_delivery]
type = "PipeSequence"
description = "Read, bind, route"
inputs = { report = "Text" }
output = "Text"
steps = [
    { pipe = "read_delivery", result = "delivery" },
    { from = "delivery.damaged", result = "damaged" },
    { pipe = "route_damage", result = "next_step" },
]

[pipe.read_delivery]
type = "PipeLLM"
description = "Read"
inputs = { report = "Text" }
output = "Delivery"
prompt = "Read this delivery report: $report"

[pipe.route_damage]
type = "PipeCondition"
description = "Damaged?"
inputs = { damaged = "YesNo", delivery = "Delivery" }
output = "Text"
expression = "'claim' if damaged.yes_no else 'ok'"
default_outcome = "thank_recipient"
outcomes = { claim = "open_claim" }

[pipe.open_claim]
type = "PipeLLM"
description = "Claim"
inputs = { delivery = "Delivery" }
output = "Text"
prompt = "Open a damage claim for $delivery.recipient."

[pipe.thank_recipient]
type = "PipeLLM"
description = "Thanks"
inputs = { delivery = "Delivery" }
output = "Text"
prompt = "Thank $delivery.recipient for confirming the delivery."
""",
)

# --- less common but legal forms of the language ------------------------------------------------------------------

_base(
    "v_condition_special_outcomes",
    "controller.condition feature.structured_output operator.llm native.text",
    """domain = "claims_gate"
description = "Refuse fraudulent claims, answer the others"
main_pipe = "gate_claim"

[concept.ClaimFile]
description = "A claim file"

[concept.ClaimFile.structure]
status = { type = "text", description = "Status", choices = ["ok", "fraud", "review"], required = true }
holder = { type = "text", description = "Holder", required = true }

[pipe.gate_claim]
type = "PipeCondition"
description = "Gate"
inputs = { claim = "ClaimFile" }
output = "Text"
expression = "claim.status"
default_outcome = "answer_claim"

[pipe.gate_claim.outcomes]
fraud = "fail"
review = "send_to_review"

[pipe.answer_claim]
type = "PipeLLM"
description = "Answer"
inputs = { claim = "ClaimFile" }
output = "Text"
prompt = "Confirm to $claim.holder that the claim is accepted."

[pipe.send_to_review]
type = "PipeLLM"
description = "Review"
inputs = { claim = "ClaimFile" }
output = "Text"
prompt = "Tell $claim.holder that the claim is under review."
""",
)

_base(
    "v_nb_output_steps",
    "controller.sequence operator.llm native.text",
    '''domain = "naming"
description = "Name ideas, then pick one"
main_pipe = "name_product"

[concept]
NameIdea = "A name idea for a product"

[pipe.name_product]
type = "PipeSequence"
description = "Ideas then pick"
inputs = { brief = "Text" }
output = "Text"
steps = [
    { pipe = "brainstorm", result = "ideas", nb_output = 4 },
    { pipe = "pick_name", result = "choice" },
]

[pipe.brainstorm]
type = "PipeLLM"
description = "Ideas"
inputs = { brief = "Text" }
output = "NameIdea[]"
prompt = "Name ideas for: $brief"

[pipe.pick_name]
type = "PipeLLM"
description = "Pick"
inputs = { ideas = "NameIdea[]" }
output = "Text"
prompt = """
Pick the best name among:
@ideas
"""
''',
)

_base(
    "v_fixed_list_inputs",
    "controller.sequence operator.llm native.text native.image operator.img_gen",
    '''domain = "ab_test"
description = "Two headlines, compared"
main_pipe = "ab_headlines"

[concept]
Headline = "A headline"

[pipe.ab_headlines]
type = "PipeSequence"
description = "Two, then compare"
inputs = { article = "Text" }
output = "Text"
steps = [
    { pipe = "two_headlines", result = "pair" },
    { pipe = "compare_pair", result = "verdict" },
]

[pipe.two_headlines]
type = "PipeLLM"
description = "Two headlines"
inputs = { article = "Text" }
output = "Headline[2]"
prompt = "Two contrasting headlines for: $article"

[pipe.compare_pair]
type = "PipeLLM"
description = "Compare"
inputs = { pair = "Headline[2]" }
output = "Text"
prompt = """
Which of these two headlines is better, and why?
@pair
"""
''',
)

_base(
    "v_dotted_input_name",
    "native.page native.image operator.llm operator.extract controller.sequence native.document",
    '''domain = "page_looks"
description = "Describe the look of the first page from its view"
main_pipe = "look_of_page"

[pipe.look_of_page]
type = "PipeLLM"
description = "Describe the page's view"
inputs = { "page.page_view" = "Image" }
output = "Text"
model = "$vision"
prompt = """
Describe the layout of this page:
$page.page_view
"""
''',
)

_base(
    "v_item_type_concept_code",
    "feature.structured_output operator.llm native.text",
    """domain = "delivery_rounds"
description = "A round, with a list whose item type is a concept code"
main_pipe = "plan_round"

[concept.Stop]
description = "A stop of the round"

[concept.Stop.structure]
address = { type = "text", description = "Address", required = true }
parcels = { type = "integer", description = "Parcels", required = true }

[concept.Round]
description = "A round"

[concept.Round.structure]
driver = { type = "text", description = "Driver", required = true }
stops = { type = "list", item_type = "Stop", description = "Stops", required = true }
photos = { type = "list", item_type = "concept", item_concept_ref = "Image", description = "Proof photos" }

[pipe.plan_round]
type = "PipeLLM"
description = "Plan"
inputs = { orders = "Text" }
output = "Round"
prompt = "Plan today's round from: $orders"
""",
)

_base(
    "v_forward_concept_refs",
    "feature.structured_output operator.llm controller.sequence native.text",
    '''domain = "family_tree"
description = "Concepts used before they are declared, refinements of refinements"
main_pipe = "read_family"

[pipe.read_family]
type = "PipeSequence"
description = "Read then describe"
inputs = { story = "FamilyStory" }
output = "Text"
steps = [
    { pipe = "read_people", result = "family" },
    { pipe = "describe_family", result = "description" },
]

[pipe.read_people]
type = "PipeLLM"
description = "Read"
inputs = { story = "FamilyStory" }
output = "Family"
prompt = "Who is in this family story? $story"

[pipe.describe_family]
type = "PipeLLM"
description = "Describe"
inputs = { family = "Family" }
output = "Text"
prompt = """
Describe this family:
@family
"""

[concept.Family]
description = "A family"

[concept.Family.structure]
name = { type = "text", description = "Family name", required = true }
members = { type = "list", item_type = "concept", item_concept_ref = "Relative", description = "Members", required = true }

[concept.Relative]
description = "A member of the family"

[concept.Relative.structure]
first_name = { type = "text", description = "First name", required = true }
born = { type = "integer", description = "Year of birth" }

[concept.FamilyStory]
description = "A story told by a grandparent"
refines = "Anecdote"

[concept.Anecdote]
description = "A short story"
refines = "native.Text"
''',
)

_base(
    "v_model_long_forms",
    "operator.llm operator.img_gen operator.extract native.text native.image native.document native.page controller.sequence",
    '''domain = "long_forms"
description = "Model references in their long forms"
main_pipe = "poster_from_pdf"

[pipe.poster_from_pdf]
type = "PipeSequence"
description = "Read, summarise, draw"
inputs = { flyer = "Document" }
output = "Image"
steps = [
    { pipe = "read_flyer", result = "pages" },
    { pipe = "summarise_flyer", result = "summary" },
    { pipe = "draw_poster", result = "poster" },
]

[pipe.read_flyer]
type = "PipeExtract"
description = "Read"
inputs = { flyer = "Document" }
output = "Page[]"
model = "waterfall:document-extractor"

[pipe.summarise_flyer]
type = "PipeLLM"
description = "Summarise"
inputs = { pages = "Page[]" }
output = "Text"
model = "preset:writing-factual"
prompt = """
Summarise this flyer in one sentence:
@pages
"""

[pipe.draw_poster]
type = "PipeImgGen"
description = "Draw"
inputs = { summary = "Text" }
output = "Image"
model = "alias:default-general"
prompt = "A poster for: $summary"
''',
)

_base(
    "v_batch_of_sequences",
    "controller.batch controller.sequence operator.llm operator.compose native.text",
    """domain = "localisation"
description = "Each string translated then reviewed"
main_pipe = "localise_all"

[pipe.localise_all]
type = "PipeBatch"
description = "Each string"
inputs = { strings = "Text[]" }
output = "Text[]"
branch_pipe_code = "localise_one"
input_list_name = "strings"
input_item_name = "ui_string"

[pipe.localise_one]
type = "PipeSequence"
description = "Translate then review"
inputs = { ui_string = "Text" }
output = "Text"
steps = [
    { pipe = "translate_string", result = "translated" },
    { pipe = "review_string", result = "reviewed" },
]

[pipe.translate_string]
type = "PipeLLM"
description = "Translate"
inputs = { ui_string = "Text" }
output = "Text"
prompt = "Translate into German, keep placeholders: $ui_string"

[pipe.review_string]
type = "PipeCompose"
description = "Mark reviewed"
inputs = { translated = "Text", ui_string = "Text" }
output = "Text"
template = "$translated (from: $ui_string)"
""",
)

_base(
    "v_condition_of_sequences",
    "controller.condition controller.sequence operator.llm native.yes_no native.text",
    """domain = "returns"
description = "Different paths for a return"
main_pipe = "handle_return"

[pipe.handle_return]
type = "PipeSequence"
description = "Check then follow a path"
inputs = { request = "Text" }
output = "Text"
steps = [
    { pipe = "under_warranty", result = "warranty" },
    { pipe = "choose_path", result = "answer" },
]

[pipe.under_warranty]
type = "PipeLLM"
description = "Warranty?"
inputs = { request = "Text" }
output = "YesNo"
prompt = "Is this return under the two year warranty? $request"

[pipe.choose_path]
type = "PipeCondition"
description = "Path"
inputs = { request = "Text", warranty = "YesNo" }
output = "Text"
expression = "'repair' if warranty.yes_no else 'quote'"
default_outcome = "quote_path"
outcomes = { repair = "repair_path" }

[pipe.repair_path]
type = "PipeSequence"
description = "Repair"
inputs = { request = "Text" }
output = "Text"
steps = [
    { pipe = "book_repair", result = "booking" },
    { pipe = "confirm_repair", result = "confirmation" },
]

[pipe.book_repair]
type = "PipeLLM"
description = "Book"
inputs = { request = "Text" }
output = "Text"
prompt = "Book a repair slot for: $request"

[pipe.confirm_repair]
type = "PipeLLM"
description = "Confirm"
inputs = { booking = "Text" }
output = "Text"
prompt = "Confirm this booking to the customer: $booking"

[pipe.quote_path]
type = "PipeLLM"
description = "Quote"
inputs = { request = "Text" }
output = "Text"
prompt = "Quote a paid repair for: $request"
""",
)

_base(
    "v_jinja_heavy_prompt",
    "operator.llm feature.structured_output native.text feature.optionals",
    '''domain = "jinja_prompts"
description = "Prompts with loops, sets, filters and conditions"
main_pipe = "brief_writer"

[concept.Brief]
description = "A creative brief"

[concept.Brief.structure]
client = { type = "text", description = "Client", required = true }
audiences = { type = "list", item_type = "text", description = "Audiences", required = true }
budget = { type = "number", description = "Budget" }
deadline = { type = "date", description = "Deadline" }

[pipe.brief_writer]
type = "PipeLLM"
description = "Write from a brief"
inputs = { brief = "Brief", tone = "Text?" }
output = "Text"
prompt = """
{% set n = brief.audiences | length %}
Write a campaign idea for {{ brief.client | upper }} aimed at {{ n }} audience{{ "s" if n > 1 else "" }}:
{% for a in brief.audiences %}
  {{ loop.index }}. {{ a | trim }}
{% endfor %}
{% if brief.budget %}Budget: {{ "%.0f" | format(brief.budget) }} EUR{% endif %}
{% if tone is defined %}Tone: $tone{% endif %}
"""
''',
)

_base(
    "v_template_table_options",
    "operator.compose native.text feature.structured_output",
    '''domain = "prompt_kits"
description = "A PipeCompose template table with a style and a category"
main_pipe = "build_prompt"

[concept.Persona]
description = "A persona"

[concept.Persona.structure]
name = { type = "text", description = "Name", required = true }
goals = { type = "list", item_type = "text", description = "Goals" }

[pipe.build_prompt]
type = "PipeCompose"
description = "A prompt for another model"
inputs = { persona = "Persona", task = "Text" }
output = "Text"

[pipe.build_prompt.template]
category = "llm_prompt"
templating_style = { tag_style = "xml" }
template = """
You are helping $persona.name.
@task
"""
''',
)

_base(
    "v_judge_questions_levels",
    "operator.judge native.rating native.choice feature.structured_output",
    """domain = "pitch_review"
description = "Several judgments of a pitch deck at once"
main_pipe = "review_pitch"

[concept.PitchReview]
description = "What the jury thinks"

[concept.PitchReview.structure]
clarity = { type = "concept", concept_ref = "Rating", description = "Clarity", required = true }
stage = { type = "concept", concept_ref = "Choice", description = "Stage", required = true }
fundable = { type = "concept", concept_ref = "YesNo", description = "Fundable", required = true }

[pipe.review_pitch]
type = "PipeJudge"
description = "Review"
inputs = { pitch = "Text" }
output = "PitchReview"
model = "@default-judgment"
prompt = "@pitch"

[pipe.review_pitch.questions.clarity]
question = "How clear is the pitch?"
levels = ["confusing", "understandable", "crystal clear"]

[pipe.review_pitch.questions.stage]
question = "What stage is the company at?"
options = { idea = "No product yet", seed = "A product, few customers", growth = "Many customers" }

[pipe.review_pitch.questions.fundable]
question = "Would a seed fund invest?"
""",
)

_base(
    "v_judge_image_input",
    "operator.judge native.image native.yes_no",
    '''domain = "photo_checks"
description = "Does a photo show a damaged parcel"
main_pipe = "parcel_damaged"

[pipe.parcel_damaged]
type = "PipeJudge"
description = "Damaged?"
inputs = { photo = "Image" }
output = "YesNo"
model = "@default-judgment-vision"
prompt = """
A photo taken by the courier:
$photo
"""
question = "Is the parcel in this photo visibly damaged?"
''',
)

_base(
    "v_img_gen_settings",
    "operator.img_gen native.image native.text",
    '''domain = "banners"
description = "A wide banner with every common setting"
main_pipe = "banner"

[pipe.banner]
type = "PipeImgGen"
description = "Banner"
inputs = { slogan = "Text" }
output = "Image"
model = "$gen-image-high-quality"
prompt = """
A wide website banner, soft gradients, the mood of: $slogan
"""
negative_prompt = "text, letters, logos"
aspect_ratio = "landscape_21_9"
size = "1k"
output_format = "webp"
background = "auto"
seed = 1234
''',
)

_base(
    "v_extract_web_page",
    "operator.extract native.document native.page operator.llm controller.sequence",
    '''domain = "web_reading"
description = "Read a web page and summarise it"
main_pipe = "read_page"

[pipe.read_page]
type = "PipeSequence"
description = "Extract then summarise"
inputs = { web_page = "Document" }
output = "Text"
steps = [
    { pipe = "extract_web", result = "pages" },
    { pipe = "summarise_web", result = "summary" },
]

[pipe.extract_web]
type = "PipeExtract"
description = "Extract"
inputs = { web_page = "Document" }
output = "Page[]"
model = "@default-extract-web-page"
render_js = true
include_raw_html = false

[pipe.summarise_web]
type = "PipeLLM"
description = "Summarise"
inputs = { pages = "Page[]" }
output = "Text"
prompt = """
Summarise this web page:
@pages
"""
''',
)

_base(
    "v_concept_table_description_only",
    "operator.llm native.text controller.sequence",
    """domain = "notes"
description = "Concepts declared as tables with a description only"
main_pipe = "tidy_note"

[concept.RawNote]
description = "A note as typed on a phone"

[concept.TidyNote]
description = "The note, tidied"

[pipe.tidy_note]
type = "PipeSequence"
description = "Tidy"
inputs = { note = "RawNote" }
output = "TidyNote"
steps = [{ pipe = "tidy", result = "tidy" }]

[pipe.tidy]
type = "PipeLLM"
description = "Tidy"
inputs = { note = "RawNote" }
output = "TidyNote"
prompt = "Fix the spelling and punctuation of: $note"
""",
)

# --- more idioms of the docs: guards, shared batch inputs, boolean outcomes, system prompts with variables ---------

_base(
    "v_optional_structured_guard",
    "feature.optionals feature.structured_output operator.llm controller.sequence",
    """domain = "tenancy"
description = "A letter to a tenant, mentioning the guarantor only when there is one"
main_pipe = "tenant_letter"

[concept.Guarantor]
description = "Who guarantees the rent"

[concept.Guarantor.structure]
name = { type = "text", description = "Name", required = true }
phone = { type = "text", description = "Phone" }

[pipe.tenant_letter]
type = "PipeSequence"
description = "Draft then polish"
inputs = { tenant = "Text", guarantor = "Guarantor?" }
output = "Text"
steps = [
    { pipe = "draft_letter", result = "draft" },
    { pipe = "polish_letter", result = "letter" },
]

[pipe.draft_letter]
type = "PipeLLM"
description = "Draft"
inputs = { tenant = "Text", guarantor = "Guarantor?" }
output = "Text"
prompt = \"\"\"
Write a rent reminder to $tenant.
@?guarantor
{% if guarantor is defined %}Copy the guarantor {{ guarantor.name }} in.{% endif %}
\"\"\"

[pipe.polish_letter]
type = "PipeLLM"
description = "Polish"
inputs = { draft = "Text" }
output = "Text"
prompt = "Polish: $draft"
""",
)

_base(
    "v_batch_shared_inputs",
    "controller.sequence controller.batch operator.llm feature.structured_output native.text",
    """domain = "grading_desk"
description = "Grade every answer against the same rubric"
main_pipe = "grade_answers"

[concept.Rubric]
description = "How answers are graded"

[concept.Rubric.structure]
criteria = { type = "list", item_type = "text", description = "Criteria", required = true }
max_points = { type = "integer", description = "Points", required = true }

[concept]
Answer = "A student's answer"
Grade = "A grade with a comment"

[pipe.grade_answers]
type = "PipeSequence"
description = "Each answer with the rubric"
inputs = { answers = "Answer[]", rubric = "Rubric" }
output = "Grade[]"
steps = [
    { pipe = "grade_one", batch_over = "answers", batch_as = "answer", result = "grades" },
]

[pipe.grade_one]
type = "PipeLLM"
description = "Grade one"
inputs = { answer = "Answer", rubric = "Rubric" }
output = "Grade"
prompt = \"\"\"
Grade this answer out of {{ rubric.max_points }} points:
@answer

Criteria:
{% for c in rubric.criteria %}- {{ c }}
{% endfor %}
\"\"\"
""",
)

_base(
    "v_boolean_outcomes",
    "controller.condition controller.sequence operator.llm operator.compose feature.structured_output",
    """domain = "shipping_costs"
description = "Free shipping above a threshold"
main_pipe = "shipping_note"

[concept.Basket]
description = "A basket"

[concept.Basket.structure]
total = { type = "number", description = "Total in EUR", required = true }
items = { type = "integer", description = "Item count", required = true }

[pipe.shipping_note]
type = "PipeCondition"
description = "Free or paid"
inputs = { basket = "Basket" }
output = "Text"
expression = "basket.total >= 50"
default_outcome = "paid_shipping"

[pipe.shipping_note.outcomes]
"True" = "free_shipping"
"False" = "paid_shipping"

[pipe.free_shipping]
type = "PipeCompose"
description = "Free"
inputs = { basket = "Basket" }
output = "Text"
template = "Free shipping on your {{ basket.items }} items!"

[pipe.paid_shipping]
type = "PipeCompose"
description = "Paid"
inputs = { basket = "Basket" }
output = "Text"
template = "Add {{ 50 - basket.total }} EUR more for free shipping."
""",
)
INPUTS["v_boolean_outcomes"] = {"basket": {"total": 62.5, "items": 3}}

_base(
    "v_system_prompt_vars",
    "operator.llm native.text",
    """domain = "personas"
description = "A system prompt reading an input"
main_pipe = "answer_as"

[pipe.answer_as]
type = "PipeLLM"
description = "Answer in a persona"
inputs = { persona = "Text", question = "Text" }
output = "Text"
system_prompt = "You are $persona. Stay in character."
prompt = "$question"
""",
)

_base(
    "v_block_field",
    "operator.llm feature.structured_output native.text",
    """domain = "job_posts"
description = "Blocks of fields of a structured input"
main_pipe = "rewrite_post"

[concept.JobPost]
description = "A job post"

[concept.JobPost.structure]
title = { type = "text", description = "Title", required = true }
body = { type = "text", description = "Body", required = true }
perks = { type = "list", item_type = "text", description = "Perks" }

[pipe.rewrite_post]
type = "PipeLLM"
description = "Rewrite"
inputs = { post = "JobPost" }
output = "Text"
prompt = \"\"\"
Rewrite the job post titled $post.title so it reads warmer.

@post.body

Perks:
@post.perks
\"\"\"
""",
)

_base(
    "v_string_shorthand_fields",
    "feature.structured_output operator.llm operator.compose controller.sequence",
    """domain = "business_cards"
description = "A concept whose fields are all description strings"
main_pipe = "card"

[concept.Card]
description = "A business card"

[concept.Card.structure]
name = "The person's name"
title = "Their job title"
company = "Their company"

[pipe.card]
type = "PipeSequence"
description = "Read then print"
inputs = { signature = "Text" }
output = "Text"
steps = [
    { pipe = "read_card", result = "card" },
    { pipe = "print_card", result = "printed" },
]

[pipe.read_card]
type = "PipeLLM"
description = "Read"
inputs = { signature = "Text" }
output = "Card"
prompt = "Read the business card in this email signature: $signature"

[pipe.print_card]
type = "PipeCompose"
description = "Print"
inputs = { card = "Card" }
output = "Text"
template = \"\"\"
{{ card.name }}
{{ card.title }}, {{ card.company }}
\"\"\"
""",
)

_base(
    "v_image_in_structure",
    "native.image operator.llm feature.structured_output",
    """domain = "product_sheets"
description = "A product with its photo, described by a vision model"
main_pipe = "describe_product"

[concept.Product]
description = "A product"

[concept.Product.structure]
name = { type = "text", description = "Name", required = true }
photo = { type = "concept", concept_ref = "Image", description = "Photo", required = true }

[pipe.describe_product]
type = "PipeLLM"
description = "Describe"
inputs = { product = "Product" }
output = "Text"
model = "$vision"
prompt = \"\"\"
Describe $product.name from its photo:
$product.photo
\"\"\"
""",
)

_base(
    "v_extract_captions",
    "operator.extract native.image native.page operator.llm controller.batch controller.sequence",
    """domain = "whiteboards"
description = "Read photographed whiteboards"
main_pipe = "read_boards"

[concept.BoardPhoto]
description = "A photo of a whiteboard"
refines = "Image"

[pipe.read_boards]
type = "PipeSequence"
description = "Extract each, then summarise all"
inputs = { boards = "BoardPhoto[]" }
output = "Text"
steps = [
    { pipe = "read_board", batch_over = "boards", batch_as = "board", result = "board_pages" },
    { pipe = "summarise_boards", result = "summary" },
]

[pipe.read_board]
type = "PipeExtract"
description = "Read one board"
inputs = { board = "BoardPhoto" }
output = "Page[]"
page_image_captions = true

[pipe.summarise_boards]
type = "PipeLLM"
description = "Summarise"
inputs = { board_pages = "Page[]" }
output = "Text"
prompt = \"\"\"
Summarise the decisions written on these whiteboards:
@board_pages
\"\"\"
""",
)

_base(
    "v_parallel_add_each_structured",
    "controller.parallel controller.sequence operator.llm feature.structured_output",
    """domain = "event_pack"
description = "A structured pack from parallel branches, whose parts are also used next"
main_pipe = "event_pack"

[concept]
Invitation = "An invitation text"
Agenda = "An agenda"

[concept.EventPack]
description = "Invitation and agenda"

[concept.EventPack.structure]
invitation = { type = "concept", concept_ref = "Invitation", description = "Invitation", required = true }
agenda = { type = "concept", concept_ref = "Agenda", description = "Agenda", required = true }

[pipe.event_pack]
type = "PipeSequence"
description = "Pack then announce"
inputs = { event = "Text" }
output = "Text"
steps = [
    { pipe = "make_pack", result = "pack" },
    { pipe = "announce", result = "announcement" },
]

[pipe.make_pack]
type = "PipeParallel"
description = "Both"
inputs = { event = "Text" }
output = "EventPack"
add_each_output = true
branches = [
    { pipe = "write_invitation", result = "invitation" },
    { pipe = "write_agenda", result = "agenda" },
]

[pipe.write_invitation]
type = "PipeLLM"
description = "Invitation"
inputs = { event = "Text" }
output = "Invitation"
prompt = "An invitation to $event"

[pipe.write_agenda]
type = "PipeLLM"
description = "Agenda"
inputs = { event = "Text" }
output = "Agenda"
prompt = "An agenda for $event"

[pipe.announce]
type = "PipeLLM"
description = "Announce"
inputs = { invitation = "Invitation", agenda = "Agenda" }
output = "Text"
prompt = \"\"\"
Write a short announcement from:
@invitation
@agenda
\"\"\"
""",
)

_base(
    "v_tag_filter_prompt",
    "operator.llm native.text feature.structured_output",
    """domain = "summaries"
description = "Jinja tag filter and format filter in prompts"
main_pipe = "summarise_thread"

[concept.Thread]
description = "An email thread"

[concept.Thread.structure]
subject = { type = "text", description = "Subject", required = true }
messages = { type = "list", item_type = "text", description = "Messages", required = true }

[pipe.summarise_thread]
type = "PipeLLM"
description = "Summarise"
inputs = { thread = "Thread" }
output = "Text"
prompt = \"\"\"
Summarise the thread {{ thread.subject|format }}:
{{ thread.messages|tag("messages") }}
\"\"\"
""",
)

_base(
    "v_choices_all_outcomes",
    "controller.condition operator.llm feature.structured_output native.text",
    """domain = "orders_desk"
description = "Every choice of a field has its outcome; no default needed in practice"
main_pipe = "route_order"

[concept.Order]
description = "An order"

[concept.Order.structure]
channel = { type = "text", description = "Channel", choices = ["web", "phone", "shop"], required = true }
customer = { type = "text", description = "Customer", required = true }

[pipe.route_order]
type = "PipeCondition"
description = "By channel"
inputs = { order = "Order" }
output = "Text"
expression = "order.channel"
default_outcome = "fail"
outcomes = { web = "thank_web", phone = "thank_phone", shop = "thank_shop" }

[pipe.thank_web]
type = "PipeLLM"
description = "Web"
inputs = { order = "Order" }
output = "Text"
prompt = "Thank $order.customer for ordering online."

[pipe.thank_phone]
type = "PipeLLM"
description = "Phone"
inputs = { order = "Order" }
output = "Text"
prompt = "Thank $order.customer for calling."

[pipe.thank_shop]
type = "PipeLLM"
description = "Shop"
inputs = { order = "Order" }
output = "Text"
prompt = "Thank $order.customer for visiting the shop."
""",
)

_base(
    "v_list_number_fields",
    "feature.structured_output native.number operator.llm operator.compose controller.sequence",
    """domain = "sensor_logs"
description = "Readings as a list of numbers"
main_pipe = "report_readings"

[concept.Readings]
description = "Sensor readings"

[concept.Readings.structure]
sensor = { type = "text", description = "Sensor id", required = true }
values = { type = "list", item_type = "number", description = "Readings", required = true }
flags = { type = "list", item_type = "boolean", description = "Alarm flags" }

[pipe.report_readings]
type = "PipeSequence"
description = "Read then report"
inputs = { log = "Text" }
output = "Text"
steps = [
    { pipe = "read_values", result = "readings" },
    { pipe = "report_values", result = "report" },
]

[pipe.read_values]
type = "PipeLLM"
description = "Read"
inputs = { log = "Text" }
output = "Readings"
prompt = "Read the sensor id and values of: $log"

[pipe.report_values]
type = "PipeCompose"
description = "Report"
inputs = { readings = "Readings" }
output = "Text"
template = "{{ readings.sensor }}: max {{ readings.values | max }}, {{ readings.values | length }} readings"
""",
)

# --- a fourth batch: image-to-image, nested controllers, fixed lists, refined natives, Jinja comments and raw ----

_base(
    "v_img2img",
    "operator.img_gen native.image operator.llm controller.sequence",
    """domain = "room_makeover"
description = "Restyle a photo of a room"
main_pipe = "restyle_room"

[pipe.restyle_room]
type = "PipeSequence"
description = "Describe then redraw"
inputs = { room = "Image", style = "Text" }
output = "Image"
steps = [
    { pipe = "describe_room", result = "description" },
    { pipe = "redraw_room", result = "restyled" },
]

[pipe.describe_room]
type = "PipeLLM"
description = "Describe"
inputs = { room = "Image" }
output = "Text"
model = "$vision"
prompt = \"\"\"
Describe the furniture and layout of this room:
$room
\"\"\"

[pipe.redraw_room]
type = "PipeImgGen"
description = "Redraw in a style"
inputs = { room = "Image", description = "Text", style = "Text" }
output = "Image"
prompt = \"\"\"
Redraw this room in a $style style, keeping its layout: $description
$room
\"\"\"
""",
)

_base(
    "v_parallel_in_parallel",
    "controller.parallel native.composite operator.llm",
    """domain = "launch_kit"
description = "Parallel branches, one of which is itself a parallel"
main_pipe = "launch_kit"

[pipe.launch_kit]
type = "PipeParallel"
description = "Copy and visuals briefs"
inputs = { product = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "copy_pack", result = "copy" },
    { pipe = "visual_brief", result = "visuals" },
]

[pipe.copy_pack]
type = "PipeParallel"
description = "Two kinds of copy"
inputs = { product = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "write_tagline", result = "tagline" },
    { pipe = "write_blurb", result = "blurb" },
]

[pipe.write_tagline]
type = "PipeLLM"
description = "Tagline"
inputs = { product = "Text" }
output = "Text"
prompt = "A tagline for $product"

[pipe.write_blurb]
type = "PipeLLM"
description = "Blurb"
inputs = { product = "Text" }
output = "Text"
prompt = "A blurb for $product"

[pipe.visual_brief]
type = "PipeLLM"
description = "Visual brief"
inputs = { product = "Text" }
output = "Text"
prompt = "A brief for the launch visuals of $product"
""",
)

_base(
    "v_condition_in_batch",
    "controller.batch controller.condition operator.llm feature.structured_output",
    """domain = "inbox"
description = "Answer or archive each message of an inbox"
main_pipe = "process_inbox"

[concept.Message]
description = "A message"

[concept.Message.structure]
sender = { type = "text", description = "Sender", required = true }
needs_reply = { type = "boolean", description = "Needs a reply", required = true }

[pipe.process_inbox]
type = "PipeBatch"
description = "Each message"
inputs = { messages = "Message[]" }
output = "Text[]"
branch_pipe_code = "process_message"
input_list_name = "messages"
input_item_name = "message"

[pipe.process_message]
type = "PipeCondition"
description = "Reply or archive"
inputs = { message = "Message" }
output = "Text"
expression = "'reply' if message.needs_reply else 'archive'"
default_outcome = "archive_note"
outcomes = { reply = "write_reply" }

[pipe.write_reply]
type = "PipeLLM"
description = "Reply"
inputs = { message = "Message" }
output = "Text"
prompt = "Reply briefly to $message.sender."

[pipe.archive_note]
type = "PipeLLM"
description = "Archive"
inputs = { message = "Message" }
output = "Text"
prompt = "Write a one line archive note for a message from $message.sender."
""",
)

_base(
    "v_fixed_numbers",
    "native.number operator.llm controller.sequence operator.compose",
    """domain = "estimates"
description = "Three estimates, then their spread"
main_pipe = "estimate"

[pipe.estimate]
type = "PipeSequence"
description = "Estimate then summarise"
inputs = { project = "Text" }
output = "Text"
steps = [
    { pipe = "three_estimates", result = "estimates" },
    { pipe = "spread", result = "summary" },
]

[pipe.three_estimates]
type = "PipeLLM"
description = "Low, likely, high"
inputs = { project = "Text" }
output = "Number[3]"
prompt = "Give a low, a likely and a high estimate in days for: $project"

[pipe.spread]
type = "PipeCompose"
description = "Spread"
inputs = { estimates = "Number[3]" }
output = "Text"
template = "Between {{ estimates[0].number }} and {{ estimates[2].number }} days."
""",
)

_base(
    "v_refined_yes_no_condition",
    "native.yes_no controller.condition controller.sequence operator.llm",
    """domain = "visas"
description = "A refined YesNo routes an application"
main_pipe = "visa_desk"

[concept.NeedsVisa]
description = "Whether the traveller needs a visa"
refines = "YesNo"

[pipe.visa_desk]
type = "PipeSequence"
description = "Check then answer"
inputs = { trip = "Text" }
output = "Text"
steps = [
    { pipe = "check_visa", result = "needs_visa" },
    { pipe = "answer_visa", result = "answer" },
]

[pipe.check_visa]
type = "PipeLLM"
description = "Check"
inputs = { trip = "Text" }
output = "NeedsVisa"
prompt = "Does this trip need a visa? $trip"

[pipe.answer_visa]
type = "PipeCondition"
description = "Answer"
inputs = { needs_visa = "NeedsVisa", trip = "Text" }
output = "Text"
expression = "'visa' if needs_visa.yes_no else 'free'"
default_outcome = "no_visa_needed"
outcomes = { visa = "visa_steps" }

[pipe.visa_steps]
type = "PipeLLM"
description = "Steps"
inputs = { trip = "Text" }
output = "Text"
prompt = "List the visa steps for: $trip"

[pipe.no_visa_needed]
type = "PipeLLM"
description = "No visa"
inputs = { trip = "Text" }
output = "Text"
prompt = "Confirm no visa is needed for: $trip"
""",
)

_base(
    "v_refined_json",
    "native.json operator.llm operator.compose controller.sequence",
    """domain = "api_specs"
description = "A refined JSON concept"
main_pipe = "spec_summary"

[concept.OpenApiSpec]
description = "An OpenAPI document as JSON"
refines = "JSON"

[pipe.spec_summary]
type = "PipeSequence"
description = "Draft then describe"
inputs = { idea = "Text" }
output = "Text"
steps = [
    { pipe = "draft_spec", result = "spec" },
    { pipe = "describe_spec", result = "summary" },
]

[pipe.draft_spec]
type = "PipeLLM"
description = "Draft"
inputs = { idea = "Text" }
output = "OpenApiSpec"
prompt = "Draft a minimal OpenAPI spec for: $idea"

[pipe.describe_spec]
type = "PipeCompose"
description = "Describe"
inputs = { spec = "OpenApiSpec" }
output = "Text"
template = "A spec with {{ spec.json_obj | length }} top-level keys."
""",
)

_base(
    "v_jinja_comments_raw",
    "operator.llm operator.compose native.text controller.sequence",
    """domain = "jinja_escapes"
description = "Jinja comments and raw blocks in templates"
main_pipe = "doc_snippet"

[pipe.doc_snippet]
type = "PipeSequence"
description = "Explain then format"
inputs = { feature = "Text" }
output = "Text"
steps = [
    { pipe = "explain_feature", result = "explanation" },
    { pipe = "format_snippet", result = "snippet" },
]

[pipe.explain_feature]
type = "PipeLLM"
description = "Explain"
inputs = { feature = "Text" }
output = "Text"
prompt = \"\"\"
{# this comment is not sent to the model #}
Explain $feature to a new user.
\"\"\"

[pipe.format_snippet]
type = "PipeCompose"
description = "Format"
inputs = { explanation = "Text" }
output = "Text"
template = \"\"\"
$explanation

{% raw %}Write variables as {{ name }} in your own templates.{% endraw %}
\"\"\"
""",
)

_base(
    "v_input_in_if_only",
    "operator.llm native.text native.yes_no",
    """domain = "greetings_flags"
description = "An input read only in a Jinja condition"
main_pipe = "greet"

[pipe.greet]
type = "PipeLLM"
description = "Greet"
inputs = { name = "Text", formal = "YesNo" }
output = "Text"
prompt = \"\"\"
{% if formal.yes_no %}Write a formal greeting{% else %}Write a casual greeting{% endif %} for $name.
\"\"\"
""",
)

_base(
    "v_judge_batch",
    "operator.judge controller.batch native.choice",
    """domain = "triage_batch"
description = "Judge each ticket of a list"
main_pipe = "judge_all"

[concept.Severity]
description = "How bad a ticket is"
refines = "Choice"

[pipe.judge_all]
type = "PipeBatch"
description = "Each ticket"
inputs = { tickets = "Text[]" }
output = "Severity[]"
branch_pipe_code = "judge_ticket"
input_list_name = "tickets"
input_item_name = "ticket"

[pipe.judge_ticket]
type = "PipeJudge"
description = "Severity"
inputs = { ticket = "Text" }
output = "Severity"
model = "@default-judgment"
prompt = "$ticket"
question = "How severe is this ticket?"
options = { blocker = "Nobody can work", major = "A feature is broken", minor = "A cosmetic issue" }
""",
)

_base(
    "v_search_images",
    "operator.search native.search_result operator.llm controller.sequence",
    """domain = "mood_boards"
description = "Search with images, then describe a mood board"
main_pipe = "mood_board"

[pipe.mood_board]
type = "PipeSequence"
description = "Search then describe"
inputs = { theme = "Text" }
output = "Text"
steps = [
    { pipe = "search_theme", result = "results" },
    { pipe = "describe_board", result = "board" },
]

[pipe.search_theme]
type = "PipeSearch"
description = "Search"
inputs = { theme = "Text" }
output = "SearchResult"
prompt = "Interior design inspiration: $theme"
include_images = true
max_results = 10
model = "$deep"

[pipe.describe_board]
type = "PipeLLM"
description = "Describe"
inputs = { results = "SearchResult" }
output = "Text"
prompt = \"\"\"
Describe a mood board from these results:
@results
\"\"\"
""",
)

_base(
    "v_condition_list_outputs",
    "controller.condition operator.llm native.text feature.structured_output",
    """domain = "reading_lists"
description = "A list output from every outcome"
main_pipe = "reading_list"

[concept.Reader]
description = "A reader"

[concept.Reader.structure]
level = { type = "text", description = "Level", choices = ["beginner", "expert"], required = true }
topic = { type = "text", description = "Topic", required = true }

[pipe.reading_list]
type = "PipeCondition"
description = "By level"
inputs = { reader = "Reader" }
output = "Text[]"
expression = "reader.level"
default_outcome = "expert_books"
outcomes = { beginner = "beginner_books" }

[pipe.beginner_books]
type = "PipeLLM"
description = "Beginner"
inputs = { reader = "Reader" }
output = "Text[]"
prompt = "Beginner books on $reader.topic"

[pipe.expert_books]
type = "PipeLLM"
description = "Expert"
inputs = { reader = "Reader" }
output = "Text[]"
prompt = "Expert books on $reader.topic"
""",
)

_base(
    "v_binding_list_field_then_llm",
    "feature.binding_step controller.sequence operator.llm feature.structured_output",
    """domain = "recipes_shop"
description = "Bind a list field and read it whole"
main_pipe = "shopping_list"

[concept.Recipe]
description = "A recipe"

[concept.Recipe.structure]
title = { type = "text", description = "Title", required = true }
ingredients = { type = "list", item_type = "text", description = "Ingredients", required = true }

[pipe.shopping_list]
type = "PipeSequence"
description = "Read, bind the ingredients, list them"
inputs = { recipe_text = "Text" }
output = "Text"
steps = [
    { pipe = "read_recipe", result = "recipe" },
    { from = "recipe.ingredients", result = "ingredients" },
    { pipe = "write_list", result = "list" },
]

[pipe.read_recipe]
type = "PipeLLM"
description = "Read"
inputs = { recipe_text = "Text" }
output = "Recipe"
prompt = "Read: $recipe_text"

[pipe.write_list]
type = "PipeLLM"
description = "List"
inputs = { ingredients = "Text[]" }
output = "Text"
prompt = \"\"\"
Group these ingredients by supermarket aisle:
@ingredients
\"\"\"
""",
)

_base(
    "v_markdown_filter_structured_list",
    "feature.markdown_filter operator.compose native.html controller.sequence operator.llm feature.structured_output",
    """domain = "release_notes"
description = "Release notes written by a model, rendered with the markdown filter"
main_pipe = "release_page"

[concept.Change]
description = "A change"

[concept.Change.structure]
title = { type = "text", description = "Title", required = true }
details_md = { type = "text", description = "Details in Markdown", required = true }

[pipe.release_page]
type = "PipeSequence"
description = "Changes then page"
inputs = { commits = "Text" }
output = "Html"
steps = [
    { pipe = "list_changes", result = "changes" },
    { pipe = "render_changes", result = "page" },
]

[pipe.list_changes]
type = "PipeLLM"
description = "Changes"
inputs = { commits = "Text" }
output = "Change[]"
prompt = "List the user-facing changes in: $commits"

[pipe.render_changes]
type = "PipeCompose"
description = "Render"
inputs = { changes = "Change[]" }
output = "Html"

[pipe.render_changes.template]
category = "html"
template = \"\"\"
<ul>
{% for c in changes %}<li><strong>{{ c.title }}</strong>{{ c.details_md | markdown }}</li>
{% endfor %}
</ul>
\"\"\"
""",
)

_base(
    "v_hints_page_inputs",
    "feature.intent_hints native.page operator.llm",
    """domain = "hinted_pages"
description = "Hints on a native input and on a list input"
main_pipe = "summarise_pages"

[pipe.summarise_pages]
type = "PipeLLM"
description = "Summarise"
inputs = { pages = { concept = "Page[]", hints = { intent = "prose" } }, audience = { concept = "Text", hints = { intent = "label" } } }
output = "Text"
prompt = \"\"\"
Summarise for $audience:
@pages
\"\"\"
""",
)

# --- TOML 1.1 and other legal oddities, written by hand ---------------------------------------------------------

_base(
    "v_toml11_multiline_inline",
    "operator.llm controller.sequence feature.structured_output native.text",
    """domain = "toml_eleven"
description = "Inline tables over several lines, with comments and trailing commas (TOML 1.1)"
main_pipe = "digest_article"

[concept.Digest]
description = "A digest"

[concept.Digest.structure]
headline = {
    type = "text",  # the headline
    description = "Headline",
    required = true,
}
points = { type = "list", item_type = "text", description = "Key points", }

[pipe.digest_article]
type = "PipeSequence"
description = "Clean then digest"
inputs = {
    article = "Text",
}
output = "Digest"
steps = [
    { pipe = "clean_article", result = "clean" },  # first
    { pipe = "write_digest", result = "digest" },  # then
]

[pipe.clean_article]
type = "PipeLLM"
description = "Clean"
inputs = { article = "Text" }
output = "Text"
prompt = "Remove the ads from: $article"

[pipe.write_digest]
type = "PipeLLM"
description = "Digest"
inputs = { clean = "Text" }
output = "Digest"
prompt = "Digest: $clean"
""",
)

_base(
    "v_toml_odd_spacing",
    "operator.llm operator.compose controller.sequence native.text",
    '''   # a comment before everything
domain="odd_spacing"
description    =    'Literal strings, tabs and no spaces'
main_pipe	=	"shout_summary"

[ pipe . shout_summary ]
type="PipeSequence"
description='Summarise then shout'
inputs={text="Text"}
output="Text"
steps=[{pipe="summarise_text",result="summary"},{pipe="shout",result="loud"}]

[pipe."summarise_text"]
type	= "PipeLLM"
description = """Summarise"""
inputs = { 'text' = 'Text' }
output = 'Text'
prompt = \'\'\'
Summarise in one line:
@text
\'\'\'

[pipe.shout]   # trailing comment on a header
type = "PipeCompose"
description = "Upper case"
inputs = { summary = "Text" }
output = "Text"
template = "{{ summary.text | upper }}!"
''',
)

_base(
    "v_toml_dotted_header",
    "operator.llm native.text feature.structured_output",
    """domain = "dotted_keys"
description = "A pipe and concept written with dotted keys under [pipe] and [concept]"
main_pipe = "greet"

[concept]
Greeting.description = "A greeting"
Greeting.refines = "Text"

[pipe]
greet.type = "PipeLLM"
greet.description = "Greet someone"
greet.inputs.name = "Text"
greet.output = "Greeting"
greet.prompt = "Greet $name warmly."
""",
)

_base(
    "v_toml_escapes",
    "operator.compose native.text",
    '''domain = "escapes"
description = "Strings with escapes: \\"quotes\\", tabs\\t, unicode \\u00e9 and line\\ncontinuations"
main_pipe = "label"

[pipe.label]
type = "PipeCompose"
description = "A label with \\"quoted\\" words"
inputs = { name = "Text" }
output = "Text"
template = """
Name:\\t$name \\
(continued on the same line)
Price: 10\\u20ac
"""
''',
)

_base(
    "v_toml_empty_sections",
    "operator.llm native.text",
    """domain = "empty_sections"
description = "An empty concept table and a pipe with empty inputs"
main_pipe = "haiku"

[concept]

[pipe.haiku]
type = "PipeLLM"
description = "A haiku about nothing in particular"
inputs = {}
output = "Text"
prompt = "Write a haiku about autumn."
""",
)

# --- bare caller values for bases already written (smart inputs): each a case ``base__given`` of its own ----------

INPUTS["v_meeting_notes__given"] = {
    "transcript": "Ana: I'll book the hall. Ben: I send the minutes by Friday.",
    "meeting_date": "2026-03-14",
}
INPUTS["v_hotel_reviews__given"] = {
    "reviews": ["Spotless room, lovely staff.", "Dust under the bed and a smell."]
}
INPUTS["v_translation_batch__given"] = {
    "sentences": ["Good morning", "See you tomorrow"],
    "language": "Italian",
}
INPUTS["v_order_binding__given"] = {
    "order_text": "Two mugs and a teapot for Léa Martin, 42 EUR, lea@example.org"
}
INPUTS["v_spam_gate__given"] = {"comment": "Great article, thanks for the clear diagrams!"}
INPUTS["v_priority_condition__given"] = {"ticket": "Checkout page returns 500 for every customer"}
INPUTS["v_time_input__given"] = {"day": "2026-05-01", "hour": "18:30", "event": "the spring fair"}
INPUTS["v_date_compose__given"] = {"day": "2026-06-01", "at": "09:15:00", "what": "dentist"}
INPUTS["v_json_list__given"] = {
    "records": [{"id": 1, "city": "Lyon"}, {"id": 2, "city": "Nantes", "vip": True}]
}
INPUTS["v_search_result_input_compose__given"] = {
    "result": {"answer": "Three suppliers stock it.", "sources": [{"url": "https://example.com/a"}]}
}
INPUTS["v_choice_field__given"] = {"synopsis": "A retired detective takes one last case in Marseille."}
INPUTS["v_html_input__given"] = {"fragment": "<p>Opening hours: <b>9-18</b></p>"}
INPUTS["v_markdown_input_compose__given"] = {"page": "# Install\n\nRun `make install`.", "title": "Install"}
INPUTS["v_hints_concepts__given"] = {"item": {"name": "Oak table", "notes": "Slight scratch"}, "count": 4}
INPUTS["v_dynamic_from_structured__given"] = {"contact": {"name": "Sam", "phone": "+33 6 12 34 56 78"}}
INPUTS["v_optional_structured_guard__given"] = {"tenant": "M. Roux"}
INPUTS["v_optional_structured_guard__guarantor"] = {"tenant": "M. Roux", "guarantor": {"name": "Mme Roux"}}
INPUTS["v_batch_shared_inputs__given"] = {
    "answers": ["Photosynthesis makes sugar from light.", "Plants eat soil."],
    "rubric": {"criteria": ["accuracy", "clarity"], "max_points": 10},
}
INPUTS["v_boolean_outcomes__small"] = {"basket": {"total": 12, "items": 1}}
INPUTS["v_choices_all_outcomes__given"] = {"order": {"channel": "phone", "customer": "Mr Diallo"}}
INPUTS["v_condition_in_batch__given"] = {
    "messages": [
        {"sender": "ana@example.org", "needs_reply": True},
        {"sender": "news@example.org", "needs_reply": False},
    ]
}
INPUTS["v_text_and_images_input__given"] = {"article": {"text": {"text": "A village rebuilds its bakery."}}}
INPUTS["v_fixed_list_inputs__given"] = {"article": "The city votes a car-free centre for Sundays."}

# --- multi-file libraries (folders) -------------------------------------------------------------------------------

FOLDERS["v_lib_bakery"] = {
    "bundle.mthds": """domain = "bakery"
description = "Entry point of the bakery method"
main_pipe = "daily_board"

[pipe.daily_board]
type = "PipeSequence"
description = "Today's specials, then the board"
inputs = { stock = "Text" }
output = "Text"
steps = [
    { pipe = "pick_specials", result = "specials" },
    { pipe = "write_board", result = "board" },
]
""",
    "specials.mthds": """domain = "bakery"
description = "Choosing the specials"

[concept.Special]
description = "A special of the day"

[concept.Special.structure]
name = { type = "text", description = "Name", required = true }
price = { type = "number", description = "Price", required = true }

[pipe.pick_specials]
type = "PipeLLM"
description = "Pick three specials"
inputs = { stock = "Text" }
output = "Special[3]"
prompt = "Pick three specials from what we have: $stock"
""",
    "board.mthds": """domain = "bakery"
description = "Writing the board"

[pipe.write_board]
type = "PipeCompose"
description = "The board"
inputs = { specials = "Special[3]" }
output = "Text"
template = "{% for s in specials %}{{ s.name }} - {{ s.price }} EUR\\n{% endfor %}"
""",
}
COVERS["v_lib_bakery"] = (
    "feature.multi_file_library controller.sequence operator.llm operator.compose".split()
)

FOLDERS["v_lib_two_domains"] = {
    "bundle.mthds": """domain = "support_desk"
description = "Entry point using a sibling domain"
main_pipe = "answer_ticket"

[pipe.answer_ticket]
type = "PipeSequence"
description = "Classify with the shared library, then answer"
inputs = { ticket = "Text" }
output = "Text"
steps = [
    { pipe = "shared_nlp.detect_language", result = "language" },
    { pipe = "write_answer", result = "answer" },
]

[pipe.write_answer]
type = "PipeLLM"
description = "Answer"
inputs = { ticket = "Text", language = "shared_nlp.Language" }
output = "Text"
prompt = "Answer this ticket in $language: $ticket"
""",
    "shared/nlp.mthds": """domain = "shared_nlp"
description = "Shared language tools"

[concept.Language]
description = "A language name"
refines = "Text"

[pipe.detect_language]
type = "PipeLLM"
description = "Detect"
inputs = { ticket = "Text" }
output = "Language"
prompt = "Which language is this written in? $ticket"
""",
}
COVERS["v_lib_two_domains"] = "feature.multi_file_library controller.sequence operator.llm".split()

FOLDERS["v_lib_forward_signature"] = {
    "bundle.mthds": """domain = "moving"
description = "Entry point with a forward-declared step"
main_pipe = "plan_move"

[concept.Inventory]
description = "What has to be moved"

[concept.Inventory.structure]
rooms = { type = "list", item_type = "text", description = "Rooms", required = true }
boxes = { type = "integer", description = "Estimated boxes", required = true }

[pipe.plan_move]
type = "PipeSequence"
description = "Inventory then quote"
inputs = { description = "Text" }
output = "Text"
steps = [
    { pipe = "take_inventory", result = "inventory" },
    { pipe = "quote_move", result = "quote" },
]

[pipe.quote_move]
type = "PipeSignature"
description = "Quote the move (defined in quotes.mthds)"
inputs = { inventory = "Inventory" }
output = "Text"
""",
    "inventory.mthds": """domain = "moving"
description = "Inventory"

[pipe.take_inventory]
type = "PipeLLM"
description = "Inventory"
inputs = { description = "Text" }
output = "Inventory"
prompt = "List the rooms and estimate the boxes: $description"
""",
    "quotes.mthds": """domain = "moving"
description = "Quotes"

[pipe.quote_move]
type = "PipeLLM"
description = "Quote"
inputs = { inventory = "Inventory" }
output = "Text"
prompt = "Quote a move of {{ inventory.boxes }} boxes from {{ inventory.rooms | length }} rooms."
""",
}
COVERS["v_lib_forward_signature"] = "feature.multi_file_library controller.sequence operator.llm".split()

FOLDERS["v_lib_concepts_file"] = {
    "bundle.mthds": """domain = "garden"
description = "Entry point; concepts live in their own file"
main_pipe = "plan_garden"

[pipe.plan_garden]
type = "PipeLLM"
description = "Plan"
inputs = { plot = "Plot" }
output = "PlantingPlan"
prompt = "Plan a vegetable garden for a $plot.area_m2 m2 plot facing $plot.orientation."
""",
    "concepts.mthds": """domain = "garden"
description = "Garden concepts"

[concept.Plot]
description = "A plot of land"

[concept.Plot.structure]
area_m2 = { type = "number", description = "Area", required = true }
orientation = { type = "text", description = "Facing", choices = ["north", "south", "east", "west"], required = true }

[concept.PlantingPlan]
description = "What to plant where"

[concept.PlantingPlan.structure]
rows = { type = "list", item_type = "text", description = "One line per row", required = true }
""",
}
COVERS["v_lib_concepts_file"] = "feature.multi_file_library feature.structured_output operator.llm".split()

FOLDERS["v_lib_batch_across_files"] = {
    "bundle.mthds": """domain = "photos_desk"
description = "Entry point: caption every photo with a pipe from another file"
main_pipe = "caption_all"

[pipe.caption_all]
type = "PipeBatch"
description = "Each photo"
inputs = { photos = "Image[]" }
output = "Text[]"
branch_pipe_code = "caption_one"
input_list_name = "photos"
input_item_name = "photo"
""",
    "captions.mthds": '''domain = "photos_desk"
description = "Captions"

[pipe.caption_one]
type = "PipeLLM"
description = "Caption"
inputs = { photo = "Image" }
output = "Text"
model = "$vision"
prompt = """
Caption this photo in ten words:
$photo
"""
''',
}
COVERS["v_lib_batch_across_files"] = (
    "feature.multi_file_library controller.batch native.image operator.llm".split()
)


# --- the same data in other TOML styles ------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _string(value: str, literal: bool) -> str:
    if "\n" in value:
        if literal and "'''" not in value:
            return "'''\n" + value + "'''"
        escaped = value.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        return '"""\n' + escaped + '"""'
    if literal and "'" not in value and "\r" not in value:
        return "'" + value + "'"
    return json.dumps(value, ensure_ascii=False)


def _scalar(value: Any, literal: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _string(value, literal)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v, literal) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(v, literal)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def _table_lines(path: list[str], table: dict[str, Any], style: str) -> list[str]:
    """``table`` written under ``[path]``: scalars first, then nested tables as sub-tables (style "subtables")
    or as dotted keys (style "dotted"); lists of tables as arrays of tables in the style "subtables"."""
    literal = style == "literal"
    head: list[str] = []
    tail: list[str] = []
    for key, value in table.items():
        if isinstance(value, dict) and style == "subtables" and value:
            tail += ["", "[" + ".".join(_key(p) for p in [*path, key]) + "]"]
            tail += _table_lines([*path, key], value, style)
        elif isinstance(value, dict) and style == "dotted" and value:
            for sub_key, sub_value in value.items():
                if isinstance(sub_value, dict) and sub_value:
                    for leaf_key, leaf_value in sub_value.items():
                        head.append(
                            f"{_key(key)}.{_key(sub_key)}.{_key(leaf_key)} = {_scalar(leaf_value, False)}"
                        )
                else:
                    head.append(f"{_key(key)}.{_key(sub_key)} = {_scalar(sub_value, False)}")
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) for v in value)
            and style == "subtables"
        ):
            for item in value:
                tail += ["", "[[" + ".".join(_key(p) for p in [*path, key]) + "]]"]
                tail += [f"{_key(k)} = {_scalar(v, False)}" for k, v in item.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            head.append(f"{_key(key)} = [")
            head += [f"  {_scalar(v, literal)}," for v in value]
            head.append("]")
        else:
            head.append(f"{_key(key)} = {_scalar(value, literal)}")
    return head + tail


def restyle(text: str, style: str) -> str:
    """``text`` (a bundle) written again in a TOML style that holds the same data:

    - ``subtables``: every inline table a sub-table, every array of inline tables an array of tables;
    - ``dotted``: nested tables of a pipe or concept as dotted keys (``inputs.review = "Review"``);
    - ``literal``: strings as literal strings (``'...'``, ``'''...'''``) where they can be;
    - ``inline_concepts``: each concept as one inline table under ``[concept]``, comments and padded ``=``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:  # TOML 1.1 (inline tables over lines): the reference's grammar
        import tomli  # noqa: PLC0415 - a dependency of pipelex, needed only here

        data = tomli.loads(text)
    out: list[str] = []
    top = {k: v for k, v in data.items() if k not in ("concept", "pipe")}
    if style == "inline_concepts":
        out.append("# generated in another style: the same data")
        out += [f"{_key(k)}   =   {_scalar(v, False)}   # header" for k, v in top.items()]
    else:
        out += _table_lines([], top, "literal" if style == "literal" else "inline")
    concepts = data.get("concept") or {}
    if "concept" in data and not concepts:
        out += ["", "[concept]"]
    if concepts:
        if style == "inline_concepts":
            out += ["", "[concept]  # every concept inline"]
            out += [f"{_key(code)} = {_scalar(spec, False)}" for code, spec in concepts.items()]
        else:
            plain = {code: spec for code, spec in concepts.items() if isinstance(spec, str)}
            if plain:
                out += ["", "[concept]"]
                out += [f"{_key(code)} = {_scalar(spec, style == 'literal')}" for code, spec in plain.items()]
            for code, spec in concepts.items():
                if isinstance(spec, dict):
                    out += ["", f"[concept.{_key(code)}]"]
                    out += _table_lines(["concept", code], spec, style)
    for code, spec in (data.get("pipe") or {}).items():
        out += ["", f"[pipe.{_key(code)}]" + ("    # a pipe" if style == "inline_concepts" else "")]
        lines = _table_lines(["pipe", code], spec, "inline" if style == "inline_concepts" else style)
        if style == "inline_concepts":
            lines = [ln.replace(" = ", "\t=  ", 1) if not ln.startswith(" ") else ln for ln in lines]
        out += lines
    return "\n".join(out) + "\n"


STYLES = ("subtables", "dotted", "literal", "inline_concepts")


def cases() -> dict[str, str | dict[str, str]]:
    """Each base, and each base again in two of the other TOML styles (rotating); each folder as written."""
    out: dict[str, str | dict[str, str]] = {}
    for number, (name, text) in enumerate(BASES.items()):
        out[f"{name}__base"] = text
        for style in (STYLES[number % len(STYLES)], STYLES[(number + 1) % len(STYLES)]):
            out[f"{name}__{style}"] = restyle(text, style)
    for name, files in FOLDERS.items():
        out[f"{name}__base"] = files
    for name in INPUTS:  # ``base__given``: the base again, dry-run with that inputs file (not the base's own)
        base_name, _, variant = name.partition("__")
        if variant:
            out[name] = BASES[base_name]
    return out


def case_inputs() -> dict[str, str]:
    """Inputs JSON by case name: a base's inputs reach the base and its restyled forms; ``INPUTS["base__given"]``
    is a case of its own."""
    by_case: dict[str, str] = {}
    for name in cases():
        given = INPUTS.get(name) if name in INPUTS else INPUTS.get(name.partition("__")[0])
        if given is not None:
            by_case[name] = json.dumps(given, ensure_ascii=False)
    return by_case


def tag_counts() -> dict[str, int]:
    """How many bases (single files and folders) cover each tag (a base with an inputs file of bare values
    covers ``feature.smart_inputs``)."""
    counts: dict[str, int] = {}
    given = {name.partition("__")[0] for name in INPUTS}
    for name, tags in COVERS.items():
        for tag in {*tags, *(["feature.smart_inputs"] if name in given else [])}:
            counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items()))

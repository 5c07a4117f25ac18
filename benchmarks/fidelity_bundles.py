"""Bundles written the way users write them, and mutations of them that each break (or bend) one rule.

``benchmarks/fidelity.py`` writes these into a folder and compares the verdicts of this pipelex and of the
reference on each. A base bundle is valid in the language (every pipe kind, structured and list outputs,
images, refinements, natives, multiplicities, cross-domain references, ``main_pipe``); a mutation is a plain
text substitution ``(old, new)`` applied to every base that contains ``old`` (so one mutation reaches each pipe
kind that has the construct). A mutation whose ``old`` is absent from a base is skipped for that base.

The mutations target the rules of ``/work/shared/MTHDS-REFERENCE.md`` (sections 1 and 5) and the reference's
published documentation: some are invalid, some are the same bundle written another valid way (a near miss
that a checker too strict would reject). Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

BASES: dict[str, str] = {}

BASES["review_triage"] = '''domain = "review_triage"
description = "Sort customer reviews and answer the angry ones"
main_pipe = "triage_review"

[concept]
Review = "A customer review as posted on the shop"
Reply = "A reply to a customer"

[concept.Sentiment]
description = "How the customer feels"
refines = "Text"

[concept.ReviewAnalysis]
description = "What the review says"

[concept.ReviewAnalysis.structure]
score = { type = "integer", description = "Stars from 1 to 5", required = true }
topics = { type = "list", item_type = "text", description = "Topics raised", required = true }
is_angry = { type = "boolean", description = "Is the customer angry", required = true }
mood = { type = "text", description = "Overall mood", choices = ["happy", "neutral", "angry"] }
summary = "One sentence summary"

[pipe.triage_review]
type = "PipeSequence"
description = "Analyse then reply"
inputs = { review = "Review" }
output = "Reply"
steps = [
    { pipe = "analyse_review", result = "analysis" },
    { pipe = "write_reply", result = "reply" },
]

[pipe.analyse_review]
type = "PipeLLM"
description = "Analyse a review"
inputs = { review = "Review" }
output = "ReviewAnalysis"
model = "$writing-factual"
system_prompt = "You are a careful customer service analyst."
prompt = """
Analyse this review:

@review

Give the score, topics and mood.
"""

[pipe.write_reply]
type = "PipeLLM"
description = "Write the reply"
inputs = { review = "Review", analysis = "ReviewAnalysis" }
output = "Reply"
prompt = """
The customer wrote:
@review

Our analysis says the mood is $analysis.mood and the score is $analysis.score.
Write a short, polite reply.
"""
'''

BASES["photo_catalog"] = '''domain = "photo_catalog"
description = "Describe product photos and generate a banner"
main_pipe = "build_catalog"

[concept.ProductPhoto]
description = "A photo of a product"
refines = "Image"

[concept.ProductCard]
description = "A product card for the catalog"

[concept.ProductCard.structure]
name = { type = "text", description = "Product name", required = true }
colors = { type = "list", item_type = "text", description = "Visible colours" }
price_guess = { type = "number", description = "A guessed price in EUR" }

[concept.BannerPrompt]
description = "A prompt for an image generator"
refines = "Text"

[pipe.build_catalog]
type = "PipeSequence"
description = "Cards for each photo, then a banner"
inputs = { photos = "ProductPhoto[]", brand = "Text" }
output = "Image"
steps = [
    { pipe = "describe_photo", batch_over = "photos", batch_as = "photo", result = "cards" },
    { pipe = "write_banner_prompt", result = "banner_prompt" },
    { pipe = "draw_banner", result = "banner" },
]

[pipe.describe_photo]
type = "PipeLLM"
description = "Describe one photo"
inputs = { photo = "ProductPhoto" }
output = "ProductCard"
model = "$vision"
prompt = """
Describe the product in this photo:
$photo
"""

[pipe.write_banner_prompt]
type = "PipeLLM"
description = "Write a banner prompt"
inputs = { cards = "ProductCard[]", brand = "Text" }
output = "BannerPrompt"
prompt = """
Write an image prompt for a banner of the brand $brand showing these products:
@cards
"""

[pipe.draw_banner]
type = "PipeImgGen"
description = "Draw the banner"
inputs = { banner_prompt = "BannerPrompt" }
output = "Image"
prompt = "$banner_prompt"
aspect_ratio = "landscape_16_9"
'''

BASES["invoice_reader"] = '''domain = "invoice_reader"
description = "Read invoices from PDF files"
main_pipe = "read_invoice"

[concept.Invoice]
description = "An invoice as a PDF"
refines = "Document"

[concept.LineItem]
description = "One line of an invoice"

[concept.LineItem.structure]
label = { type = "text", description = "What was bought", required = true }
quantity = { type = "integer", description = "How many", required = true }
unit_price = { type = "number", description = "Price of one", required = true }

[concept.InvoiceData]
description = "The data of an invoice"

[concept.InvoiceData.structure]
vendor = { type = "text", description = "Who sold", required = true }
issued_on = { type = "date", description = "Date of issue" }
lines = { type = "list", item_type = "concept", item_concept_ref = "LineItem", description = "Lines", required = true }
total = { type = "number", description = "Total amount", required = true }

[pipe.read_invoice]
type = "PipeSequence"
description = "Extract pages then the data"
inputs = { invoice = "Invoice" }
output = "InvoiceData"
steps = [
    { pipe = "extract_pages", result = "pages" },
    { pipe = "parse_invoice", result = "invoice_data" },
]

[pipe.extract_pages]
type = "PipeExtract"
description = "OCR the invoice"
inputs = { invoice = "Invoice" }
output = "Page[]"
model = "@default-extract-document"

[pipe.parse_invoice]
type = "PipeLLM"
description = "Parse the invoice pages"
inputs = { pages = "Page[]" }
output = "InvoiceData"
prompt = """
Extract the invoice data from these pages:
@pages
"""
'''

BASES["news_digest"] = '''domain = "news_digest"
description = "Summaries in parallel, then a composed digest"
main_pipe = "make_digest"

[concept]
Article = "A news article"

[concept.Digest]
description = "A digest of an article"

[concept.Digest.structure]
headline = { type = "text", description = "The headline", required = true }
summary = { type = "text", description = "The summary", required = true }
word_count = { type = "integer", description = "Words in the article" }

[concept.DigestParts]
description = "The parts written in parallel"

[concept.DigestParts.structure]
headline = { type = "concept", concept_ref = "Text", description = "The headline", required = true }
summary = { type = "concept", concept_ref = "Text", description = "The summary", required = true }

[pipe.make_digest]
type = "PipeSequence"
description = "Parallel parts then compose"
inputs = { article = "Article" }
output = "Digest"
steps = [
    { pipe = "write_parts", result = "parts" },
    { pipe = "compose_digest", result = "digest" },
]

[pipe.write_parts]
type = "PipeParallel"
description = "Headline and summary at once"
inputs = { article = "Article" }
output = "DigestParts"
add_each_output = true
branches = [
    { pipe = "write_headline", result = "headline" },
    { pipe = "write_summary", result = "summary" },
]

[pipe.write_headline]
type = "PipeLLM"
description = "Headline"
inputs = { article = "Article" }
output = "Text"
prompt = "Write a headline for: $article"

[pipe.write_summary]
type = "PipeLLM"
description = "Summary"
inputs = { article = "Article" }
output = "Text"
prompt = """
Summarize in three sentences:
@article
"""

[pipe.compose_digest]
type = "PipeCompose"
description = "Assemble the digest"
inputs = { headline = "Text", summary = "Text" }
output = "Digest"

[pipe.compose_digest.construct]
headline = { from = "headline.text" }
summary = { template = "In short: $summary" }
word_count = 120
'''

BASES["ticket_router"] = """domain = "ticket_router"
description = "Route support tickets by category"
main_pipe = "route_ticket"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
body = { type = "text", description = "Body", required = true }
category = { type = "text", description = "Category", choices = ["billing", "bug", "other"], required = true }

[concept]
Answer = "An answer to a ticket"

[pipe.route_ticket]
type = "PipeCondition"
description = "Pick a handler from the category"
inputs = { ticket = "Ticket" }
output = "Answer"
expression = "ticket.category"
default_outcome = "answer_generic"

[pipe.route_ticket.outcomes]
billing = "answer_billing"
bug = "answer_bug"

[pipe.answer_billing]
type = "PipeLLM"
description = "Billing answer"
inputs = { ticket = "Ticket" }
output = "Answer"
prompt = "Answer this billing question: $ticket.title. Details: $ticket.body"

[pipe.answer_bug]
type = "PipeLLM"
description = "Bug answer"
inputs = { ticket = "Ticket" }
output = "Answer"
prompt = "Acknowledge this bug report: $ticket.title"

[pipe.answer_generic]
type = "PipeCompose"
description = "Generic answer"
inputs = { ticket = "Ticket" }
output = "Answer"
template = "Thanks, we received your ticket '$ticket.title' and will answer soon."
"""

BASES["quiz_batch"] = '''domain = "quiz_maker"
description = "Questions for every chapter"
main_pipe = "quiz_all_chapters"

[concept]
Chapter = "A chapter of a course"

[concept.Question]
description = "A quiz question"

[concept.Question.structure]
question = { type = "text", description = "The question", required = true }
answers = { type = "list", item_type = "text", description = "Possible answers", required = true }
correct_index = { type = "integer", description = "Index of the right answer", required = true }

[pipe.quiz_all_chapters]
type = "PipeBatch"
description = "Questions for each chapter"
inputs = { chapters = "Chapter[]" }
output = "Question[]"
branch_pipe_code = "quiz_one_chapter"
input_list_name = "chapters"
input_item_name = "chapter"

[pipe.quiz_one_chapter]
type = "PipeLLM"
description = "Three questions on one chapter"
inputs = { chapter = "Chapter" }
output = "Question[3]"
prompt = """
Write three quiz questions on this chapter:
@chapter
"""
'''

BASES["recipe_func"] = '''domain = "recipes"
description = "Scale a recipe with a function and format it"
main_pipe = "scale_and_format"

[concept.Recipe]
description = "A recipe"

[concept.Recipe.structure]
title = { type = "text", description = "Title", required = true }
servings = { type = "integer", description = "Servings", required = true }
ingredients = { type = "list", item_type = "text", description = "Ingredients", required = true }

[concept.ScaledRecipe]
description = "A recipe scaled to a number of servings"
refines = "recipes.Recipe"

[pipe.scale_and_format]
type = "PipeSequence"
description = "Scale then format"
inputs = { recipe = "Recipe", servings = "Number" }
output = "Markdown"
steps = [
    { pipe = "scale_recipe", result = "scaled" },
    { pipe = "format_recipe", result = "card" },
]

[pipe.scale_recipe]
type = "PipeFunc"
description = "Scale the quantities"
inputs = { recipe = "Recipe", servings = "Number" }
output = "ScaledRecipe"
function_name = "recipes_lib.scaling.scale_recipe"

[pipe.format_recipe]
type = "PipeCompose"
description = "Format as markdown"
inputs = { scaled = "ScaledRecipe" }
output = "Markdown"
template = """
# {{ scaled.title }}

Serves {{ scaled.servings }}.

{% for item in scaled.ingredients %}- {{ item }}
{% endfor %}
"""
'''

BASES["travel_plan"] = '''domain = "travel.planning"
description = "Plan a trip with optional preferences"
main_pipe = "plan_trip"

[concept.TripRequest]
description = "What the traveller asks for"

[concept.TripRequest.structure]
destination = { type = "text", description = "Where", required = true }
days = { type = "integer", description = "How many days", required = true }
budget = { type = "number", description = "Budget in EUR" }

[concept.DayPlan]
description = "The plan for one day"

[concept.DayPlan.structure]
morning = "Morning activity"
afternoon = "Afternoon activity"
evening = "Evening activity"

[concept]
Itinerary = "A full itinerary as text"

[pipe.plan_trip]
type = "PipeSequence"
description = "Days then the itinerary"
inputs = { request = "TripRequest", preferences = "Text?" }
output = "Itinerary"
steps = [
    { pipe = "plan_days", result = "days" },
    { pipe = "write_itinerary", result = "itinerary" },
]

[pipe.plan_days]
type = "PipeLLM"
description = "Plan each day"
inputs = { request = "TripRequest", preferences = "Text?" }
output = "DayPlan[]"
model = { model = "@default-general", temperature = 0.7 }
prompt = """
Plan $request.days days in $request.destination.
@?preferences
"""

[pipe.write_itinerary]
type = "PipeLLM"
description = "Write the itinerary"
inputs = { request = "TripRequest", days = "DayPlan[]" }
output = "Itinerary"
prompt = """
Write an itinerary for $request.destination from these day plans:
@days
"""
'''

BASES["cross_domain"] = '''domain = "hr.screening"
description = "Screen a CV against a job offer"
main_pipe = "screen_cv"

[concept.JobOffer]
description = "A job offer"
refines = "Text"

[concept.CandidateCV]
description = "A CV"
refines = "Document"

[concept.Screening]
description = "A screening result"

[concept.Screening.structure]
fit = { type = "concept", concept_ref = "YesNo", description = "Is it a fit", required = true }
reasons = { type = "list", item_type = "text", description = "Reasons" }
rating = { type = "integer", description = "From 0 to 10", required = true }

[pipe.screen_cv]
type = "PipeSequence"
description = "Read the CV then judge it"
inputs = { cv = "CandidateCV", offer = "hr.screening.JobOffer" }
output = "hr.screening.Screening"
steps = [
    { pipe = "read_cv", result = "cv_pages" },
    { pipe = "judge_cv", result = "screening" },
]

[pipe.read_cv]
type = "PipeExtract"
description = "Extract the CV text"
inputs = { cv = "CandidateCV" }
output = "Page[]"

[pipe.judge_cv]
type = "PipeLLM"
description = "Judge the CV"
inputs = { cv_pages = "Page[]", offer = "JobOffer" }
output = "Screening"
model = "$deep-analysis"
prompt = """
Job offer:
@offer

CV:
@cv_pages

Is the candidate a fit? Rate from 0 to 10 and give reasons.
"""
'''

BASES["listing_nested"] = '''domain = "real_estate"
description = "Listings: photos in, descriptions and a flyer out"
main_pipe = "make_flyer"

[concept.Listing]
description = "A property listing"

[concept.Listing.structure]
address = { type = "text", description = "Address", required = true }
rooms = { type = "integer", description = "Rooms", required = true }
photo = { type = "concept", concept_ref = "Image", description = "Main photo", required = true }

[concept.Flyer]
description = "A flyer text"
refines = "Markdown"

[pipe.make_flyer]
type = "PipeSequence"
description = "Describe, then a flyer and a picture in parallel"
inputs = { listing = "Listing" }
output = "Composite"
steps = [
    { pipe = "describe_listing", result = "description" },
    { pipe = "flyer_and_picture", result = "bundle" },
]

[pipe.describe_listing]
type = "PipeLLM"
description = "Describe the property"
inputs = { listing = "Listing" }
output = "Text"
model = "$vision"
prompt = """
Describe the property at $listing.address with $listing.rooms rooms.
$listing.photo
"""

[pipe.flyer_and_picture]
type = "PipeParallel"
description = "Flyer and illustration"
inputs = { description = "Text" }
output = "Composite"
branches = [
    { pipe = "write_flyer", result = "flyer" },
    { pipe = "draw_pictures", result = "pictures" },
]

[pipe.write_flyer]
type = "PipeLLM"
description = "Flyer"
inputs = { description = "Text" }
output = "Flyer"
prompt = "Write a markdown flyer from: $description"

[pipe.draw_pictures]
type = "PipeImgGen"
description = "Two illustrations"
inputs = { description = "Text" }
output = "Image[2]"
prompt = "A warm illustration of this home: $description"
negative_prompt = "people, text"
'''

BASES["judge_yesno"] = '''domain = "moderation"
description = "Decide whether a comment is acceptable"
main_pipe = "moderate"

[concept]
Comment = "A user comment"

[concept.Verdict]
description = "Acceptable or not"
refines = "YesNo"

[pipe.moderate]
type = "PipeSequence"
description = "Judge then explain"
inputs = { comment = "Comment" }
output = "Text"
steps = [
    { pipe = "judge_comment", result = "verdict" },
    { pipe = "explain_verdict", result = "explanation" },
]

[pipe.judge_comment]
type = "PipeLLM"
description = "Is it acceptable"
inputs = { comment = "Comment" }
output = "Verdict"
prompt = "Is this comment acceptable on a family forum? $comment"

[pipe.explain_verdict]
type = "PipeLLM"
description = "Explain"
inputs = { comment = "Comment", verdict = "Verdict" }
output = "Text"
prompt = """
Comment: $comment
Acceptable: {{ verdict.yes_no }}
Explain the decision in one sentence.
"""
'''

BASES["supplier_desk"] = '''domain = "supplier_desk"
description = "Find suppliers, judge the answer, structure it and print a sheet"
main_pipe = "handle_request"

[concept]
PartRequest = "A request for a hard-to-source part"

[concept.Urgency]
description = "How urgent the request is"
refines = "Rating"

[concept.RequestReview]
description = "What a review of the request found"

[concept.RequestReview.structure]
urgent = { type = "concept", concept_ref = "YesNo", description = "Needs an answer today", required = true }
team = { type = "concept", concept_ref = "Choice", description = "Team that handles it", required = true }

[concept.SupplierSheet]
description = "The suppliers found, as fields"

[concept.SupplierSheet.structure]
part = { type = "text", description = "The part", required = true }
suppliers = { type = "list", item_type = "text", description = "Supplier names", required = true }

[concept.PrintedSheet]
description = "The sheet as a printable page"
refines = "Document"

[pipe.handle_request]
type = "PipeSequence"
description = "Search, review, structure, print"
inputs = { request = "PartRequest" }
output = "PrintedSheet"
steps = [
    { pipe = "find_suppliers", result = "search" },
    { pipe = "review_request", result = "review" },
    { pipe = "structure_answer", result = "sheet" },
    { pipe = "print_sheet", result = "printed" },
]

[pipe.find_suppliers]
type = "PipeSearch"
description = "Look up suppliers"
inputs = { request = "PartRequest" }
output = "SearchResult"
prompt = "Which suppliers currently stock this part: $request?"
max_results = 5

[pipe.review_request]
type = "PipeJudge"
description = "Judge the request"
inputs = { request = "PartRequest" }
output = "RequestReview"
model = "@default-judgment"
prompt = """
The request:
@request
"""

[pipe.review_request.questions.urgent]
question = "Does this need an answer today?"
criteria = { yes = "Production is blocked", no = "It can wait" }
threshold = 0.7

[pipe.review_request.questions.team]
question = "Which team handles it?"
options = { purchasing = "Buying parts", engineering = "Finding alternatives" }

[pipe.structure_answer]
type = "PipeStructure"
description = "Turn the request into fields"
inputs = { request = "PartRequest" }
output = "SupplierSheet"

[pipe.print_sheet]
type = "PipeDocGen"
description = "Print the sheet"
inputs = { sheet = "SupplierSheet" }
output = "PrintedSheet"
format = "pdf"
filename = "suppliers-{{ sheet.part }}"
'''

# --- second pass: long methods, deep nesting, unusual but valid TOML -----------------------------------------

BASES["contract_review"] = """# Contract review: extract, read each page, branch on risk
domain = "legal.contracts"
description = \'\'\'Read a contract page by page,
flag the risky clauses and write a memo\'\'\'
main_pipe = "review_contract"
system_prompt = "You are a careful contracts lawyer."

[concept.Clause]
description = "One clause of a contract"
structure.title = { type = "text", description = "Clause title", required = true }
structure.body = { type = "text", description = "Clause text", required = true }
structure.risk = { type = "text", description = "Risk level", choices = ["low", "medium", "high"], required = true }
structure.tags = { type = "list", item_type = "text", description = "Topics" }
structure.penalty = { type = "number", description = "Penalty amount, if any" }

[concept.PageReading]
description = "What one page says"

  [concept.PageReading.structure]
  clauses = { type = "list", item_type = "concept", item_concept_ref = "legal.contracts.Clause", description = "Clauses on the page", required = true }
  page_summary = "One line on the page"
  has_signature = { type = "boolean", description = "A signature block is on the page", default_value = false }

[concept.RiskMemo]
description = "A memo for the legal team"
refines = "Markdown"

[concept.UrgentMemo]
description = "A memo flagged urgent"
refines = "legal.contracts.RiskMemo"

[pipe.review_contract]
type = "PipeSequence"
description = "Pages, readings, verdict, memo"
inputs = { contract = "Document", brief = "Text?" }
output = "RiskMemo"
steps = [
  { pipe = "extract_pages", result = "pages" },                                  # OCR first
  { pipe = "read_page", batch_over = "pages", batch_as = "page", result = "readings" },
  { pipe = "pick_memo", result = "memo" },
]

[pipe.extract_pages]
type = "PipeExtract"
description = "OCR the contract"
inputs = { contract = "Document" }
output = "Page[]"
page_views = true

[pipe.read_page]
type = "PipeLLM"
description = "Read one page"
inputs.page = "Page"
output = "PageReading"
model = { model = "@default-general", temperature = 0.1, max_tokens = 2000 }
prompt = \'\'\'
Read this page of a contract and list its clauses:

@page
\'\'\'

[pipe.pick_memo]
type = "PipeCondition"
description = "Urgent memo when any clause is high risk"
inputs = { readings = "PageReading[]", brief = "Text?" }
output = "RiskMemo"
expression_template = "{% if readings | selectattr('page_summary') | list | length > 3 %}long{% else %}short{% endif %}"
default_outcome = "write_memo"

[pipe.pick_memo.outcomes]
long = "write_urgent_memo"

[pipe.write_memo]
type = "PipeLLM"
description = "Memo"
inputs = { readings = "PageReading[]", brief = "Text?" }
output = "RiskMemo"
prompt = \'\'\'
Write a memo from these readings:
@readings
@?brief
\'\'\'

[pipe.write_urgent_memo]
type = "PipeLLM"
description = "Urgent memo"
inputs = { readings = "PageReading[]", brief = "Text?" }
output = "RiskMemo"
prompt = \'\'\'
Write an URGENT memo from these readings:
@readings
{% if brief is defined %}Brief: {{ brief.text }}{% endif %}
\'\'\'
"""

BASES["event_planner"] = """domain = "events"
description = "Plan an event: venues and menus in parallel, each a batch, inside a sequence"
main_pipe = "plan_event"

[concept]
EventBrief = "What the organiser wants"
Venue = "A candidate venue"
MenuIdea = "A menu idea"
Invitation = "The invitation text"

[concept.EventPlan]
description = "Venues and menus found in parallel"

[concept.EventPlan.structure]
venues = { type = "list", item_type = "concept", item_concept_ref = "Venue", description = "Venues", required = true }
menus = { type = "list", item_type = "concept", item_concept_ref = "MenuIdea", description = "Menus", required = true }

[concept.GuestList]
description = "The guests"

[concept.GuestList.structure]
names = { type = "list", item_type = "text", description = "Guest names", required = true }
vip = { type = "dict", key_type = "text", value_type = "boolean", description = "VIP by name" }

[pipe.plan_event]
type = "PipeSequence"
description = "Ideas, then plan, then invitation"
inputs = { brief = "EventBrief", guests = "GuestList" }
output = "Invitation"
steps = [
    { pipe = "list_themes", result = "themes" },
    { pipe = "plan_in_parallel", result = "plan" },
    { pipe = "write_invitation", result = "invitation" },
]

[pipe.list_themes]
type = "PipeLLM"
description = "Themes"
inputs = { brief = "EventBrief" }
output = "Text[3]"
prompt = "Three themes for this event: $brief"

[pipe.plan_in_parallel]
type = "PipeParallel"
description = "Venues and menus at once"
inputs = { themes = "Text[]" }
output = "EventPlan"
branches = [
    { pipe = "find_venues", result = "venues" },
    { pipe = "suggest_menus", result = "menus" },
]

[pipe.find_venues]
type = "PipeBatch"
description = "A venue per theme"
inputs = { themes = "Text[]" }
output = "Venue[]"
branch_pipe_code = "find_venue"
input_list_name = "themes"
input_item_name = "theme"

[pipe.find_venue]
type = "PipeLLM"
description = "One venue"
inputs = { theme = "Text" }
output = "Venue"
prompt = "A venue for a $theme party"

[pipe.suggest_menus]
type = "PipeBatch"
description = "A menu per theme"
inputs = { themes = "Text[]" }
output = "MenuIdea[]"
branch_pipe_code = "suggest_menu"
input_list_name = "themes"
input_item_name = "theme"

[pipe.suggest_menu]
type = "PipeSequence"
description = "Draft then polish a menu"
inputs = { theme = "Text" }
output = "MenuIdea"
steps = [
    { pipe = "draft_menu", result = "draft" },
    { pipe = "polish_menu", result = "menu" },
]

[pipe.draft_menu]
type = "PipeLLM"
description = "Draft"
inputs = { theme = "Text" }
output = "MenuIdea"
prompt = "A menu for a $theme party"

[pipe.polish_menu]
type = "PipeLLM"
description = "Polish"
inputs = { draft = "MenuIdea" }
output = "MenuIdea"
prompt = "Polish this menu: $draft"

[pipe.write_invitation]
type = "PipeCompose"
description = "Invitation"
inputs = { plan = "EventPlan", guests = "GuestList" }
output = "Invitation"
template = \'\'\'
Dear {{ guests.names | join(", ") }},
we have {{ plan.venues | length }} venues in mind.
\'\'\'
"""

BASES["support_library"] = """domain = "support.core"
description = "Shared support concepts and a gated reply"
main_pipe = "gated_reply"

[concept]
Message = "A customer message"

[concept.Reply]
description = "A reply"
refines = "Text"

[concept.Verdict]
description = "Is the message answerable"

[concept.Verdict.structure]
answerable = { type = "boolean", description = "Can we answer it", required = true }
reason = { type = "text", description = "Why" }

[pipe.gated_reply]
type = "PipeSequence"
description = "Check, then reply or stop"
inputs = { message = "Message" }
output = "Reply?"
steps = [
    { pipe = "check_message", result = "verdict" },
    { pipe = "maybe_reply", result = "reply" },
]

[pipe.check_message]
type = "PipeLLM"
description = "Check"
inputs = { message = "Message" }
output = "Verdict"
prompt = "Can we answer this? $message"

[pipe.maybe_reply]
type = "PipeCondition"
description = "Reply only when answerable"
inputs = { verdict = "Verdict", message = "Message" }
output = "Reply?"
expression = "verdict.answerable"
default_outcome = "continue"
outcomes = { "True" = "write_reply", "False" = "continue" }

[pipe.write_reply]
type = "PipeLLM"
description = "Reply"
inputs = { message = "Message" }
output = "Reply"
prompt = "Reply kindly to: $message"
"""

# (old, new): applied to each base that contains ``old``
BASES["field_notes"] = '''# Field notes: a naturalist's log, turned into a short digest
domain = "field_notes"
description = "Turn a naturalist's notes into a digest — with a title"
main_pipe = "make_digest"

[concept]
Note = "A raw field note"   # shorthand concept
Digest = 'A digest of the notes'

[concept.Sighting]
description = "One sighting"
[concept.Sighting.structure]
species = { type = "text", description = "Species seen", required = true }
count = { type = "integer", description = "How many", required = true }
place = "Where it was seen"

[pipe.make_digest]
type = "PipeSequence"
description = "Read the notes, then write the digest"
inputs = { notes = "Note[]", title = "native.Text" }
output = "Digest"
steps = [
    { pipe = "list_sightings", result = "sightings" },
    { pipe = "write_digest", result = "digest" },
]

[pipe.list_sightings]
type = "PipeLLM"
description = "Pull the sightings out of the notes"
inputs = { notes = "Note[]" }
output = "Sighting[]"
prompt = """
List every sighting in these notes, \\
    in the order they were written:
@notes
"""

[pipe.write_digest]
type = "PipeLLM"
description = "Write the digest"
inputs.sightings = "field_notes.Sighting[]"
inputs.title = "Text"
output = "field_notes.Digest"
prompt = \'\'\'Write a digest titled "$title" of these sightings:
@sightings\'\'\'
'''

# mutations of one base only (lexical corners: spellings of references, multiplicities, names, TOML)
BASE_MUTATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "field_notes": {
        # concept reference spellings
        "cref_native_lower": ('title = "native.Text"', 'title = "native.text"'),
        "cref_lower": ('title = "native.Text"', 'title = "text"'),
        "cref_native_cap": ('title = "native.Text"', 'title = "Native.Text"'),
        "cref_own_domain_lower": ('output = "field_notes.Digest"', 'output = "field_notes.digest"'),
        "cref_other_domain": ('output = "field_notes.Digest"', 'output = "other_notes.Digest"'),
        "cref_upper_domain": ('output = "field_notes.Digest"', 'output = "Field_notes.Digest"'),
        "cref_space": ('inputs.title = "Text"', 'inputs.title = " Text"'),
        "cref_trailing_space": ('inputs.title = "Text"', 'inputs.title = "Text "'),
        "cref_native_structured": ('output = "Sighting[]"', 'output = "native.Sighting[]"'),
        # multiplicity spellings
        "mult_space_inside": ('inputs = { notes = "Note[]" }', 'inputs = { notes = "Note[ ]" }'),
        "mult_space_before": ('inputs = { notes = "Note[]" }', 'inputs = { notes = "Note []" }'),
        "mult_zero": ('output = "Sighting[]"', 'output = "Sighting[0]"'),
        "mult_negative": ('output = "Sighting[]"', 'output = "Sighting[-1]"'),
        "mult_leading_zero": ('output = "Sighting[]"', 'output = "Sighting[03]"'),
        "mult_plus": ('output = "Sighting[]"', 'output = "Sighting[+3]"'),
        "mult_double": ('inputs = { notes = "Note[]" }', 'inputs = { notes = "Note[][]" }'),
        "mult_list_optional": ('inputs = { notes = "Note[]" }', 'inputs = { notes = "Note[]?" }'),
        "mult_optional_list": ('inputs = { notes = "Note[]" }', 'inputs = { notes = "Note?[]" }'),
        "mult_fixed_optional_out": ('output = "Sighting[]"', 'output = "Sighting[3]?"'),
        "mult_big": ('output = "Sighting[]"', 'output = "Sighting[100000]"'),
        # code names
        "concept_code_digits": ("Digest = 'A digest", "Digest2 = 'A digest"),
        "concept_code_allcaps": ("[concept.Sighting]\n", "[concept.SIGHTING]\n"),
        "concept_code_underscore": ('Note = "A raw', 'Field_Note = "A raw'),
        "concept_code_unicode": ('Note = "A raw', 'Notë = "A raw'),
        "pipe_code_unicode": ("[pipe.write_digest]", "[pipe.écrire_digest]"),
        "pipe_code_mid_upper": ("[pipe.write_digest]", "[pipe.write_Digest]"),
        "pipe_code_double_underscore": ("[pipe.write_digest]", "[pipe.write__digest]"),
        "pipe_code_trailing_underscore": ("[pipe.write_digest]", "[pipe.write_digest_]"),
        "pipe_code_quoted": ("[pipe.write_digest]", '[pipe."write_digest"]'),
        "pipe_code_hyphen_quoted": ("[pipe.list_sightings]", '[pipe."list-sightings"]'),
        "pipe_code_leading_underscore": ("[pipe.write_digest]", "[pipe._write_digest]"),
        "input_name_upper": ('inputs.title = "Text"', 'inputs.Title = "Text"'),
        "input_name_digit": ('inputs.title = "Text"', 'inputs.title2 = "Text"'),
        "input_name_keyword": ('inputs.title = "Text"', 'inputs.class = "Text"'),
        "input_name_unicode": ('inputs.title = "Text"', 'inputs.titré = "Text"'),
        "result_name_upper": ('result = "sightings" }', 'result = "Sightings" }'),
        "result_name_keyword": ('result = "digest" }', 'result = "import" }'),
        "result_name_hyphen": ('result = "digest" }', 'result = "the-digest" }'),
        "field_name_unicode": ('place = "Where', 'lieu_dé = "Where'),
        "field_name_upper": ('place = "Where', 'Place = "Where'),
        "domain_unicode": ('domain = "field_notes"', 'domain = "field_notés"'),
        "domain_double_dot": ('domain = "field_notes"', 'domain = "field..notes"'),
        "domain_dotted_digit": ('domain = "field_notes"', 'domain = "field.2notes"'),
        # TOML quirks
        "toml_continuation_joins_sigil": (
            "    in the order they were written:\n@notes",
            "    in the order they were written: \\\n@notes",
        ),
        "toml11_inline_table_newlines": (
            'inputs = { notes = "Note[]", title = "native.Text" }',
            'inputs = {\n    notes = "Note[]",\n    title = "native.Text",\n}',
        ),
        "toml11_inline_table_newlines_no_comma": (
            'inputs = { notes = "Note[]", title = "native.Text" }',
            'inputs = {\n    notes = "Note[]",\n    title = "native.Text"\n}',
        ),
        "toml11_inline_table_comment": (
            'inputs = { notes = "Note[]", title = "native.Text" }',
            'inputs = { # what the digest reads\n    notes = "Note[]",\n    title = "native.Text" }',
        ),
        "toml11_escape_e": ('description = "Write the digest"', 'description = "Write the digest \\e[1m"'),
        "toml11_escape_x": ('description = "Write the digest"', 'description = "Write the digest \\x41"'),
        "toml11_step_table_newlines": (
            '{ pipe = "write_digest", result = "digest" },',
            '{\n        pipe = "write_digest",\n        result = "digest",\n    },',
        ),
        "tpl_dollar_then_period": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled $title. Use these sightings:",
        ),
        "tpl_dollar_then_comma": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled $title, using these sightings:",
        ),
        "tpl_dollar_possessive": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write $title's digest of these sightings:",
        ),
        "tpl_dollar_in_parens": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest (titled $title) of these sightings:",
        ),
        "tpl_dollar_space": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled $ title of these sightings:",
        ),
        "tpl_email_at": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$title\" (questions: desk@example.com) of these sightings:",
        ),
        "tpl_at_mid_word": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$title\" of these sightings@home:",
        ),
        "tpl_lone_at": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$title\" @ noon of these sightings:",
        ),
        "tpl_dollar_amount": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$title\" costing $5.00 of these sightings:",
        ),
        "tpl_dollar_upper": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$TITLE\" of these sightings:",
        ),
        "tpl_dollar_braces": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"${title}\" of these sightings:",
        ),
        "tpl_jinja_and_dollar": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"{{ title }}\" ($title) of these sightings:",
        ),
        "tpl_dollar_underscore_suffix": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$title_\" of these sightings:",
        ),
        "tpl_dollar_double": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$$title\" of these sightings:",
        ),
        "tpl_at_double": (
            "prompt = '''Write a digest titled \"$title\" of these sightings:",
            "prompt = '''Write a digest titled \"$title\" of these @@sightings:",
        ),
        "item_type_native_code": (
            'place = "Where it was seen"',
            'place = "Where it was seen"\nnames = { type = "list", item_type = "Text", description = "Names" }',
        ),
        "field_type_capital": ('count = { type = "integer"', 'count = { type = "Integer"'),
        "field_type_str": ('count = { type = "integer"', 'count = { type = "str"'),
        "field_type_int": ('count = { type = "integer"', 'count = { type = "int"'),
        "field_type_float_name": ('count = { type = "integer"', 'count = { type = "float"'),
        "field_type_bool": ('count = { type = "integer"', 'count = { type = "bool"'),
        "field_choices_empty": (
            'place = "Where it was seen"',
            'place = { type = "text", description = "Where", choices = [] }',
        ),
        "concept_single_letter": ('Note = "A raw', 'N = "A raw'),
        "concept_acronym": ("Digest = 'A digest", "PDFDigest = 'A digest"),
        "step_pipe_qualified": (
            '{ pipe = "write_digest", result = "digest" }',
            '{ pipe = "field_notes.write_digest", result = "digest" }',
        ),
        "step_pipe_other_domain": (
            '{ pipe = "write_digest", result = "digest" }',
            '{ pipe = "other_notes.write_digest", result = "digest" }',
        ),
        "input_fixed_one": ('inputs = { notes = "Note[]" }', 'inputs = { notes = "Note[1]" }'),
        "refines_native_qualified": (
            '[concept.Sighting]\ndescription = "One sighting"\n',
            '[concept.Remark]\ndescription = "A remark"\nrefines = "native.Text"\n\n[concept.Sighting]\ndescription = "One sighting"\n',
        ),
        "refines_own_domain_qualified": (
            '[concept.Sighting]\ndescription = "One sighting"\n',
            '[concept.Remark]\ndescription = "A remark"\nrefines = "field_notes.Note"\n\n[concept.Sighting]\ndescription = "One sighting"\n',
        ),
        "refines_lowercase": (
            '[concept.Sighting]\ndescription = "One sighting"\n',
            '[concept.Remark]\ndescription = "A remark"\nrefines = "text"\n\n[concept.Sighting]\ndescription = "One sighting"\n',
        ),
        "output_text_list_llm": ('output = "Sighting[]"', 'output = "Text[]"'),
        "system_prompt_var": (
            'description = "Write the digest"',
            'description = "Write the digest"\nsystem_prompt = "You write for $title readers."',
        ),
        "mult_one_both": ('inputs = { notes = "Note[]", title', 'inputs = { notes = "Note[1]", title'),
        "mult_one_output_to_list": ('output = "Sighting[]"', 'output = "Sighting[1]"'),
        "mult_one_seq_to_single": (
            'inputs = { notes = "Note[]", title = "native.Text" }',
            'inputs = { notes = "Note[]", title = "native.Text[1]" }',
        ),
        "toml_trailing_comma_inline": ('inputs = { notes = "Note[]" }', 'inputs = { notes = "Note[]", }'),
        "toml_bom": ("# Field notes", "\ufeff# Field notes"),
        "toml_tabs": ('type = "PipeLLM"\ndescription = "Write', '\ttype = "PipeLLM"\n\tdescription = "Write'),
        "toml_dotted_top": (
            '[pipe.write_digest]\ntype = "PipeLLM"',
            'pipe.write_digest.type = "PipeLLM"\n[pipe.write_digest]',
        ),
        "toml_dup_key": ('output = "field_notes.Digest"', 'output = "field_notes.Digest"\noutput = "Digest"'),
        "toml_quoted_key": ('description = "Write the digest"', '"description" = "Write the digest"'),
        "toml_empty_concept_table": ("[pipe.make_digest]", "[concept.Unused]\n\n[pipe.make_digest]"),
        "empty_description": ('description = "Write the digest"', 'description = ""'),
        "description_multiline": (
            'description = "Write the digest"',
            'description = """Write\nthe digest"""',
        ),
        "concept_inline_structure": (
            '[concept.Sighting.structure]\nspecies = { type = "text", description = "Species seen", required = true }\n'
            'count = { type = "integer", description = "How many", required = true }\nplace = "Where it was seen"\n',
            'structure = { species = { type = "text", description = "Species seen", required = true }, '
            'count = { type = "integer", description = "How many", required = true }, place = "Where it was seen" }\n',
        ),
        "structure_empty": (
            "[pipe.make_digest]",
            '[concept.Other]\ndescription = "Other"\n[concept.Other.structure]\n\n[pipe.make_digest]',
        ),
        "title_unused": (
            'inputs = { notes = "Note[]", title = "native.Text" }',
            'inputs = { notes = "Note[]", title = "native.Text", extra = "Text" }',
        ),
    }
}

# --- third pass: controllers' corners, model references, operator fields, structures ----------------------

BASES["loan_desk"] = '''domain = "finance.loans"
description = "Score loan applications, route them, and answer"
main_pipe = "handle_applications"
system_prompt = "You work for a cautious cooperative bank."

[concept.Applicant]
description = "A person asking for a loan"

[concept.Applicant.structure]
full_name = { type = "text", description = "Full name", required = true }
income = { type = "number", description = "Yearly income in EUR", required = true }
employment = { type = "text", description = "Employment type", choices = ["salaried", "self_employed", "none"], required = true }

[concept.Application]
description = "A loan application"

[concept.Application.structure]
applicant = { type = "concept", concept_ref = "Applicant", description = "Who asks", required = true }
amount = { type = "number", description = "Amount asked", required = true }
purpose = "What the money is for"
co_signers = { type = "list", item_type = "concept", item_concept_ref = "Applicant", description = "People who co-sign" }
scores = { type = "dict", key_type = "text", value_type = "integer", description = "Scores by bureau" }

[concept.RiskBand]
description = "The risk band of an application"
refines = "Choice"

[concept]
Decision = "A decision letter"

[pipe.handle_applications]
type = "PipeBatch"
description = "One decision per application"
inputs = { applications = "Application[]", policy = "Text" }
output = "Decision[]"
branch_pipe_code = "handle_one"
input_list_name = "applications"
input_item_name = "application"

[pipe.handle_one]
type = "PipeSequence"
description = "Band, then route"
inputs = { application = "Application", policy = "Text" }
output = "Decision"
steps = [
    { pipe = "band_application", result = "band" },
    { pipe = "route_on_band", result = "decision" },
]

[pipe.band_application]
type = "PipeJudge"
description = "Put the application in a risk band"
inputs = { application = "Application", policy = "Text" }
output = "RiskBand"
model = "@default-judgment"
prompt = """
Our policy:
@policy

The application:
@application
"""
question = "Which risk band fits this application?"
options = { low = "Safe to grant", medium = "Needs a review", high = "Refuse" }

[pipe.route_on_band]
type = "PipeCondition"
description = "Grant, review or refuse"
inputs = { band = "RiskBand", application = "Application" }
output = "Decision"
expression = "band.choice"
default_outcome = "fail"

[pipe.route_on_band.outcomes]
low = "write_grant"
medium = "write_review"
high = "write_refusal"

[pipe.write_grant]
type = "PipeLLM"
description = "Grant letter"
inputs = { application = "Application" }
output = "Decision"
model = "$writing-factual"
prompt = "Write a grant letter to $application.applicant.full_name for $application.amount EUR."

[pipe.write_review]
type = "PipeLLM"
description = "Review letter"
inputs = { application = "Application" }
output = "Decision"
model = "@default-small"
templating_style = "square_brackets"
prompt = """
Tell the applicant we need a closer look at:
@application
"""

[pipe.write_refusal]
type = "PipeCompose"
description = "Refusal letter"
inputs = { application = "Application" }
output = "Decision"
template = "Dear $application.applicant.full_name, we cannot grant this loan."
'''

BASES["podcast_studio"] = '''domain = "media.podcast"
description = "Turn a recorded episode's transcript into show notes, a cover and chapters"
main_pipe = "produce_episode"

[concept.Transcript]
description = "An episode transcript as a PDF"
refines = "Document"

[concept.Chapter]
description = "A chapter of the episode"

[concept.Chapter.structure]
title = { type = "text", description = "Chapter title", required = true }
start_minute = { type = "integer", description = "Minute the chapter starts", required = true }
recorded_on = { type = "date", description = "Recording day" }

[concept.ShowNotes]
description = "Show notes in markdown"
refines = "Markdown"

[concept.CoverPrompt]
description = "A prompt for the cover art"
refines = "Text"

[concept.EpisodeKit]
description = "Everything published with the episode"

[concept.EpisodeKit.structure]
notes = { type = "concept", concept_ref = "ShowNotes", description = "The notes", required = true }
cover = { type = "concept", concept_ref = "Image", description = "The cover", required = true }

[pipe.produce_episode]
type = "PipeSequence"
description = "Pages, chapters, then notes and cover"
inputs = { transcript = "Transcript", show_name = "Text" }
output = "EpisodeKit"
steps = [
    { pipe = "read_transcript", result = "pages" },
    { pipe = "chapter_page", batch_over = "pages", batch_as = "page", result = "chapters" },
    { pipe = "notes_and_cover", result = "kit" },
]

[pipe.read_transcript]
type = "PipeExtract"
description = "Text of each page"
inputs = { transcript = "Transcript" }
output = "Page[]"
model = "~document-extractor"
max_page_images = 2
page_image_captions = false

[pipe.chapter_page]
type = "PipeLLM"
description = "Chapters found on one page"
inputs = { page = "Page" }
output = "Chapter[]"
model = "$engineering-structured"
templating_style = "ticks"
prompt = """
Find the chapters on this transcript page:

@page
"""

[pipe.notes_and_cover]
type = "PipeParallel"
description = "Notes and cover at once"
inputs = { chapters = "Chapter[]", show_name = "Text" }
output = "EpisodeKit"
add_each_output = false
branches = [
    { pipe = "write_notes", result = "notes" },
    { pipe = "make_cover", result = "cover" },
]

[pipe.write_notes]
type = "PipeCompose"
description = "Show notes from the chapters"
inputs = { chapters = "Chapter[]", show_name = "Text" }
output = "ShowNotes"
template = """
# {{ show_name.text }}

{% for chapter in chapters %}- {{ chapter.start_minute }}' {{ chapter.title }}
{% endfor %}
"""

[pipe.make_cover]
type = "PipeSequence"
description = "Prompt then image"
inputs = { show_name = "Text" }
output = "Image"
steps = [
    { pipe = "write_cover_prompt", result = "cover_prompt" },
    { pipe = "draw_cover", result = "cover" },
]

[pipe.write_cover_prompt]
type = "PipeLLM"
description = "Cover prompt"
inputs = { show_name = "Text" }
output = "CoverPrompt"
model = "$img-gen-prompting"
prompt = "Write a prompt for square cover art for the podcast $show_name."

[pipe.draw_cover]
type = "PipeImgGen"
description = "Cover art"
inputs = { cover_prompt = "CoverPrompt" }
output = "Image"
model = "$gen-image-fast"
prompt = "$cover_prompt"
aspect_ratio = "square"
output_format = "png"
seed = 42
'''

BASES["lab_results"] = '''domain = "science.lab"
description = "Structure lab measurements, check them and draft a report"
main_pipe = "report_batch"

[concept.Measurement]
description = "A measured value"
refines = "Number"

[concept.SampleDate]
description = "When the sample was taken"
refines = "Date"

[concept.RawSheet]
description = "A lab sheet as typed by a technician"
refines = "Text"

[concept.Sample]
description = "One sample"

[concept.Sample.structure]
sample_id = { type = "text", description = "Identifier", required = true }
taken_on = { type = "concept", concept_ref = "SampleDate", description = "Day taken" }
values = { type = "list", item_type = "number", description = "Measured values", required = true }
flags = { type = "dict", key_type = "text", value_type = "boolean", description = "Flags by name" }
unit = { type = "text", description = "Unit", choices = ["mg/L", "ppm", "mmol/L"], default_value = "mg/L" }

[concept.Check]
description = "Does a sample pass the checks"

[concept.Check.structure]
ok = { type = "concept", concept_ref = "YesNo", description = "Within limits", required = true }
severity = { type = "concept", concept_ref = "Rating", description = "How bad", required = true }

[concept]
LabReport = "A report on the samples"

[pipe.report_batch]
type = "PipeSequence"
description = "Structure, check, report"
inputs = { sheet = "RawSheet" }
output = "LabReport"
steps = [
    { pipe = "structure_sheet", result = "samples" },
    { pipe = "check_sample", batch_over = "samples", batch_as = "sample", result = "checks" },
    { pipe = "draft_report", result = "report" },
]

[pipe.structure_sheet]
type = "PipeLLM"
description = "Read the sheet into samples"
inputs = { sheet = "RawSheet" }
output = "Sample[]"
structuring_method = "direct"
model = "@default-general"
prompt = """
List the samples on this sheet:
@sheet
"""

[pipe.check_sample]
type = "PipeJudge"
description = "Check one sample"
inputs = { sample = "Sample" }
output = "Check"
model = "@default-judgment"
prompt = "Sample $sample.sample_id measured {{ sample.values | join(', ') }}."

[pipe.check_sample.questions.ok]
question = "Are all values within the usual limits?"
criteria = { yes = "All within limits", no = "At least one outside" }

[pipe.check_sample.questions.severity]
question = "How serious is the worst value?"
levels = [
  { label = "harmless", description = "No action" },
  { label = "watch", description = "Check again" },
  { label = "alarming", description = "Call the doctor" },
]

[pipe.draft_report]
type = "PipeLLM"
description = "Report"
inputs = { samples = "Sample[]", checks = "Check[]" }
output = "LabReport"
model = { model = "$deep-analysis", temperature = 0.3, max_tokens = 4000 }
system_prompt = "You are a lab supervisor writing for doctors."
prompt = """
Samples:
@samples

Checks:
@checks

Write a short report.
"""
'''

BASES["market_watch"] = '''domain = "market_watch"
description = "Search the news on competitors and keep what matters"
main_pipe = "watch_competitors"

[concept.Competitor]
description = "A competing company"
refines = "Text"

[concept.NewsFinding]
description = "What the search found on one competitor"
refines = "SearchResult"

[concept.Relevance]
description = "Is a finding worth the team's time"
refines = "YesNo"

[concept]
Briefing = "A short briefing for the sales team"

[pipe.watch_competitors]
type = "PipeSequence"
description = "Search each competitor, judge, then brief"
inputs = { competitors = "Competitor[]", market = "Text" }
output = "Briefing?"
steps = [
    { pipe = "search_competitor", batch_over = "competitors", batch_as = "competitor", result = "findings" },
    { pipe = "judge_findings", result = "relevance" },
    { pipe = "maybe_brief", result = "briefing" },
]

[pipe.search_competitor]
type = "PipeSearch"
description = "News on one competitor"
inputs = { competitor = "Competitor", market = "Text" }
output = "NewsFinding"
prompt = "Recent news on $competitor in the $market market"
model = "$standard"
include_images = false
max_results = 8
from_date = "2026-01-01"
exclude_domains = ["pinterest.com"]

[pipe.judge_findings]
type = "PipeJudge"
description = "Is any of it relevant"
inputs = { findings = "NewsFinding[]" }
output = "Relevance"
model = "@default-judgment"
prompt = """
@findings
"""
question = "Does any of this change our sales pitch?"
threshold = 0.6

[pipe.maybe_brief]
type = "PipeCondition"
description = "Brief only when relevant"
inputs = { relevance = "Relevance", findings = "NewsFinding[]" }
output = "Briefing?"
expression_template = "{% if relevance.yes_no %}brief{% else %}skip{% endif %}"
default_outcome = "continue"

[pipe.maybe_brief.outcomes]
brief = "write_briefing"
skip = "continue"

[pipe.write_briefing]
type = "PipeLLM"
description = "Briefing"
inputs = { findings = "NewsFinding[]" }
output = "Briefing"
model = "@default-premium"
prompt = """
Write a five-bullet briefing from:
@findings
"""
'''

BASE_MUTATIONS["loan_desk"] = {
    # PipeBatch
    "batch_shared_input_unused_by_branch": (
        'inputs = { application = "Application", policy = "Text" }\noutput = "Decision"\nsteps',
        'inputs = { application = "Application" }\noutput = "Decision"\nsteps',
    ),
    "batch_missing_shared_input": (
        'inputs = { applications = "Application[]", policy = "Text" }',
        'inputs = { applications = "Application[]" }',
    ),
    "batch_item_name_is_other_input": ('input_item_name = "application"', 'input_item_name = "policy"'),
    "batch_list_name_is_shared": ('input_list_name = "applications"', 'input_list_name = "policy"'),
    "batch_output_fixed": (
        'output = "Decision[]"\nbranch_pipe_code',
        'output = "Decision[3]"\nbranch_pipe_code',
    ),
    "batch_output_optional": (
        'output = "Decision[]"\nbranch_pipe_code',
        'output = "Decision[]?"\nbranch_pipe_code',
    ),
    "batch_output_wrong_concept": (
        'output = "Decision[]"\nbranch_pipe_code',
        'output = "Text[]"\nbranch_pipe_code',
    ),
    "batch_item_name_camel": ('input_item_name = "application"', 'input_item_name = "oneApplication"'),
    "batch_item_name_dotted": (
        'input_item_name = "application"',
        'input_item_name = "application.applicant"',
    ),
    "batch_list_dotted": ('input_list_name = "applications"', 'input_list_name = "applications.items"'),
    "batch_branch_self": ('branch_pipe_code = "handle_one"', 'branch_pipe_code = "handle_applications"'),
    "batch_with_steps": (
        'input_item_name = "application"\n',
        'input_item_name = "application"\nsteps = [{ pipe = "handle_one", result = "x" }]\n',
    ),
    "batch_list_optional": (
        'inputs = { applications = "Application[]", policy = "Text" }',
        'inputs = { applications = "Application[]?", policy = "Text" }',
    ),
    # PipeCondition
    "cond_default_pipe": ('default_outcome = "fail"', 'default_outcome = "write_review"'),
    "cond_default_continue_not_optional": ('default_outcome = "fail"', 'default_outcome = "continue"'),
    "cond_outcome_fail_value": ('high = "write_refusal"', 'high = "fail"'),
    "cond_all_outcomes_special": (
        'low = "write_grant"\nmedium = "write_review"\nhigh = "write_refusal"',
        'low = "fail"\nmedium = "fail"\nhigh = "fail"',
    ),
    "cond_outcome_key_quoted_int": ('low = "write_grant"', '"1" = "write_grant"'),
    "cond_outcome_key_spaces": ('low = "write_grant"', '"very low" = "write_grant"'),
    "cond_outcome_empty_value": ('high = "write_refusal"', 'high = ""'),
    "cond_default_empty": ('default_outcome = "fail"', 'default_outcome = ""'),
    "cond_default_upper_fail": ('default_outcome = "fail"', 'default_outcome = "FAIL"'),
    "cond_default_break": ('default_outcome = "fail"', 'default_outcome = "break"'),
    "cond_expression_filter": ('expression = "band.choice"', 'expression = "band.choice | lower"'),
    "cond_expression_compare": ('expression = "band.choice"', "expression = \"band.choice == 'low'\""),
    "cond_expression_two_inputs": (
        'expression = "band.choice"',
        "expression = \"'high' if application.amount > 100000 else band.choice\"",
    ),
    "cond_expression_empty": ('expression = "band.choice"', 'expression = ""'),
    "cond_expression_literal": ('expression = "band.choice"', "expression = \"'low'\""),
    "cond_unused_input_application": (
        'inputs = { band = "RiskBand", application = "Application" }',
        'inputs = { band = "RiskBand", application = "Application", policy = "Text" }',
    ),
    "cond_outcome_needs_missing_input": (
        'inputs = { band = "RiskBand", application = "Application" }',
        'inputs = { band = "RiskBand" }',
    ),
    "cond_outcome_inline_and_table": (
        'default_outcome = "fail"\n',
        'default_outcome = "fail"\noutcomes = { low = "write_grant" }\n',
    ),
    "cond_outcome_to_controller": ('medium = "write_review"', 'medium = "handle_one"'),
    # PipeJudge
    "judge_options_empty": (
        'options = { low = "Safe to grant", medium = "Needs a review", high = "Refuse" }',
        "options = {}",
    ),
    "judge_options_one": (
        'options = { low = "Safe to grant", medium = "Needs a review", high = "Refuse" }',
        'options = { low = "Safe to grant" }',
    ),
    "judge_options_list": (
        'options = { low = "Safe to grant", medium = "Needs a review", high = "Refuse" }',
        'options = ["low", "medium", "high"]',
    ),
    "judge_choice_output_yesno": ('output = "RiskBand"', 'output = "YesNo"'),
    "judge_choice_output_rating": ('output = "RiskBand"', 'output = "Rating"'),
    "judge_no_model": ('output = "RiskBand"\nmodel = "@default-judgment"\n', 'output = "RiskBand"\n'),
    "judge_no_question": ('question = "Which risk band fits this application?"\n', ""),
    # templating / models / structures
    "tpl_style_table": (
        'templating_style = "square_brackets"',
        'templating_style = { tag_style = "square_brackets", text_format = "markdown" }',
    ),
    "tpl_style_table_bad_format": (
        'templating_style = "square_brackets"',
        'templating_style = { tag_style = "square_brackets", text_format = "rtf" }',
    ),
    "tpl_style_table_bad_key": (
        'templating_style = "square_brackets"',
        'templating_style = { tag_style = "square_brackets", style = "bold" }',
    ),
    "tpl_text_format_top": ('templating_style = "square_brackets"', 'text_format = "markdown"'),
    "tpl_deep_field": (
        "for $application.amount EUR.",
        "for $application.amount EUR, earning $application.applicant.income a year.",
    ),
    "tpl_deep_field_bad": (
        "for $application.amount EUR.",
        "for $application.amount EUR, earning $application.applicant.salary a year.",
    ),
    "tpl_dict_field": (
        "for $application.amount EUR.",
        "for $application.amount EUR ({{ application.scores }}).",
    ),
    "system_prompt_top_var": (
        'system_prompt = "You work for a cautious cooperative bank."',
        'system_prompt = "You work for a cautious cooperative bank. Policy: $policy"',
    ),
    "system_prompt_pipe_empty": (
        'model = "@default-small"\n',
        'model = "@default-small"\nsystem_prompt = ""\n',
    ),
    "model_preset_on_alias_sigil": ('model = "@default-small"', 'model = "@writing-factual"'),
    "model_alias_on_preset_sigil": ('model = "$writing-factual"', 'model = "$default-small"'),
    "model_waterfall_llm": ('model = "@default-small"', 'model = "~document-extractor"'),
    "model_waterfall_unknown": ('model = "@default-small"', 'model = "~nope-chain"'),
    "model_empty": ('model = "@default-small"', 'model = ""'),
    "model_sigil_only": ('model = "@default-small"', 'model = "@"'),
    "model_long_preset": ('model = "$writing-factual"', 'model = "preset:writing-factual"'),
    "model_long_alias": ('model = "@default-small"', 'model = "alias:default-small"'),
    "model_long_waterfall_llm": ('model = "@default-small"', 'model = "waterfall:document-extractor"'),
    "model_long_bad_kind": ('model = "@default-small"', 'model = "family:default-small"'),
    "model_table_alias": (
        'model = "@default-small"',
        'model = { model = "@default-small", temperature = 0.2 }',
    ),
    "model_table_no_model": ('model = "@default-small"', "model = { temperature = 0.2 }"),
    "model_int": ('model = "@default-small"', "model = 4"),
    "model_on_compose": (
        'output = "Decision"\ntemplate =',
        'output = "Decision"\nmodel = "@default-small"\ntemplate =',
    ),
    "model_on_condition": ('default_outcome = "fail"', 'default_outcome = "fail"\nmodel = "@default-small"'),
    "nested_concept_list_unknown": (
        'item_concept_ref = "Applicant"',
        'item_concept_ref = "Guarantor"',
    ),
    "nested_concept_qualified": ('concept_ref = "Applicant"', 'concept_ref = "finance.loans.Applicant"'),
    "nested_concept_other_domain": ('concept_ref = "Applicant"', 'concept_ref = "finance.credit.Applicant"'),
    "nested_concept_self": ('concept_ref = "Applicant"', 'concept_ref = "Application"'),
    "concept_cycle_list_of_self": (
        'item_concept_ref = "Applicant", description = "People who co-sign"',
        'item_concept_ref = "Application", description = "Earlier applications"',
    ),
    "concept_cycle_optional_self": (
        'purpose = "What the money is for"',
        'purpose = "What the money is for"\nprevious = { type = "concept", concept_ref = "Application", description = "An earlier one" }',
    ),
    "concept_cycle_mutual": (
        'full_name = { type = "text", description = "Full name", required = true }',
        'full_name = { type = "text", description = "Full name", required = true }\nlast_application = { type = "concept", concept_ref = "Application", description = "Their last one" }',
    ),
    "dict_key_number": (
        'key_type = "text", value_type = "integer"',
        'key_type = "number", value_type = "integer"',
    ),
    "dict_key_concept": (
        'key_type = "text", value_type = "integer"',
        'key_type = "concept", value_type = "integer"',
    ),
    "dict_value_concept": (
        'value_type = "integer", description = "Scores by bureau"',
        'value_type = "concept", description = "Scores by bureau"',
    ),
    "dict_key_integer": (
        'key_type = "text", value_type = "integer"',
        'key_type = "integer", value_type = "integer"',
    ),
    "dict_no_key_type": ('key_type = "text", value_type = "integer"', 'value_type = "integer"'),
    "choices_with_default": (
        'choices = ["salaried", "self_employed", "none"], required = true',
        'choices = ["salaried", "self_employed", "none"], default_value = "salaried"',
    ),
    "choices_default_not_in": (
        'choices = ["salaried", "self_employed", "none"], required = true',
        'choices = ["salaried", "self_employed", "none"], default_value = "retired"',
    ),
    "choices_duplicate": (
        'choices = ["salaried", "self_employed", "none"]',
        'choices = ["salaried", "salaried", "none"]',
    ),
    "refines_choice_with_structure": (
        'refines = "Choice"\n',
        'refines = "Choice"\n\n[concept.RiskBand.structure]\nnote = "A note"\n',
    ),
    "list_item_type_concept_no_ref_native": (
        'item_type = "concept", item_concept_ref = "Applicant"',
        'item_type = "concept", item_concept_ref = "Text"',
    ),
}

BASE_MUTATIONS["podcast_studio"] = {
    # PipeParallel
    "par_add_each_true": ("add_each_output = false", "add_each_output = true"),
    "par_combined_output_field": ("add_each_output = false", 'combined_output = "EpisodeKit"'),
    "par_output_composite": (
        'output = "EpisodeKit"\nadd_each_output',
        'output = "Composite"\nadd_each_output',
    ),
    "par_result_not_a_field": (
        '{ pipe = "make_cover", result = "cover" }',
        '{ pipe = "make_cover", result = "artwork" }',
    ),
    "par_missing_branch_for_field": (
        'branches = [\n    { pipe = "write_notes", result = "notes" },\n    { pipe = "make_cover", result = "cover" },\n]',
        'branches = [\n    { pipe = "write_notes", result = "notes" },\n]',
    ),
    "par_branch_wrong_concept": (
        '{ pipe = "make_cover", result = "cover" }',
        '{ pipe = "write_cover_prompt", result = "cover" }',
    ),
    "par_output_optional": (
        'output = "EpisodeKit"\nadd_each_output',
        'output = "EpisodeKit?"\nadd_each_output',
    ),
    "par_branch_extra_key": (
        '{ pipe = "write_notes", result = "notes" }',
        '{ pipe = "write_notes", result = "notes", nb_output = 2 }',
    ),
    "par_output_native_text": ('output = "EpisodeKit"\nadd_each_output', 'output = "Text"\nadd_each_output'),
    "par_branch_missing_input": (
        'inputs = { chapters = "Chapter[]", show_name = "Text" }\noutput = "EpisodeKit"',
        'inputs = { chapters = "Chapter[]" }\noutput = "EpisodeKit"',
    ),
    # nested sequence batch
    "seq_batch_over_dotted_field": (
        '{ pipe = "chapter_page", batch_over = "pages", batch_as = "page", result = "chapters" }',
        '{ pipe = "chapter_page", batch_over = "transcript.pages", batch_as = "page", result = "chapters" }',
    ),
    "seq_batch_result_single_next": (
        'inputs = { chapters = "Chapter[]", show_name = "Text" }\noutput = "EpisodeKit"',
        'inputs = { chapters = "Chapter", show_name = "Text" }\noutput = "EpisodeKit"',
    ),
    "seq_batch_list_of_lists": (
        'inputs = { chapters = "Chapter[]", show_name = "Text" }\noutput = "EpisodeKit"\nadd_each_output',
        'inputs = { chapters = "Chapter[][]", show_name = "Text" }\noutput = "EpisodeKit"\nadd_each_output',
    ),
    "seq_batch_as_camel": (
        'batch_as = "page", result = "chapters"',
        'batch_as = "thePage", result = "chapters"',
    ),
    "seq_batch_as_input_name": (
        'batch_as = "page", result = "chapters"',
        'batch_as = "show_name", result = "chapters"',
    ),
    "seq_batch_item_unused": ('inputs = { page = "Page" }', 'inputs = { page = "Page", show_name = "Text" }'),
    "seq_batch_multiple_output": (
        '{ pipe = "chapter_page", batch_over = "pages", batch_as = "page", result = "chapters" }',
        '{ pipe = "chapter_page", batch_over = "pages", batch_as = "page", result = "chapters", multiple_output = true }',
    ),
    # PipeExtract fields
    "extract_max_page_images_str": ("max_page_images = 2", 'max_page_images = "2"'),
    "extract_max_page_images_neg": ("max_page_images = 2", "max_page_images = -1"),
    "extract_captions_true": ("page_image_captions = false", "page_image_captions = true"),
    "extract_dpi": (
        "page_image_captions = false",
        "page_image_captions = false\npage_views = true\npage_views_dpi = 150",
    ),
    "extract_dpi_str": (
        "page_image_captions = false",
        'page_image_captions = false\npage_views_dpi = "high"',
    ),
    "extract_render_js": ("page_image_captions = false", "page_image_captions = false\nrender_js = true"),
    "extract_raw_html": (
        "page_image_captions = false",
        "page_image_captions = false\ninclude_raw_html = true",
    ),
    "extract_prompt": ("page_image_captions = false", 'page_image_captions = false\nprompt = "Read it"'),
    "extract_model_waterfall_ocr": ('model = "~document-extractor"', 'model = "~ocr-extractor"'),
    "extract_model_waterfall_unknown": ('model = "~document-extractor"', 'model = "~fast-extractor"'),
    "extract_model_waterfall_at": ('model = "~document-extractor"', 'model = "@document-extractor"'),
    "extract_model_preset": ('model = "~document-extractor"', 'model = "$extract-testing"'),
    "extract_model_no_inference": ('model = "~document-extractor"', 'model = "@default-no-inference"'),
    "extract_output_chapter": (
        'output = "Page[]"\nmodel = "~document-extractor"',
        'output = "Chapter[]"\nmodel = "~document-extractor"',
    ),
    "extract_output_page_fixed": (
        'output = "Page[]"\nmodel = "~document-extractor"',
        'output = "Page[2]"\nmodel = "~document-extractor"',
    ),
    "extract_input_image": ('refines = "Document"', 'refines = "Image"'),
    # PipeImgGen fields
    "img_seed_negative": ("seed = 42", "seed = -1"),
    "img_seed_float": ("seed = 42", "seed = 4.2"),
    "img_output_format_jpg": ('output_format = "png"', 'output_format = "jpg"'),
    "img_output_format_webp": ('output_format = "png"', 'output_format = "webp"'),
    "img_is_raw": ("seed = 42", "seed = 42\nis_raw = true"),
    "img_quality": ("seed = 42", 'seed = 42\nquality = "high"'),
    "img_size_custom": ("seed = 42", 'seed = 42\nsize = "1024x1024"'),
    "img_size_2k": ("seed = 42", 'seed = 42\nsize = "2k"'),
    "img_size_bad": ("seed = 42", 'seed = 42\nsize = "huge"'),
    "img_aspect_portrait": ('aspect_ratio = "square"', 'aspect_ratio = "portrait_9_16"'),
    "img_aspect_ratio_numbers": ('aspect_ratio = "square"', 'aspect_ratio = "16:9"'),
    "img_model_alias": ('model = "$gen-image-fast"', 'model = "@default-premium"'),
    "img_model_preset_unknown": ('model = "$gen-image-fast"', 'model = "$gen-image-ultra"'),
    "img_model_llm_alias": ('model = "$gen-image-fast"', 'model = "@default-small-vision"'),
    "img_prompt_at": ('prompt = "$cover_prompt"', 'prompt = """\n@cover_prompt\n"""'),
    "img_prompt_jinja": ('prompt = "$cover_prompt"', 'prompt = "{{ cover_prompt.text }}"'),
    "img_prompt_literal_unused": ('prompt = "$cover_prompt"', 'prompt = "A microphone on a desk"'),
    "img_input_image_ref": (
        'inputs = { cover_prompt = "CoverPrompt" }',
        'inputs = { cover_prompt = "CoverPrompt", style = "Image" }',
    ),
    "img_size_exact_alone": ('aspect_ratio = "square"', 'size = "1024x1024"'),
    "img_seed_zero": ("seed = 42", "seed = 0"),
    "img_size_tier_with_ratio": ('aspect_ratio = "square"', 'aspect_ratio = "square"\nsize = "1k"'),
    "par_branch_multiple_output": (
        '{ pipe = "write_notes", result = "notes" }',
        '{ pipe = "write_notes", result = "notes", multiple_output = true }',
    ),
    "par_branch_nb_output_one": (
        '{ pipe = "write_notes", result = "notes" }',
        '{ pipe = "write_notes", result = "notes", nb_output = 1 }',
    ),
    "img_output_fixed_one": (
        'output = "Image"\nmodel = "$gen-image-fast"',
        'output = "Image[1]"\nmodel = "$gen-image-fast"',
    ),
    # compose template table
    "compose_template_section": (
        'output = "ShowNotes"\ntemplate = """',
        'output = "ShowNotes"\n\n[pipe.write_notes.template]\ncategory = "markdown"\ntemplate = """',
    ),
    "compose_template_inline_table": (
        'output = "ShowNotes"\ntemplate = """',
        'output = "ShowNotes"\ntemplate.category = "markdown"\ntemplate.template = """',
    ),
    "compose_templating_style_top": (
        'output = "ShowNotes"\ntemplate = """',
        'output = "ShowNotes"\ntemplating_style = "no_tag"\ntemplate = """',
    ),
    "compose_category_top": (
        'output = "ShowNotes"\ntemplate = """',
        'output = "ShowNotes"\ncategory = "markdown"\ntemplate = """',
    ),
    "compose_table_undeclared_var": ("{{ show_name.text }}", "{{ show_title.text }}"),
    "compose_table_sigils": ("# {{ show_name.text }}", "# $show_name"),
    "compose_unused_table_input": ("# {{ show_name.text }}", "# Show notes"),
    "compose_output_image": ('output = "ShowNotes"', 'output = "Image"'),
    # structure fields
    "field_date_default": (
        'recorded_on = { type = "date", description = "Recording day" }',
        'recorded_on = { type = "date", description = "Recording day", default_value = "2026-01-01" }',
    ),
    "field_date_default_toml": (
        'recorded_on = { type = "date", description = "Recording day" }',
        'recorded_on = { type = "date", description = "Recording day", default_value = 2026-01-01 }',
    ),
    "field_datetime_default_str": (
        'recorded_on = { type = "date", description = "Recording day" }',
        'recorded_on = { type = "datetime", description = "Recording day", default_value = "2026-01-01T10:00:00" }',
    ),
    "field_datetime_default_toml": (
        'recorded_on = { type = "date", description = "Recording day" }',
        'recorded_on = { type = "datetime", description = "Recording day", default_value = 2026-01-01T10:00:00 }',
    ),
    "field_time_default_str": (
        'recorded_on = { type = "date", description = "Recording day" }',
        'recorded_on = { type = "time", description = "Recording time", default_value = "10:00:00" }',
    ),
    "field_type_datetime": (
        'type = "date", description = "Recording day"',
        'type = "datetime", description = "Recording day"',
    ),
    "field_concept_image_list": (
        'cover = { type = "concept", concept_ref = "Image", description = "The cover", required = true }',
        'cover = { type = "list", item_type = "concept", item_concept_ref = "Image", description = "The cover", required = true }',
    ),
    "field_concept_ref_on_text": (
        'notes = { type = "concept", concept_ref = "ShowNotes"',
        'notes = { type = "text", concept_ref = "ShowNotes"',
    ),
    "field_item_concept_ref_on_list_text": (
        'title = { type = "text", description = "Chapter title", required = true }',
        'title = { type = "text", description = "Chapter title", required = true }\nkeywords = { type = "list", item_type = "text", item_concept_ref = "Text", description = "Keywords" }',
    ),
    "refines_markdown_qualified": ('refines = "Markdown"', 'refines = "native.Markdown"'),
    "refines_native_image_for_prompt": (
        'refines = "Text"\n\n[concept.EpisodeKit]',
        'refines = "Image"\n\n[concept.EpisodeKit]',
    ),
    "tpl_style_llm_bad": ('templating_style = "ticks"', 'templating_style = "backticks"'),
    "tpl_style_llm_xml": ('templating_style = "ticks"', 'templating_style = "xml"'),
    "tpl_style_llm_no_tag": ('templating_style = "ticks"', 'templating_style = "no_tag"'),
    "page_field_view": ("@page\n", "@page\n$page.page_view\n"),
    "page_field_text": ("@page\n", "@page.text_and_images.text\n"),
}

BASE_MUTATIONS["lab_results"] = {
    # refines on natives, native fields
    "refines_number_field": (
        "Sample $sample.sample_id measured",
        "Sample $sample.sample_id ($sample.taken_on.date) measured",
    ),
    "refines_date_bad_field": (
        "Sample $sample.sample_id measured",
        "Sample $sample.sample_id ($sample.taken_on.day) measured",
    ),
    "refines_json": ('refines = "Date"', 'refines = "JSON"'),
    "refines_dynamic_native": ('refines = "Number"', 'refines = "Dynamic"'),
    "refines_composite_native": ('refines = "Number"', 'refines = "Composite"'),
    "refines_time": ('refines = "Date"', 'refines = "Time"'),
    "refines_anything": ('refines = "Number"', 'refines = "Anything"'),
    "refines_searchresult": ('refines = "Number"', 'refines = "SearchResult"'),
    "refines_textandimages": ('refines = "Number"', 'refines = "TextAndImages"'),
    "refines_native_lower_number": ('refines = "Number"', 'refines = "number"'),
    "refines_refined_native": (
        '[concept.Sample]\ndescription = "One sample"\n',
        '[concept.PeakMeasurement]\ndescription = "The highest value"\nrefines = "Measurement"\n\n[concept.Sample]\ndescription = "One sample"\n',
    ),
    "refines_two": ('refines = "Number"', 'refines = ["Number", "Text"]'),
    # list fields / item types
    "list_item_type_integer": (
        'item_type = "number", description = "Measured values"',
        'item_type = "integer", description = "Measured values"',
    ),
    "list_item_type_date": (
        'item_type = "number", description = "Measured values"',
        'item_type = "date", description = "Measured values"',
    ),
    "list_item_type_dict": (
        'item_type = "number", description = "Measured values"',
        'item_type = "dict", description = "Measured values"',
    ),
    "list_item_type_list": (
        'item_type = "number", description = "Measured values"',
        'item_type = "list", description = "Measured values"',
    ),
    "list_item_type_float": (
        'item_type = "number", description = "Measured values"',
        'item_type = "float", description = "Measured values"',
    ),
    "list_item_type_banana": (
        'item_type = "number", description = "Measured values"',
        'item_type = "banana", description = "Measured values"',
    ),
    "list_item_type_concept_code": (
        'item_type = "number", description = "Measured values"',
        'item_type = "Measurement", description = "Measured values"',
    ),
    "list_item_concept_native_refined": (
        'item_type = "number", description = "Measured values"',
        'item_type = "concept", item_concept_ref = "Measurement", description = "Measured values"',
    ),
    "list_default_value": (
        'item_type = "number", description = "Measured values", required = true',
        'item_type = "number", description = "Measured values", default_value = []',
    ),
    "dict_value_type_list": (
        'key_type = "text", value_type = "boolean"',
        'key_type = "text", value_type = "list"',
    ),
    "dict_value_type_concept_ref": (
        'key_type = "text", value_type = "boolean"',
        'key_type = "text", value_type = "concept", value_concept_ref = "YesNo"',
    ),
    "choices_default_required": ('default_value = "mg/L" }', 'default_value = "mg/L", required = true }'),
    "choices_default_absent": ('default_value = "mg/L" }', 'default_value = "g/L" }'),
    "field_required_false_explicit": (
        'sample_id = { type = "text", description = "Identifier", required = true }',
        'sample_id = { type = "text", description = "Identifier", required = false }',
    ),
    "field_type_concept_no_ref": ('concept_ref = "SampleDate", description', "description"),
    "field_concept_ref_structured_native": (
        'concept_ref = "Rating", description = "How bad"',
        'concept_ref = "Page", description = "How bad"',
    ),
    # structuring
    "llm_model_to_structure_direct": (
        'structuring_method = "direct"\n',
        'structuring_method = "direct"\nmodel_to_structure = "@default-small-structured"\n',
    ),
    "llm_model_to_structure_unknown": (
        'structuring_method = "direct"\n',
        'structuring_method = "direct"\nmodel_to_structure = "@no-such-model"\n',
    ),
    "llm_model_to_structure_preset": (
        'structuring_method = "direct"\n',
        'structuring_method = "direct"\nmodel_to_structure = "$engineering-structured"\n',
    ),
    "llm_model_to_structure_table": (
        'structuring_method = "direct"\n',
        'structuring_method = "direct"\nmodel_to_structure = { model = "@default-small-structured", temperature = 0 }\n',
    ),
    "llm_structuring_method_none": ('structuring_method = "direct"\n', ""),
    "llm_preliminary_on_text": (
        'output = "LabReport"\nmodel = { model = "$deep-analysis", temperature = 0.3, max_tokens = 4000 }',
        'output = "LabReport"\nstructuring_method = "preliminary_text"\nmodel = { model = "$deep-analysis", temperature = 0.3, max_tokens = 4000 }',
    ),
    "model_table_no_temperature": ("temperature = 0.3, max_tokens = 4000 }", "max_tokens = 4000 }"),
    "model_table_max_tokens_zero": ("max_tokens = 4000 }", "max_tokens = 0 }"),
    "model_table_temperature_negative": ("temperature = 0.3, max_tokens", "temperature = -0.5, max_tokens"),
    "model_table_temperature_two": ("temperature = 0.3, max_tokens", "temperature = 2, max_tokens"),
    "model_table_reasoning_budget": ("max_tokens = 4000 }", "max_tokens = 4000, reasoning_budget = 2000 }"),
    "model_table_reasoning_effort_max": (
        "max_tokens = 4000 }",
        'max_tokens = 4000, reasoning_effort = "max" }',
    ),
    "model_table_unknown_name": ('model = { model = "$deep-analysis"', 'model = { model = "@no-such-model"'),
    "model_table_img_preset": ('model = { model = "$deep-analysis"', 'model = { model = "$gen-image"'),
    "model_table_waterfall": (
        'model = { model = "$deep-analysis"',
        'model = { model = "~document-extractor"',
    ),
    # PipeJudge questions
    "judge_levels_one": (
        'levels = [\n  { label = "harmless", description = "No action" },\n  { label = "watch", description = "Check again" },\n  { label = "alarming", description = "Call the doctor" },\n]',
        'levels = [{ label = "harmless", description = "No action" }]',
    ),
    "judge_levels_strings": (
        'levels = [\n  { label = "harmless", description = "No action" },\n  { label = "watch", description = "Check again" },\n  { label = "alarming", description = "Call the doctor" },\n]',
        'levels = ["harmless", "watch", "alarming"]',
    ),
    "judge_levels_no_description": (
        '{ label = "watch", description = "Check again" }',
        '{ label = "watch" }',
    ),
    "judge_levels_dup_label": (
        '{ label = "watch", description = "Check again" }',
        '{ label = "harmless", description = "Check again" }',
    ),
    "judge_levels_empty": (
        'levels = [\n  { label = "harmless", description = "No action" },\n  { label = "watch", description = "Check again" },\n  { label = "alarming", description = "Call the doctor" },\n]',
        "levels = []",
    ),
    "judge_criteria_missing_no": (
        'criteria = { yes = "All within limits", no = "At least one outside" }',
        'criteria = { yes = "All within limits" }',
    ),
    "judge_criteria_on_rating": (
        'levels = [\n  { label = "harmless", description = "No action" },\n  { label = "watch", description = "Check again" },\n  { label = "alarming", description = "Call the doctor" },\n]',
        'criteria = { yes = "Serious", no = "Not serious" }',
    ),
    "judge_questions_field_missing": (
        "[pipe.check_sample.questions.severity]",
        "[pipe.check_sample.questions.gravity]",
    ),
    "judge_model_llm_alias": ('model = "@default-judgment"', 'model = "@default-general"'),
    "judge_model_vision": ('model = "@default-judgment"', 'model = "@default-judgment-vision"'),
    "judge_prompt_at_inline": ("measured {{ sample.values | join(', ') }}.", "measured @sample"),
    "judge_system_prompt": (
        'model = "@default-judgment"',
        'model = "@default-judgment"\nsystem_prompt = "Be strict."',
    ),
    # batch in sequence
    "seq_batch_over_not_list": (
        'output = "Sample[]"\nstructuring_method',
        'output = "Sample"\nstructuring_method',
    ),
    "seq_batch_result_used_single": (
        'inputs = { samples = "Sample[]", checks = "Check[]" }',
        'inputs = { samples = "Sample[]", checks = "Check" }',
    ),
    "seq_batch_as_equals_result": (
        'batch_as = "sample", result = "checks"',
        'batch_as = "sample", result = "sample"',
    ),
    "seq_batch_over_result_later": (
        '{ pipe = "check_sample", batch_over = "samples", batch_as = "sample", result = "checks" }',
        '{ pipe = "check_sample", batch_over = "checks", batch_as = "sample", result = "checks" }',
    ),
    "seq_batch_over_input_of_seq": (
        '{ pipe = "check_sample", batch_over = "samples", batch_as = "sample", result = "checks" }',
        '{ pipe = "check_sample", batch_over = "sheet", batch_as = "sample", result = "checks" }',
    ),
    "seq_step_nb_output_on_list": (
        '{ pipe = "structure_sheet", result = "samples" }',
        '{ pipe = "structure_sheet", result = "samples", nb_output = 3 }',
    ),
    "seq_result_overwrites_input": (
        '{ pipe = "draft_report", result = "report" }',
        '{ pipe = "draft_report", result = "sheet" }',
    ),
    "seq_output_refined_native": ('output = "LabReport"\nsteps', 'output = "Text"\nsteps'),
    "concept_shorthand_refines_key": (
        'LabReport = "A report on the samples"',
        'LabReport = { description = "A report", refines = "Text" }',
    ),
    "system_prompt_pipe_var": (
        'system_prompt = "You are a lab supervisor writing for doctors."',
        'system_prompt = "You are a lab supervisor. Samples: $samples"',
    ),
    "system_prompt_pipe_undeclared": (
        'system_prompt = "You are a lab supervisor writing for doctors."',
        'system_prompt = "You are a lab supervisor in $city."',
    ),
    "system_prompt_at": (
        'system_prompt = "You are a lab supervisor writing for doctors."',
        'system_prompt = """\nYou are a lab supervisor.\n@samples\n"""',
    ),
    "prompt_var_not_input": ("Write a short report.", "Write a short report for $doctor."),
    "prompt_jinja_var_not_input": ("Write a short report.", "Write a short report for {{ doctor }}."),
    "prompt_jinja_loop_var": (
        "Write a short report.",
        "{% for s in samples %}{{ s.sample_id }} {% endfor %}",
    ),
    "prompt_jinja_set_var": (
        "Write a short report.",
        "{% set n = samples | length %}Write a report on {{ n }} samples.",
    ),
    "unused_checks": ("Checks:\n@checks\n\n", ""),
}

BASE_MUTATIONS["market_watch"] = {
    "search_include_images_str": ("include_images = false", 'include_images = "no"'),
    "search_max_results_zero": ("max_results = 8", "max_results = 0"),
    "search_max_results_str": ("max_results = 8", 'max_results = "8"'),
    "search_date_datetime": ('from_date = "2026-01-01"', 'from_date = "2026-01-01T00:00:00"'),
    "search_date_toml_date": ('from_date = "2026-01-01"', "from_date = 2026-01-01"),
    "search_dates_reversed": ('from_date = "2026-01-01"', 'from_date = "2026-01-01"\nto_date = "2025-01-01"'),
    "search_exclude_string": ('exclude_domains = ["pinterest.com"]', 'exclude_domains = "pinterest.com"'),
    "search_both_domains": (
        'exclude_domains = ["pinterest.com"]',
        'exclude_domains = ["pinterest.com"]\ninclude_domains = ["reuters.com"]',
    ),
    "search_model_deep": ('model = "$standard"', 'model = "$deep"'),
    "search_model_alias": ('model = "$standard"', 'model = "@default-search"'),
    "search_model_llm_preset": ('model = "$standard"', 'model = "$writing-factual"'),
    "search_output_list": ('output = "NewsFinding"\nprompt', 'output = "NewsFinding[]"\nprompt'),
    "search_output_plain": ('output = "NewsFinding"\nprompt', 'output = "SearchResult"\nprompt'),
    "search_prompt_at": (
        'prompt = "Recent news on $competitor in the $market market"',
        'prompt = """\nRecent news in the $market market on:\n@competitor\n"""',
    ),
    "search_system_prompt": ("include_images = false", 'include_images = false\nsystem_prompt = "Be brief."'),
    "search_unused_market": ("in the $market market", "this year"),
    "searchresult_field": (
        '@findings\n"""\nquestion',
        '{% for f in findings %}{{ f.answer }}{% endfor %}\n"""\nquestion',
    ),
    "searchresult_bad_field": (
        '@findings\n"""\nquestion',
        '{% for f in findings %}{{ f.summary }}{% endfor %}\n"""\nquestion',
    ),
    # condition with template and special outcomes
    "cond_tpl_outcome_continue_only": (
        'brief = "write_briefing"\nskip = "continue"',
        'skip = "continue"',
    ),
    "cond_tpl_default_pipe": ('default_outcome = "continue"', 'default_outcome = "write_briefing"'),
    "cond_tpl_output_required": (
        'output = "Briefing?"\nexpression_template',
        'output = "Briefing"\nexpression_template',
    ),
    "cond_tpl_seq_output_required": ('output = "Briefing?"\nsteps', 'output = "Briefing"\nsteps'),
    "cond_tpl_no_jinja": (
        'expression_template = "{% if relevance.yes_no %}brief{% else %}skip{% endif %}"',
        'expression_template = "brief"',
    ),
    "cond_tpl_var_expression": (
        'expression_template = "{% if relevance.yes_no %}brief{% else %}skip{% endif %}"',
        'expression_template = "{{ relevance.yes_no }}"',
    ),
    "cond_tpl_sigil": (
        'expression_template = "{% if relevance.yes_no %}brief{% else %}skip{% endif %}"',
        'expression_template = "$relevance"',
    ),
    "cond_tpl_undeclared": ("{% if relevance.yes_no %}", "{% if relevancy.yes_no %}"),
    "cond_tpl_bad_field": ("{% if relevance.yes_no %}", "{% if relevance.answer %}"),
    "cond_tpl_unclosed": ("{% else %}skip{% endif %}", "{% else %}skip"),
    "cond_tpl_findings_unused": (
        'inputs = { relevance = "Relevance", findings = "NewsFinding[]" }',
        'inputs = { relevance = "Relevance" }',
    ),
    "cond_tpl_alias": (
        'default_outcome = "continue"',
        'default_outcome = "continue"\nadd_alias_from_expression_to = "route"',
    ),
    "cond_tpl_alias_bad_name": (
        'default_outcome = "continue"',
        'default_outcome = "continue"\nadd_alias_from_expression_to = "the route"',
    ),
    "cond_outcome_bool_key": ('brief = "write_briefing"', 'true = "write_briefing"'),
    "judge_yesno_no_model": ('output = "Relevance"\nmodel = "@default-judgment"\n', 'output = "Relevance"\n'),
    "judge_threshold_str": ("threshold = 0.6", 'threshold = "0.6"'),
    "judge_threshold_negative": ("threshold = 0.6", "threshold = -0.1"),
    "judge_threshold_one": ("threshold = 0.6", "threshold = 1"),
    "judge_yesno_with_options": ("threshold = 0.6", 'options = { yes = "Yes", no = "No" }'),
    "judge_output_refined_choice": ('refines = "YesNo"', 'refines = "Choice"'),
    "judge_prompt_inline_at": ('prompt = """\n@findings\n"""', 'prompt = "Findings: @findings"'),
    "opt_seq_output_step_required": (
        '{ pipe = "maybe_brief", result = "briefing" },\n]',
        '{ pipe = "maybe_brief", result = "briefing" },\n    { pipe = "polish_briefing", result = "polished" },\n]',
    ),
    "batch_over_refined_text_list": (
        'competitors = "Competitor[]", market',
        'competitors = "Text[]", market',
    ),
    "batch_over_fixed": ('competitors = "Competitor[]", market', 'competitors = "Competitor[3]", market'),
    "model_handle_long_form": ('model = "@default-premium"', 'model = "handle:gpt-4o-mini"'),
    "model_handle_bare_unknown": ('model = "@default-premium"', 'model = "gpt-17-ultra"'),
    "model_alias_premium_vision": ('model = "@default-premium"', 'model = "@default-premium-vision"'),
    "model_alias_best_gpt": ('model = "@default-premium"', 'model = "@best-gpt"'),
    "model_preset_testing": ('model = "@default-premium"', 'model = "$testing-text"'),
    "model_sigil_space": ('model = "@default-premium"', 'model = "@ default-premium"'),
    "model_sigil_upper": ('model = "@default-premium"', 'model = "@Default-Premium"'),
    "model_two_sigils": ('model = "@default-premium"', 'model = "$@default-premium"'),
    "model_img_preset_on_llm": ('model = "@default-premium"', 'model = "$gen-image"'),
    "model_search_preset_on_llm": ('model = "@default-premium"', 'model = "$standard"'),
}


MUTATIONS: dict[str, tuple[str, str]] = {
    # --- second pass: wrong types, missing fields, typos, multiplicity, domains, reserved names ---------------
    "type_description_int": ('description = "Pages, readings, verdict, memo"', "description = 3"),
    "type_inputs_string": (
        'inputs = { readings = "PageReading[]", brief = "Text?" }\noutput = "RiskMemo"\nexpression',
        'inputs = "PageReading[]"\noutput = "RiskMemo"\nexpression',
    ),
    "type_output_list": ('output = "Verdict"', 'output = ["Verdict"]'),
    "type_steps_string": (
        'steps = [\n    { pipe = "check_message"',
        'steps = "check_message"\nold_steps = [\n    { pipe = "check_message"',
    ),
    "type_required_string": (
        'description = "Guest names", required = true',
        'description = "Guest names", required = "yes"',
    ),
    "type_add_each_output_string": (
        'output = "EventPlan"\nbranches',
        'output = "EventPlan"\nadd_each_output = "true"\nbranches',
    ),
    "type_default_outcome_int": ('default_outcome = "continue"', "default_outcome = 1"),
    "type_temperature_string": (
        "temperature = 0.1, max_tokens = 2000",
        'temperature = "0.1", max_tokens = 2000',
    ),
    "type_max_tokens_float": ("max_tokens = 2000", "max_tokens = 2000.5"),
    "type_page_views_string": ("page_views = true", 'page_views = "yes"'),
    "type_choices_string": ('choices = ["low", "medium", "high"]', 'choices = "low, medium, high"'),
    "missing_output_seq": (
        'inputs = { brief = "EventBrief", guests = "GuestList" }\noutput = "Invitation"\n',
        'inputs = { brief = "EventBrief", guests = "GuestList" }\n',
    ),
    "missing_branch_pipe_code": ('branch_pipe_code = "find_venue"\n', ""),
    "missing_input_list_name": (
        'input_list_name = "themes"\ninput_item_name = "theme"\n\n[pipe.find_venue]',
        'input_item_name = "theme"\n\n[pipe.find_venue]',
    ),
    "missing_expression": ('expression = "verdict.answerable"\n', ""),
    "missing_default_outcome": ('default_outcome = "write_memo"\n', ""),
    "missing_branches": (
        'branches = [\n    { pipe = "find_venues", result = "venues" },\n    { pipe = "suggest_menus", result = "menus" },\n]\n',
        "",
    ),
    "missing_steps": (
        'steps = [\n    { pipe = "draft_menu", result = "draft" },\n    { pipe = "polish_menu", result = "menu" },\n]\n',
        "",
    ),
    "missing_item_concept_ref": (
        'item_type = "concept", item_concept_ref = "Venue", description = "Venues"',
        'item_type = "concept", description = "Venues"',
    ),
    "typo_step_pipe": (
        '{ pipe = "polish_menu", result = "menu" }',
        '{ pipe = "polish_menus", result = "menu" }',
    ),
    "typo_branch_pipe": ('branch_pipe_code = "suggest_menu"', 'branch_pipe_code = "suggest_menue"'),
    "typo_outcome_pipe": ('long = "write_urgent_memo"', 'long = "write_urgnet_memo"'),
    "typo_concept_in_input": ('inputs = { draft = "MenuIdea" }', 'inputs = { draft = "MenuIdee" }'),
    "typo_concept_in_structure": (
        'item_concept_ref = "legal.contracts.Clause"',
        'item_concept_ref = "legal.contracts.Clauses"',
    ),
    "typo_refines": ('refines = "legal.contracts.RiskMemo"', 'refines = "legal.contracts.RiskMemos"'),
    "typo_domain_in_ref": (
        'item_concept_ref = "legal.contracts.Clause"',
        'item_concept_ref = "legal.contract.Clause"',
    ),
    "multiplicity_batch_over_single": (
        '{ pipe = "read_page", batch_over = "pages"',
        '{ pipe = "read_pages_whole", batch_over = "pages"',
    ),
    "multiplicity_step_list_to_single": (
        'inputs = { readings = "PageReading[]", brief = "Text?" }\noutput = "RiskMemo"\nprompt',
        'inputs = { readings = "PageReading", brief = "Text?" }\noutput = "RiskMemo"\nprompt',
    ),
    "multiplicity_fixed_to_var": ('output = "Text[3]"', 'output = "Text[]"'),
    "multiplicity_par_field_single": (
        'output = "Venue[]"\nbranch_pipe_code',
        'output = "Venue"\nbranch_pipe_code',
    ),
    "multiplicity_extract_single": ('output = "Page[]"\npage_views', 'output = "Page"\npage_views'),
    "domain_capital_dotted": ('domain = "legal.contracts"', 'domain = "Legal.contracts"'),
    "domain_trailing_dot": ('domain = "support.core"', 'domain = "support."'),
    "domain_digit": ('domain = "events"', 'domain = "2events"'),
    "domain_native": ('domain = "events"', 'domain = "native"'),
    "reserved_result_main_stuff": (
        '{ pipe = "check_message", result = "verdict" }',
        '{ pipe = "check_message", result = "main_stuff" }',
    ),
    "reserved_field_model_prefix": ("answerable = { type", "model_answerable = { type"),
    "reserved_concept_native_name": (
        "[concept.Verdict]",
        '[concept.Verdict]\n\n[concept.Document]\ndescription = "Mine"\n\n[concept.VerdictX]',
    ),
    "reserved_input_underscore": (
        'inputs = { theme = "Text" }\noutput = "Venue"',
        'inputs = { _theme = "Text" }\noutput = "Venue"',
    ),
    "dup_pipe_same_file": (
        "[pipe.write_reply]",
        '[pipe.check_message_again]\ntype = "PipeLLM"\ndescription = "d"\ninputs = { message = "Message" }\noutput = "Verdict"\nprompt = "Again: $message"\n\n[pipe.write_reply]',
    ),
    "dup_concept_shorthand_and_table": (
        '[concept]\nMessage = "A customer message"',
        '[concept]\nMessage = "A customer message"\nReply = "Shorthand reply"',
    ),
    "cond_outcome_fail": (
        'outcomes = { "True" = "write_reply", "False" = "continue" }',
        'outcomes = { "True" = "write_reply", "False" = "fail" }',
    ),
    "cond_output_not_optional": ('output = "Reply?"\nexpression', 'output = "Reply"\nexpression'),
    "cond_expression_template_bad": ("{% else %}short{% endif %}", "{% else %}short"),
    "batch_in_parallel_item_collides": (
        'input_item_name = "theme"\n\n[pipe.find_venue]',
        'input_item_name = "themes"\n\n[pipe.find_venue]',
    ),
    "nested_seq_missing_input": (
        'inputs = { draft = "MenuIdea" }',
        'inputs = { draft = "MenuIdea", budget = "Number" }',
    ),
    "toml_dotted_and_table_conflict": (
        "structure.penalty = { type",
        'structure = { extra = "x" }\nstructure.penalty = { type',
    ),
    "toml_multiline_prompt_literal": (
        'prompt = "Polish this menu: $draft"',
        "prompt = '''Polish this menu: $draft'''",
    ),
    "toml_inline_comment_in_array": (
        '    { pipe = "list_themes", result = "themes" },',
        '    # first the themes\n    { pipe = "list_themes", result = "themes" }, # three of them',
    ),
    "optional_field_required_default": (
        'reason = { type = "text", description = "Why" }',
        'reason = { type = "text", description = "Why", required = true, default_value = "n/a" }',
    ),
    "dict_missing_value_type": ('key_type = "text", value_type = "boolean", ', 'key_type = "text", '),
    "dict_bad_value_type": ('value_type = "boolean"', 'value_type = "bool"'),
    # top level and names
    "domain_upper": ('domain = "', 'domain = "Bad'),
    "domain_hyphen": ('domain = "', 'domain = "bad-'),
    "no_description_top": ("\ndescription = ", "\n# description = "),
    "main_pipe_unknown": ('main_pipe = "', 'main_pipe = "nope_'),
    "main_pipe_camel": ('main_pipe = "', 'main_pipe = "X'),
    "extra_top_key": ("main_pipe =", 'version = "1"\nmain_pipe ='),
    "system_prompt_top": ("main_pipe =", 'system_prompt = "Be brief."\nmain_pipe ='),
    # concepts
    "concept_lowercase": ("[concept]\n", '[concept]\nlower_case = "bad"\n'),
    "concept_redeclare_native": ("[concept]\n", '[concept]\nText = "my text"\n'),
    "concept_refines_unknown": ('refines = "Text"', 'refines = "Txt"'),
    "concept_refines_and_structure": (
        'refines = "Text"',
        'refines = "Text"\nstructure = { a = "b" }',
    ),
    "concept_refines_image_dotted": ('refines = "Image"', 'refines = "native.Image"'),
    "concept_refines_structured": ('refines = "Document"', 'refines = "Text"'),
    "field_type_unknown": ('type = "integer"', 'type = "int"'),
    "field_type_float": ('type = "number"', 'type = "float"'),
    "field_required_string": ("required = true }", 'required = "yes" }'),
    "field_no_description": (
        '{ type = "boolean", description = "Is the customer angry", ',
        '{ type = "boolean", ',
    ),
    "field_name_keyword": ("score = { type", "class = { type"),
    "field_name_underscore": ("score = { type", "_score = { type"),
    "field_name_camel": ("score = { type", "Score = { type"),
    "field_choices_int": ('choices = ["happy", "neutral", "angry"]', "choices = [1, 2, 3]"),
    "field_choices_on_integer": (
        'score = { type = "integer", description = "Stars from 1 to 5", required = true }',
        'score = { type = "integer", description = "Stars", choices = ["a"], required = true }',
    ),
    "field_default_value": (
        'description = "Budget in EUR" }',
        'description = "Budget in EUR", default_value = 100 }',
    ),
    "field_default_wrong_type": (
        'description = "Budget in EUR" }',
        'description = "Budget in EUR", default_value = "cheap" }',
    ),
    "list_item_concept_shorthand": (
        'item_type = "concept", item_concept_ref = "LineItem"',
        'item_type = "LineItem"',
    ),
    "list_item_concept_unknown": ('item_concept_ref = "LineItem"', 'item_concept_ref = "LineItm"'),
    "list_item_concept_missing_ref": (
        'item_type = "concept", item_concept_ref = "LineItem", ',
        'item_type = "concept", ',
    ),
    "list_no_item_type": ('type = "list", item_type = "text", ', 'type = "list", '),
    "concept_ref_unknown": ('concept_ref = "YesNo"', 'concept_ref = "YesNoo"'),
    "concept_ref_native_dotted": ('concept_ref = "YesNo"', 'concept_ref = "native.YesNo"'),
    "concept_ref_missing": ('type = "concept", concept_ref = "YesNo", ', 'type = "concept", '),
    "field_dict": (
        'reasons = { type = "list", item_type = "text", description = "Reasons" }',
        'reasons = { type = "dict", key_type = "text", value_type = "integer", description = "Reasons" }',
    ),
    "field_date_time": ('type = "date"', 'type = "datetime"'),
    "concept_no_description": ('description = "A product card for the catalog"\n', ""),
    "structure_string_class": (
        "[concept.Recipe.structure]",
        '[concept.RecipeModel]\ndescription = "x"\nstructure = "RecipeModel"\n\n[concept.Recipe.structure]',
    ),
    # inputs and names
    "input_name_camel": (
        'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
        'inputs = { Review = "Review" }\noutput = "ReviewAnalysis"',
    ),
    "input_name_hyphen": ('inputs = { chapter = "Chapter" }', 'inputs = { "the-chapter" = "Chapter" }'),
    "input_unknown_concept": (
        'inputs = { comment = "Comment" }\noutput = "Verdict"',
        'inputs = { comment = "Coment" }\noutput = "Verdict"',
    ),
    "input_table_form": (
        'inputs = { ticket = "Ticket" }\noutput = "Answer"\nprompt = "Answer this billing',
        'inputs = { ticket = { concept = "Ticket" } }\noutput = "Answer"\nprompt = "Answer this billing',
    ),
    "input_native_dotted": (
        'brand = "Text" }\noutput = "BannerPrompt"',
        'brand = "native.Text" }\noutput = "BannerPrompt"',
    ),
    "input_multiplicity_zero": ('output = "Question[3]"', 'output = "Question[0]"'),
    "input_multiplicity_bad": ('output = "Question[3]"', 'output = "Question[three]"'),
    "output_fixed_list_llm": ('output = "ReviewAnalysis"\nmodel', 'output = "ReviewAnalysis[2]"\nmodel'),
    "output_list_llm": ('output = "ReviewAnalysis"\nmodel', 'output = "ReviewAnalysis[]"\nmodel'),
    "output_unknown_concept": ('output = "Reply"\nprompt', 'output = "Replyy"\nprompt'),
    "output_image_llm": (
        'output = "Text"\nprompt = "Write a headline',
        'output = "Image"\nprompt = "Write a headline',
    ),
    "output_optional_llm": (
        'output = "Text"\nprompt = "Write a headline',
        'output = "Text?"\nprompt = "Write a headline',
    ),
    "output_forced_llm": (
        'output = "Text"\nprompt = "Write a headline',
        'output = "Text!"\nprompt = "Write a headline',
    ),
    "output_missing": ('output = "Answer"\nprompt = "Acknowledge', 'prompt = "Acknowledge'),
    "output_dynamic": (
        'output = "Answer"\nprompt = "Acknowledge',
        'output = "Dynamic"\nprompt = "Acknowledge',
    ),
    "output_anything": (
        'output = "Answer"\nprompt = "Acknowledge',
        'output = "Anything"\nprompt = "Acknowledge',
    ),
    "output_json_native": (
        'output = "Answer"\nprompt = "Acknowledge',
        'output = "JSON"\nprompt = "Acknowledge',
    ),
    "pipe_type_unknown": ('type = "PipeLLM"', 'type = "PipeLlm"'),
    "pipe_type_missing": ('type = "PipeCompose"\n', ""),
    "pipe_type_jinja": ('type = "PipeCompose"', 'type = "PipeJinja2"'),
    "pipe_no_description": ('description = "Summary"\n', ""),
    "pipe_code_camel": ("[pipe.write_summary]", "[pipe.writeSummary]"),
    "pipe_extra_field": ('model = "$vision"', 'model = "$vision"\ntemperature = 0.2'),
    "pipe_code_digit_start": ("[pipe.answer_bug]", "[pipe.2answer_bug]"),
    # models
    "model_unknown_preset": ('model = "$vision"', 'model = "$visionn"'),
    "model_unknown_alias": ('model = "@default-extract-document"', 'model = "@default-extract-doc"'),
    "model_handle_unknown": ('model = "$writing-factual"', 'model = "gpt-99"'),
    "model_handle_known": ('model = "$writing-factual"', 'model = "gpt-4o"'),
    "model_long_form": ('model = "$writing-factual"', 'model = "preset:writing-factual"'),
    "model_table_bad_key": ("temperature = 0.7 }", "temperature = 0.7, top_k = 3 }"),
    "model_temperature_high": ("temperature = 0.7 }", "temperature = 7 }"),
    "model_waterfall": ('model = "@default-extract-document"', 'model = "~document-extractor"'),
    "model_table_preset": (
        'model = { model = "@default-general", temperature = 0.7 }',
        'model = { model = "$writing-creative" }',
    ),
    "model_reasoning_effort": ("temperature = 0.7 }", 'reasoning_effort = "high" }'),
    "model_reasoning_effort_bad": ("temperature = 0.7 }", 'reasoning_effort = "extreme" }'),
    # templates
    "tpl_undeclared_var": ('$article"', '$articles"'),
    "tpl_unused_input": (
        'inputs = { comment = "Comment" }\noutput = "Verdict"',
        'inputs = { comment = "Comment", extra = "Text" }\noutput = "Verdict"',
    ),
    "tpl_at_inline": ("@review\n\nGive", "Read @review carefully.\n\nGive"),
    "tpl_at_escape": ("Give the score", "Mail us at support@@shop.com. Give the score"),
    "tpl_dollar_number": ("Write a short, polite reply.", "Write a short reply, offer $10 off."),
    "tpl_unknown_field": ("$analysis.mood", "$analysis.moood"),
    "tpl_nested_field": ('$ticket.title"', '$ticket.title.text"'),
    "tpl_jinja_syntax": ("{{ verdict.yes_no }}", "{{ verdict.yes_no }"),
    "tpl_jinja_filter_unknown": ("{{ verdict.yes_no }}", "{{ verdict.yes_no | shout }}"),
    "tpl_jinja_filter_known": ("{{ verdict.yes_no }}", "{{ verdict.yes_no | upper }}"),
    "tpl_jinja_block_unclosed": ("{% endfor %}", ""),
    "tpl_private_name": ("{{ scaled.title }}", "{{ scaled._title }}"),
    "tpl_optional_unguarded": ("@?preferences", "$preferences"),
    "tpl_optional_jinja_guard": (
        "@?preferences",
        "{% if preferences is defined %}{{ preferences }}{% endif %}",
    ),
    "tpl_optional_at": ("@?preferences", "@preferences"),
    "tpl_tag_filter": ("@cards", "{{ cards|tag('cards') }}"),
    "tpl_format_filter": ("$brand", "{{ brand|format() }}"),
    "tpl_system_prompt_var": (
        'system_prompt = "You are a careful customer service analyst."',
        'system_prompt = "You are an analyst for $review."',
    ),
    "tpl_image_not_referenced": ("\n$photo\n", "\n"),
    "tpl_image_at": ("\n$photo\n", "\n@photo\n"),
    "tpl_image_field_not_referenced": ("\n$listing.photo\n", "\n"),
    "tpl_doc_input_llm": (
        'inputs = { cv_pages = "Page[]", offer = "JobOffer" }',
        'inputs = { cv_pages = "Page[]", offer = "JobOffer", cv = "CandidateCV" }',
    ),
    "tpl_templating_style": (
        'prompt = "Write a markdown flyer',
        'templating_style = "ticks"\nprompt = "Write a markdown flyer',
    ),
    "tpl_templating_style_bad": (
        'prompt = "Write a markdown flyer',
        'templating_style = "curly"\nprompt = "Write a markdown flyer',
    ),
    "tpl_empty_prompt": ('prompt = "Is this comment acceptable on a family forum? $comment"', 'prompt = ""'),
    "llm_no_prompt": ('prompt = "Write a markdown flyer from: $description"', ""),
    "llm_structuring_method": (
        'model = "$writing-factual"',
        'model = "$writing-factual"\nstructuring_method = "preliminary_text"',
    ),
    "llm_structuring_method_bad": (
        'model = "$writing-factual"',
        'model = "$writing-factual"\nstructuring_method = "json"',
    ),
    # PipeImgGen
    "img_aspect_bad": ('aspect_ratio = "landscape_16_9"', 'aspect_ratio = "16:9"'),
    "img_output_text": (
        'output = "Image"\nprompt = "$banner_prompt"',
        'output = "Text"\nprompt = "$banner_prompt"',
    ),
    "img_output_list": ('output = "Image[2]"', 'output = "Image[]"'),
    "img_output_refined": (
        'output = "Image"\nprompt = "$banner_prompt"',
        'output = "ProductPhoto"\nprompt = "$banner_prompt"',
    ),
    "img_no_prompt": ('prompt = "$banner_prompt"\n', ""),
    "img_seed_auto": ('aspect_ratio = "landscape_16_9"', 'aspect_ratio = "landscape_16_9"\nseed = "auto"'),
    "img_seed_bad": ('aspect_ratio = "landscape_16_9"', 'aspect_ratio = "landscape_16_9"\nseed = "random"'),
    "img_background": (
        'negative_prompt = "people, text"',
        'negative_prompt = "people, text"\nbackground = "transparent"\noutput_format = "png"',
    ),
    "img_output_format_bad": (
        'negative_prompt = "people, text"',
        'negative_prompt = "people, text"\noutput_format = "gif"',
    ),
    "img_size": ('aspect_ratio = "landscape_16_9"', 'size = "2k"'),
    "img_prompt_unused_input": ('prompt = "$banner_prompt"', 'prompt = "A banner"'),
    "img_model": (
        'negative_prompt = "people, text"',
        'negative_prompt = "people, text"\nmodel = "$gen-image-fast"',
    ),
    "img_model_llm_preset": (
        'negative_prompt = "people, text"',
        'negative_prompt = "people, text"\nmodel = "$writing-factual"',
    ),
    # PipeExtract
    "extract_output_page": ('output = "Page[]"\nmodel', 'output = "Page"\nmodel'),
    "extract_output_text": ('output = "Page[]"\nmodel', 'output = "Text[]"\nmodel'),
    "extract_two_inputs": (
        'inputs = { cv = "CandidateCV" }\noutput = "Page[]"',
        'inputs = { cv = "CandidateCV", offer = "JobOffer" }\noutput = "Page[]"',
    ),
    "extract_text_input": (
        'inputs = { cv = "CandidateCV" }\noutput = "Page[]"',
        'inputs = { cv = "JobOffer" }\noutput = "Page[]"',
    ),
    "extract_page_views": (
        'model = "@default-extract-document"',
        'model = "@default-extract-document"\npage_views = true\npage_views_dpi = 150',
    ),
    "extract_no_inputs": ('inputs = { invoice = "Invoice" }\noutput = "Page[]"', 'output = "Page[]"'),
    "extract_fixed": ('output = "Page[]"\nmodel', 'output = "Page[2]"\nmodel'),
    "extract_llm_model": ('model = "@default-extract-document"', 'model = "$writing-factual"'),
    "extract_llm_alias": ('model = "@default-extract-document"', 'model = "@default-general"'),
    "extract_llm_handle": ('model = "@default-extract-document"', 'model = "gpt-4o"'),
    "extract_premium_alias": ('model = "@default-extract-document"', 'model = "@default-premium"'),
    "extract_text_from_pdf": ('model = "@default-extract-document"', 'model = "@default-text-from-pdf"'),
    # PipeSearch, PipeJudge, PipeStructure, PipeDocGen
    "search_output_text": ('output = "SearchResult"\nprompt', 'output = "Text"\nprompt'),
    "search_output_structured": ('output = "SearchResult"\nprompt', 'output = "SupplierSheet"\nprompt'),
    "search_no_prompt": ('prompt = "Which suppliers currently stock this part: $request?"\n', ""),
    "search_dates": ("max_results = 5", 'max_results = 5\nfrom_date = "2026-01-01"\nto_date = "2026-06-30"'),
    "search_bad_date": ("max_results = 5", 'max_results = 5\nfrom_date = "last year"'),
    "search_domains": ("max_results = 5", 'max_results = 5\ninclude_domains = ["example.com"]'),
    "search_llm_model": ("max_results = 5", 'max_results = 5\nmodel = "$writing-factual"'),
    "search_unused_input": (
        'prompt = "Which suppliers currently stock this part: $request?"',
        'prompt = "Which suppliers stock bolts?"',
    ),
    "judge_output_text": ('output = "RequestReview"', 'output = "Text"'),
    "judge_single_question": (
        '[pipe.review_request.questions.urgent]\nquestion = "Does this need an answer today?"\ncriteria = { yes = "Production is blocked", no = "It can wait" }\nthreshold = 0.7\n\n[pipe.review_request.questions.team]\nquestion = "Which team handles it?"\noptions = { purchasing = "Buying parts", engineering = "Finding alternatives" }',
        'question = "Does this need an answer today?"\ncriteria = { yes = "Production is blocked", no = "It can wait" }',
    ),
    "judge_question_missing_field": (
        "[pipe.review_request.questions.team]",
        "[pipe.review_request.questions.team_name]",
    ),
    "judge_extra_question": (
        "[pipe.review_request.questions.team]",
        '[pipe.review_request.questions.cost]\nquestion = "Is it expensive?"\ncriteria = { yes = "Over 1000 EUR", no = "Under" }\n\n[pipe.review_request.questions.team]',
    ),
    "judge_levels": (
        'options = { purchasing = "Buying parts", engineering = "Finding alternatives" }',
        'levels = [ { label = "Low", description = "x" }, { label = "High", description = "y" } ]',
    ),
    "judge_threshold_high": ("threshold = 0.7", "threshold = 1.7"),
    "judge_no_prompt": ('prompt = """\nThe request:\n@request\n"""\n', ""),
    "judge_llm_model": ('model = "@default-judgment"', 'model = "$writing-factual"'),
    "judge_options_and_criteria": (
        'options = { purchasing = "Buying parts", engineering = "Finding alternatives" }',
        'options = { purchasing = "Buying parts", engineering = "Finding alternatives" }\ncriteria = { yes = "a", no = "b" }',
    ),
    "judge_llm_alias": ('model = "@default-judgment"', 'model = "@default-general"'),
    "judge_llm_handle": ('model = "@default-judgment"', 'model = "gpt-4o"'),
    "judge_vision_alias": ('model = "@default-judgment"', 'model = "@default-judgment-vision"'),
    "search_output_markdown": ('output = "SearchResult"\nprompt', 'output = "Markdown"\nprompt'),
    "search_output_custom_text": ('output = "SearchResult"\nprompt', 'output = "PartRequest"\nprompt'),
    "search_output_list": ('output = "SearchResult"\nprompt', 'output = "SearchResult[]"\nprompt'),
    "structure_list_input": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'inputs = { request = "PartRequest[]" }\noutput = "SupplierSheet"',
    ),
    "structure_markdown_input": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'inputs = { request = "Markdown" }\noutput = "SupplierSheet"',
    ),
    "structure_output_text": (
        'output = "SupplierSheet"\n\n[pipe.print_sheet]',
        'output = "Text"\n\n[pipe.print_sheet]',
    ),
    "structure_two_inputs": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'inputs = { request = "PartRequest", search = "SearchResult" }\noutput = "SupplierSheet"',
    ),
    "structure_search_input": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'inputs = { search = "SearchResult" }\noutput = "SupplierSheet"',
    ),
    "structure_structured_input": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'inputs = { review = "RequestReview" }\noutput = "SupplierSheet"',
    ),
    "structure_text_input": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'inputs = { request = "Text" }\noutput = "SupplierSheet"',
    ),
    "structure_no_inputs": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'output = "SupplierSheet"',
    ),
    "structure_rating_input": (
        'inputs = { request = "PartRequest" }\noutput = "SupplierSheet"',
        'inputs = { urgency = "Urgency" }\noutput = "SupplierSheet"',
    ),
    "structure_model": (
        'output = "SupplierSheet"\n\n[pipe.print_sheet]',
        'output = "SupplierSheet"\nmodel = "$engineering-structured"\n\n[pipe.print_sheet]',
    ),
    "docgen_format_bad": ('format = "pdf"', 'format = "odt"'),
    "docgen_format_docx": ('format = "pdf"', 'format = "docx"'),
    "docgen_no_format": ('format = "pdf"\n', ""),
    "docgen_output_text": ('output = "PrintedSheet"\nformat', 'output = "Text"\nformat'),
    "docgen_template": (
        'filename = "suppliers-{{ sheet.part }}"',
        'filename = "suppliers-{{ sheet.part }}"\ntemplate = "# Suppliers for $sheet.part"',
    ),
    "docgen_bad_field": (
        'filename = "suppliers-{{ sheet.part }}"',
        'filename = "suppliers-{{ sheet.parts }}"',
    ),
    # PipeFunc
    "func_flat_name": (
        'function_name = "recipes_lib.scaling.scale_recipe"',
        'function_name = "scale_recipe"',
    ),
    "func_missing_name": ('function_name = "recipes_lib.scaling.scale_recipe"\n', ""),
    "func_bad_path": (
        'function_name = "recipes_lib.scaling.scale_recipe"',
        'function_name = "recipes-lib.scale"',
    ),
    "func_list_output": (
        'output = "ScaledRecipe"\nfunction_name',
        'output = "ScaledRecipe[]"\nfunction_name',
    ),
    "func_no_inputs": (
        'inputs = { recipe = "Recipe", servings = "Number" }\noutput = "ScaledRecipe"',
        'output = "ScaledRecipe"',
    ),
    # PipeCompose
    "compose_both": ('template = "Thanks', 'construct = { text = "x" }\ntemplate = "Thanks'),
    "compose_neither": (
        "template = \"Thanks, we received your ticket '$ticket.title' and will answer soon.\"\n",
        "",
    ),
    "compose_construct_unknown_field": ("word_count = 120", 'word_count = 120\nauthor = "me"'),
    "compose_construct_missing_required": ('headline = { from = "headline.text" }\n', ""),
    "compose_construct_from_bad": ('{ from = "headline.text" }', '{ from = "headlines.text" }'),
    "compose_construct_from_bad_field": ('{ from = "headline.text" }', '{ from = "headline.texte" }'),
    "compose_construct_from_whole": ('{ from = "headline.text" }', '{ from = "headline" }'),
    "compose_construct_wrong_type": ("word_count = 120", 'word_count = "many"'),
    "compose_construct_text_output": (
        'output = "Digest"\n\n[pipe.compose_digest.construct]',
        'output = "Text"\n\n[pipe.compose_digest.construct]',
    ),
    "compose_template_table": (
        "template = \"Thanks, we received your ticket '$ticket.title' and will answer soon.\"",
        'template = { template = "Thanks for \'$ticket.title\'.", category = "markdown" }',
    ),
    "compose_template_table_bad_cat": (
        "template = \"Thanks, we received your ticket '$ticket.title' and will answer soon.\"",
        'template = { template = "Thanks for \'$ticket.title\'.", category = "json" }',
    ),
    "compose_template_structured_out": ('output = "Markdown"\ntemplate', 'output = "Recipe"\ntemplate'),
    "compose_template_unused": ("{{ scaled.servings }}", "4"),
    "compose_template_undeclared": ("{{ scaled.servings }}", "{{ servings }}"),
    "compose_list_to_dict": (
        '{ from = "headline.text" }',
        '{ from = "headline.text", list_to_dict_keyed_by = "text" }',
    ),
    # PipeSequence
    "seq_no_steps": (
        'steps = [\n    { pipe = "analyse_review", result = "analysis" },\n    { pipe = "write_reply", result = "reply" },\n]',
        "steps = []",
    ),
    "seq_unknown_step_pipe": ('{ pipe = "write_reply"', '{ pipe = "write_replies"'),
    "seq_output_mismatch": ('output = "Reply"\nsteps', 'output = "Review"\nsteps'),
    "seq_output_text_from_refined": ('output = "Reply"\nsteps', 'output = "Text"\nsteps'),
    "seq_output_multiplicity": ('output = "InvoiceData"\nsteps', 'output = "InvoiceData[]"\nsteps'),
    "seq_missing_input": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { text = "Review" }\noutput = "Reply"\nsteps',
    ),
    "seq_step_no_result": ('{ pipe = "analyse_review", result = "analysis" }', '{ pipe = "analyse_review" }'),
    "seq_result_renamed": (
        '{ pipe = "analyse_review", result = "analysis" }',
        '{ pipe = "analyse_review", result = "analysis_v1" }',
    ),
    "seq_unused_input": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { review = "Review", tone = "Text" }\noutput = "Reply"\nsteps',
    ),
    "seq_batch_over_no_as": ('batch_over = "photos", batch_as = "photo", ', 'batch_over = "photos", '),
    "seq_batch_as_same": ('batch_as = "photo"', 'batch_as = "photos"'),
    "seq_batch_over_single": (
        'inputs = { photos = "ProductPhoto[]", brand = "Text" }',
        'inputs = { photos = "ProductPhoto", brand = "Text" }',
    ),
    "seq_batch_wrong_item_name": ('batch_as = "photo"', 'batch_as = "picture"'),
    "seq_nb_output": (
        '{ pipe = "describe_listing", result = "description" }',
        '{ pipe = "describe_listing", result = "description", nb_output = 2 }',
    ),
    "seq_nb_and_multiple": (
        '{ pipe = "describe_listing", result = "description" }',
        '{ pipe = "describe_listing", result = "description", nb_output = 2, multiple_output = true }',
    ),
    "seq_binding_step": (
        '    { pipe = "write_reply", result = "reply" },',
        '    { from = "analysis.mood", result = "mood" },\n    { pipe = "write_reply", result = "reply" },',
    ),
    "seq_binding_step_bad_path": (
        '    { pipe = "write_reply", result = "reply" },',
        '    { from = "analysis.moods", result = "mood" },\n    { pipe = "write_reply", result = "reply" },',
    ),
    "seq_binding_no_result": (
        '    { pipe = "write_reply", result = "reply" },',
        '    { from = "analysis.mood" },\n    { pipe = "write_reply", result = "reply" },',
    ),
    "seq_binding_with_pipe": (
        '    { pipe = "write_reply", result = "reply" },',
        '    { from = "analysis.mood", pipe = "write_reply", result = "mood" },\n    { pipe = "write_reply", result = "reply" },',
    ),
    "seq_dotted_batch_over": (
        '{ pipe = "describe_photo", batch_over = "photos"',
        '{ pipe = "describe_photo", batch_over = "photos.items"',
    ),
    "seq_step_extra_key": (
        '{ pipe = "extract_pages", result = "pages" }',
        '{ pipe = "extract_pages", result = "pages", timeout = 3 }',
    ),
    "seq_self_reference": (
        '{ pipe = "write_reply", result = "reply" }',
        '{ pipe = "triage_review", result = "reply" }',
    ),
    "seq_step_input_mismatch": (
        'inputs = { cards = "ProductCard[]", brand = "Text" }',
        'inputs = { cards = "ProductCard", brand = "Text" }',
    ),
    "seq_step_concept_mismatch": ('inputs = { pages = "Page[]" }', 'inputs = { pages = "Text[]" }'),
    "seq_step_refined_ok": (
        'inputs = { review = "Review", analysis = "ReviewAnalysis" }',
        'inputs = { review = "Text", analysis = "ReviewAnalysis" }',
    ),
    "seq_native_to_custom": ('inputs = { scaled = "ScaledRecipe" }', 'inputs = { scaled = "Recipe" }'),
    "seq_parent_to_child": (
        'inputs = { recipe = "Recipe", servings = "Number" }\noutput = "ScaledRecipe"',
        'inputs = { recipe = "ScaledRecipe", servings = "Number" }\noutput = "ScaledRecipe"',
    ),
    "seq_unused_in_binding_only": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps = [',
        'inputs = { review = "Review", extra = "ReviewAnalysis" }\noutput = "Reply"\nsteps = [\n    { from = "extra.mood", result = "extra_mood" },',
    ),
    "seq_input_shadowed": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { review = "Review", analysis = "ReviewAnalysis" }\noutput = "Reply"\nsteps',
    ),
    "seq_unused_optional_input": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { review = "Review", tone = "Text?" }\noutput = "Reply"\nsteps',
    ),
    "seq_unused_native_input": (
        'inputs = { invoice = "Invoice" }\noutput = "InvoiceData"',
        'inputs = { invoice = "Invoice", currency = "Text" }\noutput = "InvoiceData"',
    ),
    "par_unused_input": (
        'inputs = { article = "Article" }\noutput = "DigestParts"',
        'inputs = { article = "Article", tone = "Text" }\noutput = "DigestParts"',
    ),
    "cond_unused_input": (
        'inputs = { ticket = "Ticket" }\noutput = "Answer"\nexpression',
        'inputs = { ticket = "Ticket", lang = "Text" }\noutput = "Answer"\nexpression',
    ),
    "nested_seq_unused": (
        'inputs = { listing = "Listing" }\noutput = "Composite"',
        'inputs = { listing = "Listing", agent = "Text" }\noutput = "Composite"',
    ),
    "compose_unused_input": (
        'inputs = { headline = "Text", summary = "Text" }',
        'inputs = { headline = "Text", summary = "Text", article = "Article" }',
    ),
    "extract_unused_second": (
        'inputs = { invoice = "Invoice" }\noutput = "Page[]"',
        'inputs = { invoice = "Invoice", hint = "Text" }\noutput = "Page[]"',
    ),
    "func_unused_input": (
        'inputs = { recipe = "Recipe", servings = "Number" }\noutput = "ScaledRecipe"',
        'inputs = { recipe = "Recipe", servings = "Number", unit = "Text" }\noutput = "ScaledRecipe"',
    ),
    "img_unused_input": (
        'inputs = { description = "Text" }\noutput = "Image[2]"',
        'inputs = { description = "Text", style = "Text" }\noutput = "Image[2]"',
    ),
    # text-like compatibility: what a step gives against what the next pipe declares
    "compat_sh_to_sh": (
        'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
        'inputs = { review = "Reply" }\noutput = "ReviewAnalysis"',
    ),
    "compat_sh_to_text": (
        'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
        'inputs = { review = "Text" }\noutput = "ReviewAnalysis"',
    ),
    "compat_sh_to_md": (
        'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
        'inputs = { review = "Markdown" }\noutput = "ReviewAnalysis"',
    ),
    "compat_sh_to_refined": (
        'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
        'inputs = { review = "Sentiment" }\noutput = "ReviewAnalysis"',
    ),
    "compat_text_to_sh": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { review = "Text" }\noutput = "Reply"\nsteps',
    ),
    "compat_md_to_sh": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { review = "Markdown" }\noutput = "Reply"\nsteps',
    ),
    "compat_refined_to_sh": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { review = "Sentiment" }\noutput = "Reply"\nsteps',
    ),
    "compat_html_to_sh": (
        'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
        'inputs = { review = "Html" }\noutput = "Reply"\nsteps',
    ),
    # PipeParallel
    "par_output_text": ('output = "DigestParts"\nadd_each_output', 'output = "Text"\nadd_each_output'),
    "par_output_list": ('output = "Composite"\nbranches', 'output = "Composite[]"\nbranches'),
    "par_combined_output": (
        "add_each_output = true",
        'add_each_output = true\ncombined_output = "DigestParts"',
    ),
    "par_no_add_each": ("add_each_output = true\n", ""),
    "par_branch_no_result": ('{ pipe = "write_summary", result = "summary" }', '{ pipe = "write_summary" }'),
    "par_branch_result_renamed": (
        '{ pipe = "write_summary", result = "summary" }',
        '{ pipe = "write_summary", result = "abstract" }',
    ),
    "par_branch_unknown": ('{ pipe = "write_summary"', '{ pipe = "write_summry"'),
    "par_struct_text_fields": (
        'headline = { type = "concept", concept_ref = "Text", description = "The headline", required = true }',
        'headline = { type = "text", description = "The headline", required = true }',
    ),
    "par_branch_binding": (
        '{ pipe = "write_summary", result = "summary" }',
        '{ from = "article.text", result = "summary" }',
    ),
    "par_branch_batch": (
        '{ pipe = "draw_pictures", result = "pictures" }',
        '{ pipe = "draw_pictures", result = "pictures", batch_over = "description", batch_as = "d" }',
    ),
    "par_no_branches": (
        'branches = [\n    { pipe = "write_headline", result = "headline" },\n    { pipe = "write_summary", result = "summary" },\n]',
        "branches = []",
    ),
    "par_same_result": (
        '{ pipe = "draw_pictures", result = "pictures" }',
        '{ pipe = "draw_pictures", result = "flyer" }',
    ),
    # PipeCondition
    "cond_no_default": ('default_outcome = "answer_generic"\n', ""),
    "cond_default_fail": ('default_outcome = "answer_generic"', 'default_outcome = "fail"'),
    "cond_default_continue": ('default_outcome = "answer_generic"', 'default_outcome = "continue"'),
    "cond_continue_optional": (
        'output = "Answer"\nexpression = "ticket.category"\ndefault_outcome = "answer_generic"',
        'output = "Answer?"\nexpression = "ticket.category"\ndefault_outcome = "continue"',
    ),
    "cond_both_expressions": (
        'expression = "ticket.category"',
        'expression = "ticket.category"\nexpression_template = "{{ ticket.category }}"',
    ),
    "cond_expression_template": (
        'expression = "ticket.category"',
        "expression_template = \"{% if ticket.category == 'bug' %}bug{% else %}billing{% endif %}\"",
    ),
    "cond_no_expression": ('expression = "ticket.category"\n', ""),
    "cond_expression_braces": ('expression = "ticket.category"', 'expression = "{{ ticket.category }}"'),
    "cond_expression_undeclared": ('expression = "ticket.category"', 'expression = "tiket.category"'),
    "cond_expression_bad_field": ('expression = "ticket.category"', 'expression = "ticket.kategory"'),
    "cond_outcome_unknown": ('bug = "answer_bug"', 'bug = "answer_bugs"'),
    "cond_outcome_mismatch": (
        'output = "Answer"\nprompt = "Acknowledge',
        'output = "Text"\nprompt = "Acknowledge',
    ),
    "cond_pipe_map": ("[pipe.route_ticket.outcomes]", "[pipe.route_ticket.pipe_map]"),
    "cond_no_outcomes": (
        '[pipe.route_ticket.outcomes]\nbilling = "answer_billing"\nbug = "answer_bug"\n',
        "",
    ),
    "cond_outcome_continue": ('bug = "answer_bug"', 'bug = "continue"'),
    "cond_alias": (
        'default_outcome = "answer_generic"',
        'default_outcome = "answer_generic"\nadd_alias_from_expression_to = "category_name"',
    ),
    "cond_expression_syntax": ('expression = "ticket.category"', 'expression = "ticket.category =="'),
    "cond_outcome_list_output": (
        'output = "Answer"\nprompt = "Acknowledge',
        'output = "Answer[]"\nprompt = "Acknowledge',
    ),
    # PipeBatch
    "batch_list_not_input": ('input_list_name = "chapters"', 'input_list_name = "sections"'),
    "batch_item_equals_list": ('input_item_name = "chapter"', 'input_item_name = "chapters"'),
    "batch_item_empty": ('input_item_name = "chapter"', 'input_item_name = ""'),
    "batch_list_single": ('inputs = { chapters = "Chapter[]" }', 'inputs = { chapters = "Chapter" }'),
    "batch_output_single": (
        'output = "Question[]"\nbranch_pipe_code',
        'output = "Question"\nbranch_pipe_code',
    ),
    "batch_branch_unknown": ('branch_pipe_code = "quiz_one_chapter"', 'branch_pipe_code = "quiz_chapter"'),
    "batch_branch_single_output": ('output = "Question[3]"', 'output = "Question"'),
    "batch_item_name_mismatch": ('input_item_name = "chapter"', 'input_item_name = "lesson"'),
    "batch_no_item_name": ('input_item_name = "chapter"\n', ""),
    "batch_item_collides_input": (
        'inputs = { chapters = "Chapter[]" }',
        'inputs = { chapters = "Chapter[]", chapter = "Chapter" }',
    ),
    "batch_extra_input": (
        'inputs = { chapters = "Chapter[]" }',
        'inputs = { chapters = "Chapter[]", level = "Text" }',
    ),
    "batch_fixed_list": ('inputs = { chapters = "Chapter[]" }', 'inputs = { chapters = "Chapter[4]" }'),
    "batch_branch_wrong_concept": ('inputs = { chapter = "Chapter" }', 'inputs = { chapter = "Text" }'),
    # cross-domain and refs
    "xdomain_unknown": ('offer = "hr.screening.JobOffer"', 'offer = "hr.hiring.JobOffer"'),
    "xdomain_partial": ('offer = "hr.screening.JobOffer"', 'offer = "screening.JobOffer"'),
    "xdomain_native": ('offer = "hr.screening.JobOffer"', 'offer = "native.Text"'),
    "xdomain_pipe_ref": ('{ pipe = "judge_cv"', '{ pipe = "hr.screening.judge_cv"'),
    "xdomain_pipe_ref_bad": ('{ pipe = "judge_cv"', '{ pipe = "hr.judging.judge_cv"'),
    "xdomain_package_ref": ('{ pipe = "judge_cv"', '{ pipe = "lib->hr.screening.judge_cv"'),
    "refines_cross_domain_self": ('refines = "recipes.Recipe"', 'refines = "Recipe"'),
    "refines_cycle": ('refines = "recipes.Recipe"', 'refines = "ScaledRecipe"'),
    "refines_list": ('refines = "Markdown"', 'refines = "Markdown[]"'),
    "refines_page": ('refines = "Markdown"', 'refines = "Page"'),
    "refines_composite": ('refines = "Markdown"', 'refines = "Composite"'),
    "refines_dynamic": ('refines = "Markdown"', 'refines = "Dynamic"'),
    "refines_yesno_field": (
        "Acceptable: {{ verdict.yes_no }}",
        "Acceptable: {{ verdict.yes_no }} ({{ verdict.probability }})",
    ),
    "refines_yesno_bad_field": ("Acceptable: {{ verdict.yes_no }}", "Acceptable: {{ verdict.answer }}"),
    # optionality
    "opt_forced_input": (
        'inputs = { request = "TripRequest", days = "DayPlan[]" }',
        'inputs = { request = "TripRequest!", days = "DayPlan[]" }',
    ),
    "opt_input_seq_to_required": (
        'inputs = { request = "TripRequest", preferences = "Text?" }\noutput = "DayPlan[]"',
        'inputs = { request = "TripRequest", preferences = "Text" }\noutput = "DayPlan[]"',
    ),
    "opt_optional_list": (
        'preferences = "Text?" }\noutput = "Itinerary"',
        'preferences = "Text[]?" }\noutput = "Itinerary"',
    ),
    "opt_marker_twice": (
        'preferences = "Text?" }\noutput = "Itinerary"',
        'preferences = "Text??" }\noutput = "Itinerary"',
    ),
    "opt_marker_both": (
        'preferences = "Text?" }\noutput = "Itinerary"',
        'preferences = "Text?!" }\noutput = "Itinerary"',
    ),
    "opt_forced_in_step": (
        'inputs = { request = "TripRequest", preferences = "Text?" }\noutput = "DayPlan[]"',
        'inputs = { request = "TripRequest", preferences = "Text!" }\noutput = "DayPlan[]"',
    ),
    "opt_field_at_question": ("$request.days days", "$request.days days (budget: @?request.budget)"),
    "opt_field_unguarded": ("$request.days days", "$request.days days with $request.budget EUR"),
    # dotted input names
    "dotted_input": (
        'inputs = { listing = "Listing" }\noutput = "Text"',
        'inputs = { listing = "Listing", "listing.photo" = "Image" }\noutput = "Text"',
    ),
    "dotted_input_alone": (
        'inputs = { description = "Text" }\noutput = "Flyer"',
        'inputs = { "description.text" = "Text" }\noutput = "Flyer"',
    ),
    # syntax
    "toml_syntax": ("[pipe.", "[pipe."),  # replaced below
}

# mutations made of several substitutions, applied in order (all must apply)
COMBINED: dict[str, list[tuple[str, str]]] = {
    "extract_image_page_views": [
        (
            'description = "An episode transcript as a PDF"\nrefines = "Document"',
            'description = "A scan"\nrefines = "Image"',
        ),
        ("max_page_images = 2\n", "page_views = true\n"),
    ],
    "extract_image_captions_only": [
        (
            'description = "An episode transcript as a PDF"\nrefines = "Document"',
            'description = "A scan"\nrefines = "Image"',
        ),
        ("max_page_images = 2\n", ""),
    ],
    "extract_image_captions_true": [
        (
            'description = "An episode transcript as a PDF"\nrefines = "Document"',
            'description = "A scan"\nrefines = "Image"',
        ),
        ("max_page_images = 2\npage_image_captions = false", "page_image_captions = true"),
    ],
    "compat_text_to_md": [
        (
            'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
            'inputs = { review = "Text" }\noutput = "Reply"\nsteps',
        ),
        (
            'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
            'inputs = { review = "Markdown" }\noutput = "ReviewAnalysis"',
        ),
        (
            'inputs = { review = "Review", analysis = "ReviewAnalysis" }',
            'inputs = { review = "Text", analysis = "ReviewAnalysis" }',
        ),
    ],
    "compat_refined_to_md": [
        (
            'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
            'inputs = { review = "Sentiment" }\noutput = "Reply"\nsteps',
        ),
        (
            'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
            'inputs = { review = "Markdown" }\noutput = "ReviewAnalysis"',
        ),
        (
            'inputs = { review = "Review", analysis = "ReviewAnalysis" }',
            'inputs = { review = "Sentiment", analysis = "ReviewAnalysis" }',
        ),
    ],
    "compat_md_to_md": [
        (
            'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
            'inputs = { review = "Markdown" }\noutput = "Reply"\nsteps',
        ),
        (
            'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
            'inputs = { review = "Markdown" }\noutput = "ReviewAnalysis"',
        ),
        (
            'inputs = { review = "Review", analysis = "ReviewAnalysis" }',
            'inputs = { review = "Markdown", analysis = "ReviewAnalysis" }',
        ),
    ],
    "compat_sh_to_html": [
        (
            'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
            'inputs = { review = "Html" }\noutput = "ReviewAnalysis"',
        )
    ],
    "compat_text_to_refined": [
        (
            'inputs = { review = "Review" }\noutput = "Reply"\nsteps',
            'inputs = { review = "Text" }\noutput = "Reply"\nsteps',
        ),
        (
            'inputs = { review = "Review" }\noutput = "ReviewAnalysis"',
            'inputs = { review = "Sentiment" }\noutput = "ReviewAnalysis"',
        ),
        (
            'inputs = { review = "Review", analysis = "ReviewAnalysis" }',
            'inputs = { review = "Text", analysis = "ReviewAnalysis" }',
        ),
    ],
}

# mutations whose substitution is not a plain replace
TOML_BREAK = "\n[pipe.broken\n"


def apply(base: str, old: str, new: str) -> str | None:
    """``base`` with the first ``old`` replaced by ``new``, or None if ``old`` is absent."""
    if old not in base:
        return None
    return base.replace(old, new, 1)


def cases() -> dict[str, str | dict[str, str]]:
    """Every case: each base, then each mutation applied to each base that has its target."""
    out: dict[str, str | dict[str, str]] = {}
    for base_name, text in BASES.items():
        out[f"{base_name}__base"] = text
        if base_name == "review_triage":
            out[f"{base_name}__toml_syntax"] = text + TOML_BREAK
        if base_name in ("contract_review", "support_library"):
            out[f"{base_name}__crlf"] = text.replace("\n", "\r\n")  # Windows line endings: the same bundle
        for mutation, (old, new) in MUTATIONS.items():
            if mutation == "toml_syntax":
                continue
            changed = apply(text, old, new)
            if changed is not None and changed != text:
                out[f"{base_name}__{mutation}"] = changed
        for mutation, (old, new) in BASE_MUTATIONS.get(base_name, {}).items():
            changed = apply(text, old, new)
            if changed is not None and changed != text:
                out[f"{base_name}__{mutation}"] = changed
        for mutation, pairs in COMBINED.items():
            changed: str | None = text
            for old, new in pairs:
                changed = apply(changed, old, new) if changed is not None else None
            if changed is not None and changed != text:
                out[f"{base_name}__{mutation}"] = changed
    out.update(__import__("fidelity_bundles_flow").cases())  # part A of the fifth pass: data flow
    out.update(__import__("fidelity_bundles_ops").cases())  # part B: natives, operators, libraries
    out.update(__import__("fidelity_bundles_matrix").cases())  # sixth pass: error type x context matrix
    out.update(__import__("fidelity_bundles_valid").cases())  # valid bundles for every corpus tag, restyled
    out.update(__import__("fidelity_bundles_order").cases())  # two or three faults: which one comes first
    out.update(__import__("fidelity_bundles_wild").cases())  # ninth pass: styles of users not yet imitated
    out.update(__import__("fidelity_bundles_audit").cases())  # eleventh pass: unexercised fields
    out.update(__import__("fidelity_bundles_inputs").cases())  # tenth pass: inputs files, long methods
    out.update(
        __import__("fidelity_bundles_fourteenth").cases()
    )  # fourteenth pass: templates, conditions, constructs
    out.update(
        __import__("fidelity_bundles_fifteenth").cases()
    )  # fifteenth pass: operators, multiplicity, batches, refinements, models, libraries
    out.update(
        __import__("fidelity_bundles_sixteenth").cases()
    )  # sixteenth pass: pages to TextAndImages, constructs, structures, odd TOML
    out.update(
        __import__("fidelity_bundles_seventeenth").cases()
    )  # seventeenth pass: PipeLLM images, system prompts, output counts, conditions, libraries
    out.update(
        __import__("fidelity_bundles_eighteenth").cases()
    )  # eighteenth pass: long real-world methods, two faults, dotted paths, natives
    return out

"""Eighteenth fidelity pass: long real-world shaped methods, one or two faults in them, dotted paths, natives.

Hand-written bundles shaped like the methods users write once they go past the tutorial: a domain of 12 to 18
pipes mixing every controller (a hiring pipeline reading a CV, a content studio making a campaign, a support desk
triaging tickets), structured concepts with nested concept fields, lists of concepts, choices, optional fields and
default values, refinement chains. Each base is then varied by one rule (a prompt variable not among the inputs
deep in the method, a dotted path through a nested field or a list, native concepts written ``native.Image`` /
``Images`` / ``image``, a reference to another domain that is not loaded, ``main_pipe`` missing or pointing at a
leaf, inputs with multiplicity) or by two faults in two different pipes (which one the reference names first).
Case names are ``f18_<group>__<name>``; nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations


def _sub(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced (the mutation must hit: a silent miss would test the base twice)."""
    if old not in text:
        raise ValueError(f"mutation target not found: {old!r}")
    return text.replace(old, new, 1)


# ---------------------------------------------------------------------------------------------------------------
# A hiring pipeline: a CV read, a profile with nested fields, skills scored one by one, a decision, an email

_HIRE = '''domain = "hiring"
description = "Screen a candidate's CV against a job offer and draft the reply"
main_pipe = "screen_candidate"

[concept]
JobOffer = "The text of a job offer"
ReplyEmail = "An email to the candidate"

[concept.Contact]
description = "How to reach someone"

[concept.Contact.structure]
email = { type = "text", description = "Email address", required = true }
phone = { type = "text", description = "Phone number" }
city = { type = "text", description = "City", default_value = "Paris" }

[concept.Skill]
description = "A skill the candidate claims"

[concept.Skill.structure]
name = { type = "text", description = "The skill", required = true }
years = { type = "integer", description = "Years of practice", default_value = 0 }
level = { choices = ["beginner", "intermediate", "expert"], description = "Self-assessed level" }

[concept.CandidateProfile]
description = "What the CV says about the candidate"

[concept.CandidateProfile.structure]
full_name = { type = "text", description = "Name", required = true }
contact = { type = "concept", concept_ref = "Contact", description = "Contact details", required = true }
skills = { type = "list", item_type = "concept", item_concept_ref = "Skill", description = "Skills", required = true }
languages = { type = "list", item_type = "text", description = "Spoken languages" }
available = { type = "boolean", description = "Available now", default_value = true }

[concept.SkillScore]
description = "How well one skill fits the offer"

[concept.SkillScore.structure]
skill = { type = "text", description = "The skill", required = true }
score = { type = "number", description = "From 0 to 1", required = true }
comment = { type = "text", description = "Why" }

[concept.Assessment]
description = "The overall assessment of the candidate"

[concept.Assessment.structure]
decision = { choices = ["interview", "reject", "hold"], description = "What to do", required = true }
summary = { type = "text", description = "Why", required = true }
strengths = { type = "list", item_type = "text", description = "Strong points" }

[concept.RedFlags]
description = "Worrying points in a CV"
refines = "Text"

[concept.SeniorAssessment]
description = "An assessment for a senior role"
refines = "Assessment"

[pipe.screen_candidate]
type = "PipeSequence"
description = "Read the CV, score it, decide and draft the reply"
inputs = { cv = "Document", offer = "JobOffer" }
output = "ReplyEmail"
steps = [
    { pipe = "read_cv", result = "cv_pages" },
    { pipe = "build_profile", result = "profile" },
    { pipe = "score_skill", batch_over = "profile.skills", batch_as = "skill", result = "scores" },
    { pipe = "review_in_parallel", result = "review" },
    { pipe = "assess", result = "assessment" },
    { pipe = "route_decision", result = "reply" },
]

[pipe.read_cv]
type = "PipeExtract"
description = "Extract the CV's pages"
inputs = { cv = "Document" }
output = "Page[]"

[pipe.build_profile]
type = "PipeLLM"
description = "Build the candidate's profile from the pages"
inputs = { cv_pages = "Page[]" }
output = "CandidateProfile"
prompt = """
Here is a CV:

@cv_pages

Build the candidate's profile.
"""

[pipe.score_skill]
type = "PipeLLM"
description = "Score one skill against the offer"
inputs = { skill = "Skill", offer = "JobOffer" }
output = "SkillScore"
model = "$writing-factual"
prompt = """
Job offer:
@offer

How well does the skill $skill.name ($skill.years years, level $skill.level) fit the offer?
"""

[pipe.review_in_parallel]
type = "PipeParallel"
description = "Look for strengths and red flags at once"
inputs = { profile = "CandidateProfile", offer = "JobOffer" }
output = "Composite"
branches = [
    { pipe = "find_red_flags", result = "red_flags" },
    { pipe = "write_pitch", result = "pitch" },
]
add_each_output = true

[pipe.find_red_flags]
type = "PipeLLM"
description = "Find red flags"
inputs = { profile = "CandidateProfile" }
output = "RedFlags"
prompt = """
List anything worrying about {{ profile.full_name }}, who lives in {{ profile.contact.city }}:

@profile
"""

[pipe.write_pitch]
type = "PipeLLM"
description = "Pitch the candidate for the offer"
inputs = { profile = "CandidateProfile", offer = "JobOffer" }
output = "Text"
system_prompt = "You are a recruiter writing for a hiring manager."
prompt = """
Pitch $profile.full_name for this offer in three sentences:

@offer
"""

[pipe.assess]
type = "PipeLLM"
description = "Decide what to do with the candidate"
inputs = { profile = "CandidateProfile", scores = "SkillScore[]", red_flags = "RedFlags", pitch = "Text" }
output = "Assessment"
prompt = """
Candidate: $profile.full_name

Skill scores:
@scores

Red flags:
@red_flags

Pitch:
@pitch

Decide: interview, reject or hold.
"""

[pipe.route_decision]
type = "PipeCondition"
description = "Draft the reply that fits the decision"
inputs = { assessment = "Assessment", profile = "CandidateProfile" }
output = "ReplyEmail"
expression = "assessment.decision"
default_outcome = "draft_hold"

[pipe.route_decision.outcomes]
interview = "draft_invitation"
reject = "draft_rejection"

[pipe.draft_invitation]
type = "PipeLLM"
description = "Invite the candidate"
inputs = { assessment = "Assessment", profile = "CandidateProfile" }
output = "ReplyEmail"
prompt = """
Write to {{ profile.full_name }} at {{ profile.contact.email }} to invite them to an interview.
Mention: $assessment.summary
"""

[pipe.draft_rejection]
type = "PipeCompose"
description = "A polite rejection"
inputs = { profile = "CandidateProfile" }
output = "ReplyEmail"
template = """
Dear $profile.full_name,

Thank you for your application. We will not go further this time.
"""

[pipe.draft_hold]
type = "PipeCompose"
description = "Ask the candidate to wait"
inputs = { profile = "CandidateProfile", assessment = "Assessment" }
output = "ReplyEmail"
template = """
Dear {{ profile.full_name }},

We need a little more time. {{ assessment.summary }}
"""
'''


def _hire() -> dict[str, str]:
    B = _HIRE
    C: dict[str, str] = {"base": B}
    # prompt variables not among the inputs, deep in the method
    C["score_reads_profile"] = _sub(
        B,
        "How well does the skill $skill.name",
        "For $profile.full_name, how well does the skill $skill.name",
    )
    C["assess_reads_offer"] = _sub(B, "Decide: interview, reject or hold.", "Offer: @offer\nDecide.")
    C["invite_reads_scores"] = _sub(
        B, "Mention: $assessment.summary", "Mention: $assessment.summary and @scores"
    )
    C["hold_template_unknown"] = _sub(B, "{{ assessment.summary }}", "{{ assessment.summary }} {{ offer }}")
    C["pitch_system_reads_offer"] = _sub(
        B,
        'system_prompt = "You are a recruiter writing for a hiring manager."',
        'system_prompt = "You recruit for @offer."',
    )
    # dotted paths through nested fields and lists
    C["path_contact_email_dollar"] = _sub(
        B, "Pitch $profile.full_name for", "Pitch $profile.full_name ($profile.contact.email) for"
    )
    C["path_contact_unknown_field"] = _sub(B, "{{ profile.contact.city }}", "{{ profile.contact.country }}")
    C["path_profile_unknown_field"] = _sub(B, "Pitch $profile.full_name for", "Pitch $profile.surname for")
    C["path_skill_unknown_field"] = _sub(B, "$skill.years years", "$skill.experience years")
    C["path_list_field_dollar"] = _sub(B, "Pitch $profile.full_name for", "Pitch $profile.skills.name for")
    C["path_list_index_jinja"] = _sub(B, "{{ profile.contact.city }}", "{{ profile.skills[0].name }}")
    C["path_list_whole_at"] = _sub(
        B, "Candidate: $profile.full_name", "Candidate: $profile.full_name\n@profile.skills"
    )
    C["path_list_loop"] = _sub(
        B,
        "Candidate: $profile.full_name",
        "Candidate: $profile.full_name\n{% for s in profile.skills %}- {{ s.name }}\n{% endfor %}",
    )
    C["path_deep_at"] = _sub(
        B, "Mention: $assessment.summary", "Mention: $assessment.summary\n@profile.contact"
    )
    C["path_too_deep"] = _sub(B, "{{ profile.contact.city }}", "{{ profile.contact.city.name }}")
    C["path_scores_field"] = _sub(B, "Skill scores:\n@scores", "Skill scores:\n$scores.score")
    C["path_bool_field"] = _sub(
        B, "Candidate: $profile.full_name", "Candidate: $profile.full_name ($profile.available)"
    )
    C["path_on_text"] = _sub(B, "Pitch:\n@pitch", "Pitch:\n$pitch.text")
    C["path_on_text_unknown"] = _sub(B, "Pitch:\n@pitch", "Pitch:\n$pitch.body")
    C["path_refined_text"] = _sub(B, "Red flags:\n@red_flags", "Red flags:\n$red_flags.text")
    # expression paths
    C["expr_nested"] = _sub(B, 'expression = "assessment.decision"', 'expression = "profile.contact.city"')
    C["expr_unknown_field"] = _sub(
        B, 'expression = "assessment.decision"', 'expression = "assessment.verdict"'
    )
    C["expr_not_input"] = _sub(B, 'expression = "assessment.decision"', 'expression = "review.decision"')
    C["expr_template_jinja"] = _sub(
        B, 'expression = "assessment.decision"', 'expression_template = "{{ assessment.decision }}"'
    )
    # natives written in other ways
    C["native_qualified_document"] = _sub(
        B, 'inputs = { cv = "Document", offer', 'inputs = { cv = "native.Document", offer'
    )
    C["native_qualified_pages"] = _sub(B, 'output = "Page[]"', 'output = "native.Page[]"')
    C["native_lower"] = _sub(B, 'inputs = { cv = "Document" }', 'inputs = { cv = "document" }')
    C["native_plural"] = _sub(B, 'inputs = { cv = "Document" }', 'inputs = { cv = "Documents" }')
    C["native_pdf_for_document"] = _sub(B, 'inputs = { cv = "Document" }', 'inputs = { cv = "PDF" }')
    C["native_refines_qualified"] = _sub(
        B,
        'description = "Worrying points in a CV"\nrefines = "Text"',
        'description = "Worrying points in a CV"\nrefines = "native.Text"',
    )
    C["native_refines_lower"] = _sub(
        B,
        'description = "Worrying points in a CV"\nrefines = "Text"',
        'description = "Worrying points in a CV"\nrefines = "text"',
    )
    C["native_output_qualified_text"] = _sub(
        B,
        'inputs = { profile = "CandidateProfile" }\noutput = "RedFlags"',
        'inputs = { profile = "CandidateProfile" }\noutput = "native.Text"',
    )
    # own domain qualified, other domains not loaded
    C["own_domain_concept"] = _sub(B, 'output = "SkillScore"\nmodel', 'output = "hiring.SkillScore"\nmodel')
    C["own_domain_step"] = _sub(B, '{ pipe = "assess", result', '{ pipe = "hiring.assess", result')
    C["own_domain_outcome"] = _sub(
        B, 'interview = "draft_invitation"', 'interview = "hiring.draft_invitation"'
    )
    C["own_domain_branch"] = _sub(
        B, '{ pipe = "write_pitch", result', '{ pipe = "hiring.write_pitch", result'
    )
    C["other_domain_step"] = _sub(B, '{ pipe = "assess", result', '{ pipe = "hr.assess", result')
    C["other_domain_concept_input"] = _sub(
        B,
        'inputs = { cv = "Document", offer = "JobOffer" }',
        'inputs = { cv = "Document", offer = "hr.JobOffer" }',
    )
    C["other_domain_outcome"] = _sub(B, 'reject = "draft_rejection"', 'reject = "mail.draft_rejection"')
    C["other_domain_structure_ref"] = _sub(B, 'concept_ref = "Contact"', 'concept_ref = "crm.Contact"')
    C["other_domain_refines"] = _sub(B, 'refines = "Assessment"', 'refines = "hr.Assessment"')
    C["own_domain_structure_ref"] = _sub(B, 'concept_ref = "Contact"', 'concept_ref = "hiring.Contact"')
    C["own_domain_item_ref"] = _sub(B, 'item_concept_ref = "Skill"', 'item_concept_ref = "hiring.Skill"')
    # main_pipe
    C["main_pipe_missing"] = _sub(B, 'main_pipe = "screen_candidate"\n', "")
    C["main_pipe_leaf"] = _sub(B, 'main_pipe = "screen_candidate"', 'main_pipe = "build_profile"')
    C["main_pipe_condition"] = _sub(B, 'main_pipe = "screen_candidate"', 'main_pipe = "route_decision"')
    C["main_pipe_unknown"] = _sub(B, 'main_pipe = "screen_candidate"', 'main_pipe = "screen"')
    C["main_pipe_qualified"] = _sub(
        B, 'main_pipe = "screen_candidate"', 'main_pipe = "hiring.screen_candidate"'
    )
    C["main_pipe_other_domain"] = _sub(
        B, 'main_pipe = "screen_candidate"', 'main_pipe = "hr.screen_candidate"'
    )
    # multiplicity of inputs
    C["cv_list"] = _sub(
        _sub(
            B,
            'inputs = { cv = "Document", offer = "JobOffer" }',
            'inputs = { cv = "Document[]", offer = "JobOffer" }',
        ),
        'inputs = { cv = "Document" }',
        'inputs = { cv = "Document[]" }',
    )
    C["cv_list_main_only"] = _sub(
        B,
        'inputs = { cv = "Document", offer = "JobOffer" }',
        'inputs = { cv = "Document[]", offer = "JobOffer" }',
    )
    C["offer_fixed_two"] = _sub(
        B,
        'inputs = { cv = "Document", offer = "JobOffer" }',
        'inputs = { cv = "Document", offer = "JobOffer[2]" }',
    )
    C["scores_fixed"] = _sub(B, 'scores = "SkillScore[]", red_flags', 'scores = "SkillScore[5]", red_flags')
    C["scores_single"] = _sub(B, 'scores = "SkillScore[]", red_flags', 'scores = "SkillScore", red_flags')
    C["pages_single"] = _sub(B, 'inputs = { cv_pages = "Page[]" }', 'inputs = { cv_pages = "Page" }')
    C["skill_list_in_branch"] = _sub(
        B, 'inputs = { skill = "Skill", offer', 'inputs = { skill = "Skill[]", offer'
    )
    # structure details
    C["choices_default_outside"] = _sub(
        B,
        'level = { choices = ["beginner", "intermediate", "expert"], description = "Self-assessed level" }',
        'level = { choices = ["beginner", "intermediate", "expert"], description = "Self-assessed level", default_value = "guru" }',
    )
    C["choices_default_inside"] = _sub(
        B,
        'level = { choices = ["beginner", "intermediate", "expert"], description = "Self-assessed level" }',
        'level = { choices = ["beginner", "intermediate", "expert"], description = "Self-assessed level", default_value = "beginner" }',
    )
    C["required_with_default"] = _sub(
        B,
        'email = { type = "text", description = "Email address", required = true }',
        'email = { type = "text", description = "Email address", required = true, default_value = "none" }',
    )
    C["default_wrong_type_int"] = _sub(
        B,
        'years = { type = "integer", description = "Years of practice", default_value = 0 }',
        'years = { type = "integer", description = "Years of practice", default_value = "zero" }',
    )
    C["default_float_for_int"] = _sub(
        B,
        'years = { type = "integer", description = "Years of practice", default_value = 0 }',
        'years = { type = "integer", description = "Years of practice", default_value = 1.5 }',
    )
    C["default_int_for_number"] = _sub(
        B,
        'score = { type = "number", description = "From 0 to 1", required = true }',
        'score = { type = "number", description = "From 0 to 1", default_value = 0 }',
    )
    C["default_list"] = _sub(
        B,
        'languages = { type = "list", item_type = "text", description = "Spoken languages" }',
        'languages = { type = "list", item_type = "text", description = "Spoken languages", default_value = ["French"] }',
    )
    C["item_ref_unknown"] = _sub(B, 'item_concept_ref = "Skill"', 'item_concept_ref = "Talent"')
    C["concept_ref_unknown"] = _sub(B, 'concept_ref = "Contact"', 'concept_ref = "Address"')
    C["concept_ref_native"] = _sub(B, 'concept_ref = "Contact"', 'concept_ref = "Text"')
    C["item_ref_native"] = _sub(B, 'item_concept_ref = "Skill"', 'item_concept_ref = "Image"')
    C["refines_chain"] = _sub(
        B,
        "[pipe.screen_candidate]",
        '[concept.BoardAssessment]\ndescription = "For the board"\nrefines = "SeniorAssessment"\n\n[pipe.screen_candidate]',
    )
    C["refines_cycle"] = _sub(
        B,
        'description = "The overall assessment of the candidate"',
        'description = "The overall assessment of the candidate"\nrefines = "SeniorAssessment"',
    )
    C["senior_output_for_assess"] = _sub(
        B, 'output = "Assessment"\nprompt', 'output = "SeniorAssessment"\nprompt'
    )
    C["redflags_as_text_input"] = _sub(
        B, 'red_flags = "RedFlags", pitch = "Text" }', 'red_flags = "Text", pitch = "Text" }'
    )
    C["text_as_redflags_input"] = _sub(
        B, 'pitch = "Text" }\noutput = "Assessment"', 'pitch = "RedFlags" }\noutput = "Assessment"'
    )
    # two faults in two pipes: which is named first
    C["two_unknown_var_and_unknown_concept"] = _sub(
        _sub(B, "Mention: $assessment.summary", "Mention: $assessment.summary and $salary"),
        'output = "SkillScore"\nmodel',
        'output = "SkillRating"\nmodel',
    )
    C["two_unknown_concept_first_pipe_and_var"] = _sub(
        _sub(
            B,
            'inputs = { cv_pages = "Page[]" }\noutput = "CandidateProfile"',
            'inputs = { cv_pages = "Page[]" }\noutput = "Profile"',
        ),
        "Pitch $profile.full_name for",
        "Pitch $profile.full_name and $manager for",
    )
    C["two_unknown_step_and_unused_input"] = _sub(
        _sub(B, '{ pipe = "assess", result', '{ pipe = "assess_all", result'),
        'inputs = { profile = "CandidateProfile" }\noutput = "RedFlags"',
        'inputs = { profile = "CandidateProfile", offer = "JobOffer" }\noutput = "RedFlags"',
    )
    C["two_bad_model_and_unknown_var"] = _sub(
        _sub(B, 'model = "$writing-factual"', 'model = "$writing-poetic"'),
        "Mention: $assessment.summary",
        "Mention: $assessment.summary and $salary",
    )
    C["two_bad_field_type_and_unknown_var"] = _sub(
        _sub(
            B,
            'comment = { type = "text", description = "Why" }',
            'comment = { type = "string", description = "Why" }',
        ),
        "Mention: $assessment.summary",
        "Mention: $assessment.summary and $salary",
    )
    C["two_missing_input_and_unknown_outcome"] = _sub(
        _sub(B, "Decide: interview, reject or hold.", "Offer: @offer\nDecide."),
        'reject = "draft_rejection"',
        'reject = "draft_no"',
    )
    C["two_unused_input_and_mismatch"] = _sub(
        _sub(
            B,
            'inputs = { profile = "CandidateProfile" }\noutput = "RedFlags"',
            'inputs = { profile = "CandidateProfile", offer = "JobOffer" }\noutput = "RedFlags"',
        ),
        'scores = "SkillScore[]", red_flags',
        'scores = "Skill[]", red_flags',
    )
    C["two_mismatch_and_unknown_var"] = _sub(
        _sub(B, 'scores = "SkillScore[]", red_flags', 'scores = "Skill[]", red_flags'),
        "Mention: $assessment.summary",
        "Mention: $assessment.summary and $salary",
    )
    C["two_missing_desc_and_unknown_var"] = _sub(
        _sub(B, 'type = "PipeCompose"\ndescription = "A polite rejection"\n', 'type = "PipeCompose"\n'),
        "Mention: $assessment.summary",
        "Mention: $assessment.summary and $salary",
    )
    C["two_unknown_key_and_unknown_var"] = _sub(
        _sub(B, 'model = "$writing-factual"', 'model = "$writing-factual"\ntemperature = 0.2'),
        "Mention: $assessment.summary",
        "Mention: $assessment.summary and $salary",
    )
    C["two_concept_bad_and_step_unknown"] = _sub(
        _sub(
            B,
            'description = "Worrying points in a CV"\nrefines = "Text"',
            'description = "Worrying points in a CV"\nrefines = "Txt"',
        ),
        '{ pipe = "assess", result',
        '{ pipe = "assess_all", result',
    )
    C["two_batch_not_list_and_var"] = _sub(
        _sub(B, 'batch_over = "profile.skills"', 'batch_over = "profile"'),
        "Mention: $assessment.summary",
        "Mention: $assessment.summary and $salary",
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# A content studio: a brief, a campaign in parallel (copy, images, posts), a batch of social posts, a compose

_STUDIO = '''domain = "studio"
description = "Turn a product brief into a small marketing campaign"
main_pipe = "make_campaign"

[concept]
Tagline = "A short catchy line"
SocialPost = "A post for a social network"

[concept.ProductBrief]
description = "What the product is and who it is for"

[concept.ProductBrief.structure]
product_name = { type = "text", description = "The product's name", required = true }
audience = { type = "text", description = "Who it is for", required = true }
tone = { choices = ["playful", "serious", "luxury"], description = "The tone", default_value = "playful" }
budget = { type = "number", description = "Budget in euros" }
channels = { type = "list", item_type = "text", description = "Where to publish", required = true }

[concept.CampaignPlan]
description = "The plan of a campaign"

[concept.CampaignPlan.structure]
theme = { type = "text", description = "The theme", required = true }
post_ideas = { type = "list", item_type = "text", description = "Ideas of posts", required = true }
visual_prompt = { type = "text", description = "What the key visual shows", required = true }

[concept.Campaign]
description = "Everything the campaign needs"

[concept.Campaign.structure]
taglines = { type = "list", item_type = "text", description = "Taglines", required = true }
posts = { type = "list", item_type = "text", description = "Posts", required = true }
summary = { type = "text", description = "A summary" }

[concept.Visual]
description = "An image for the campaign"
refines = "Image"

[concept.HeroVisual]
description = "The campaign's main image"
refines = "Visual"

[pipe.make_campaign]
type = "PipeSequence"
description = "Plan, write, draw and assemble"
inputs = { brief = "ProductBrief" }
output = "Campaign"
steps = [
    { pipe = "plan_campaign", result = "plan" },
    { pipe = "create_assets", result = "assets" },
    { pipe = "list_post_ideas", result = "post_ideas" },
    { pipe = "write_posts", result = "posts" },
    { pipe = "assemble", result = "campaign" },
]

[pipe.plan_campaign]
type = "PipeLLM"
description = "Plan the campaign"
inputs = { brief = "ProductBrief" }
output = "CampaignPlan"
prompt = """
Plan a campaign for $brief.product_name, aimed at $brief.audience, in a {{ brief.tone }} tone.
Channels: {{ brief.channels | join(", ") }}
"""

[pipe.create_assets]
type = "PipeParallel"
description = "Write taglines and draw the key visual at once"
inputs = { plan = "CampaignPlan", brief = "ProductBrief" }
output = "Composite"
branches = [
    { pipe = "write_taglines", result = "taglines" },
    { pipe = "draw_visual", result = "visual" },
]
add_each_output = true

[pipe.write_taglines]
type = "PipeLLM"
description = "Write taglines"
inputs = { plan = "CampaignPlan", brief = "ProductBrief" }
output = "Tagline[3]"
prompt = """
Write three taglines for $brief.product_name on the theme $plan.theme.
"""

[pipe.draw_visual]
type = "PipeImgGen"
description = "Draw the key visual"
inputs = { plan = "CampaignPlan" }
output = "HeroVisual"
prompt = "$plan.visual_prompt"
aspect_ratio = "landscape_16_9"

[pipe.list_post_ideas]
type = "PipeLLM"
description = "List the post ideas"
inputs = { plan = "CampaignPlan" }
output = "Text[]"
prompt = """
List the post ideas of this plan, one per item:

@plan
"""

[pipe.write_posts]
type = "PipeBatch"
description = "Write one post per idea"
inputs = { post_ideas = "Text[]", brief = "ProductBrief" }
output = "SocialPost[]"
branch_pipe_code = "write_post"
input_list_name = "post_ideas"
input_item_name = "idea"

[pipe.write_post]
type = "PipeLLM"
description = "Write one post"
inputs = { idea = "Text", brief = "ProductBrief" }
output = "SocialPost"
prompt = """
Write a post for $brief.product_name about: $idea
"""

[pipe.assemble]
type = "PipeCompose"
description = "Assemble the campaign"
inputs = { taglines = "Tagline[3]", posts = "SocialPost[]", plan = "CampaignPlan" }
output = "Campaign"

[pipe.assemble.construct]
taglines = { from = "taglines" }
posts = { from = "posts" }
summary = { template = "A campaign on $plan.theme" }
'''


def _studio() -> dict[str, str]:
    B = _STUDIO
    C: dict[str, str] = {"base": B}
    C["bind_ideas_compose"] = (
        _sub(
            B,
            '    { pipe = "list_post_ideas", result = "post_ideas" },',
            '    { pipe = "take_ideas", result = "post_ideas" },',
        )
        + """
[pipe.take_ideas]
type = "PipeCompose"
description = "Take the ideas"
inputs = { plan = "CampaignPlan" }
output = "Text[]"
construct = { from = "plan.post_ideas" }
"""
    )
    C["batch_list_is_field"] = _sub(
        _sub(
            _sub(B, '    { pipe = "list_post_ideas", result = "post_ideas" },\n', ""),
            'inputs = { post_ideas = "Text[]", brief = "ProductBrief" }',
            'inputs = { plan = "CampaignPlan", brief = "ProductBrief" }',
        ),
        'input_list_name = "post_ideas"',
        'input_list_name = "plan.post_ideas"',
    )
    C["batch_over_field_step"] = _sub(
        _sub(B, '    { pipe = "list_post_ideas", result = "post_ideas" },\n', ""),
        '{ pipe = "write_posts", result = "posts" }',
        '{ pipe = "write_post", batch_over = "plan.post_ideas", batch_as = "idea", result = "posts" }',
    )
    C["batch_over_list_step"] = _sub(
        B,
        '{ pipe = "write_posts", result = "posts" }',
        '{ pipe = "write_post", batch_over = "post_ideas", batch_as = "idea", result = "posts" }',
    )
    C["batch_item_list"] = _sub(B, 'inputs = { idea = "Text", brief', 'inputs = { idea = "Text[]", brief')
    C["batch_list_single"] = _sub(
        B, 'inputs = { post_ideas = "Text[]", brief', 'inputs = { post_ideas = "Text", brief'
    )
    C["ideas_fixed_count"] = _sub(B, 'output = "Text[]"\nprompt', 'output = "Text[4]"\nprompt')
    C["tagline_count_mismatch"] = _sub(
        B, 'inputs = { taglines = "Tagline[3]"', 'inputs = { taglines = "Tagline[2]"'
    )
    C["tagline_any_count"] = _sub(
        B, 'inputs = { taglines = "Tagline[3]"', 'inputs = { taglines = "Tagline[]"'
    )
    C["tagline_single"] = _sub(B, 'inputs = { taglines = "Tagline[3]"', 'inputs = { taglines = "Tagline"')
    C["tagline_nb_output"] = _sub(
        B, 'output = "Tagline[3]"\nprompt', 'output = "Tagline"\nnb_output = 3\nprompt'
    )
    C["visual_as_image"] = _sub(B, 'output = "HeroVisual"', 'output = "Image"')
    C["visual_unrefined"] = _sub(B, 'output = "HeroVisual"', 'output = "Visual"')
    C["visual_list"] = _sub(B, 'output = "HeroVisual"', 'output = "HeroVisual[2]"')
    C["visual_prompt_jinja"] = _sub(
        B, 'prompt = "$plan.visual_prompt"', 'prompt = "{{ plan.visual_prompt }}"'
    )
    C["visual_prompt_at"] = _sub(B, 'prompt = "$plan.visual_prompt"', 'prompt = "@plan.visual_prompt"')
    C["visual_prompt_unknown_field"] = _sub(
        B, 'prompt = "$plan.visual_prompt"', 'prompt = "$plan.image_prompt"'
    )
    C["visual_prompt_whole"] = _sub(B, 'prompt = "$plan.visual_prompt"', 'prompt = "@plan"')
    C["visual_logo_unused"] = _sub(
        B,
        'inputs = { plan = "CampaignPlan" }\noutput = "HeroVisual"',
        'inputs = { plan = "CampaignPlan", logo = "Image" }\noutput = "HeroVisual"',
    )
    C["aspect_bad"] = _sub(B, 'aspect_ratio = "landscape_16_9"', 'aspect_ratio = "16:9"')
    C["join_filter_on_text"] = _sub(
        B, '{{ brief.channels | join(", ") }}', '{{ brief.audience | join(", ") }}'
    )
    C["filter_unknown"] = _sub(B, '{{ brief.channels | join(", ") }}', "{{ brief.channels | commas }}")
    C["loop_channels"] = _sub(
        B, '{{ brief.channels | join(", ") }}', "{% for c in brief.channels %}{{ c }} {% endfor %}"
    )
    C["loop_unknown_list"] = _sub(
        B, '{{ brief.channels | join(", ") }}', "{% for c in brief.networks %}{{ c }} {% endfor %}"
    )
    C["if_budget"] = _sub(
        B, '{{ brief.channels | join(", ") }}', "{% if brief.budget %}Budget: {{ brief.budget }}{% endif %}"
    )
    C["if_unknown"] = _sub(B, '{{ brief.channels | join(", ") }}', "{% if urgent %}Hurry.{% endif %}")
    C["construct_from_unknown"] = _sub(B, 'posts = { from = "posts" }', 'posts = { from = "social" }')
    C["construct_from_field"] = _sub(B, 'posts = { from = "posts" }', 'posts = { from = "plan.post_ideas" }')
    C["construct_missing_required"] = _sub(B, 'posts = { from = "posts" }\n', "")
    C["construct_extra_field"] = _sub(
        B,
        'summary = { template = "A campaign on $plan.theme" }',
        'summary = { template = "A campaign on $plan.theme" }\nowner = "marketing"',
    )
    C["construct_template_unknown_var"] = _sub(
        B, '"A campaign on $plan.theme"', '"A campaign on $plan.theme for $brief.product_name"'
    )
    C["construct_template_unknown_field"] = _sub(
        B, '"A campaign on $plan.theme"', '"A campaign on $plan.title"'
    )
    C["construct_fixed_summary"] = _sub(
        B, 'summary = { template = "A campaign on $plan.theme" }', 'summary = "A campaign"'
    )
    C["parallel_combined"] = _sub(
        _sub(
            B,
            "add_each_output = true\n\n[pipe.write_taglines]",
            'combined_output = "Campaign"\n\n[pipe.write_taglines]',
        ),
        'output = "Composite"\nbranches',
        'output = "Campaign"\nbranches',
    )
    C["parallel_text_output"] = _sub(B, 'output = "Composite"\nbranches', 'output = "Text"\nbranches')
    C["parallel_no_output_flags"] = _sub(
        B, "add_each_output = true\n\n[pipe.write_taglines]", "\n[pipe.write_taglines]"
    )
    C["main_logo_unused"] = _sub(
        B,
        'inputs = { brief = "ProductBrief" }\noutput = "Campaign"',
        'inputs = { brief = "ProductBrief", logo = "Image" }\noutput = "Campaign"',
    )
    for name, spec in (
        ("main_logo_image", "Image"),
        ("main_logo_list", "Image[]"),
        ("main_logo_two", "Image[2]"),
        ("main_logo_native", "native.Image"),
        ("main_logo_images", "Images"),
        ("main_logo_visual", "Visual"),
        ("main_logo_lower", "image"),
    ):
        C[name] = _sub(
            _sub(
                _sub(
                    _sub(
                        B,
                        'inputs = { brief = "ProductBrief" }\noutput = "Campaign"',
                        f'inputs = {{ brief = "ProductBrief", logo = "{spec}" }}\noutput = "Campaign"',
                    ),
                    'inputs = { plan = "CampaignPlan", brief = "ProductBrief" }\noutput = "Composite"',
                    f'inputs = {{ plan = "CampaignPlan", brief = "ProductBrief", logo = "{spec}" }}\noutput = "Composite"',
                ),
                'inputs = { plan = "CampaignPlan" }\noutput = "HeroVisual"',
                'inputs = { plan = "CampaignPlan", logo = "Image" }\noutput = "HeroVisual"',
            ),
            'prompt = "$plan.visual_prompt"',
            'prompt = "$plan.visual_prompt, with the logo $logo"',
        )
    C["visual_plain_concept"] = _sub(
        B,
        'description = "An image for the campaign"\nrefines = "Image"',
        'description = "An image for the campaign"',
    )
    C["tone_default_outside"] = _sub(B, 'default_value = "playful" }', 'default_value = "bold" }')
    C["channels_item_concept"] = _sub(
        B,
        'channels = { type = "list", item_type = "text", description = "Where to publish", required = true }',
        'channels = { type = "list", item_type = "concept", item_concept_ref = "SocialPost", description = "Where to publish", required = true }',
    )
    C["channels_no_item"] = _sub(
        B,
        'channels = { type = "list", item_type = "text", description = "Where to publish", required = true }',
        'channels = { type = "list", description = "Where to publish", required = true }',
    )
    C["budget_integer_default_float"] = _sub(
        B,
        'budget = { type = "number", description = "Budget in euros" }',
        'budget = { type = "integer", description = "Budget in euros", default_value = 99.5 }',
    )
    C["two_visual_field_and_tagline_count"] = _sub(
        _sub(B, 'prompt = "$plan.visual_prompt"', 'prompt = "$plan.image_prompt"'),
        'inputs = { taglines = "Tagline[3]"',
        'inputs = { taglines = "Tagline[2]"',
    )
    C["two_aspect_and_unknown_var"] = _sub(
        _sub(B, 'aspect_ratio = "landscape_16_9"', 'aspect_ratio = "16:9"'),
        "Write a post for $brief.product_name about: $idea",
        "Write a post for $brief.product_name about: $idea on $network",
    )
    C["two_construct_and_batch_names"] = _sub(
        _sub(B, 'posts = { from = "posts" }', 'posts = { from = "social" }'),
        'input_item_name = "idea"',
        'input_item_name = "post_idea"',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# A support desk: tickets triaged in a batch, answered by category, escalations judged

_DESK = '''domain = "helpdesk"
description = "Triage a batch of support tickets and answer each one"
main_pipe = "handle_tickets"

[concept.Ticket]
description = "A customer's support ticket"

[concept.Ticket.structure]
subject = { type = "text", description = "Subject line", required = true }
body = { type = "text", description = "What the customer wrote", required = true }
customer_tier = { choices = ["free", "pro", "enterprise"], description = "Plan", default_value = "free" }
attachments = { type = "list", item_type = "text", description = "Attachment names" }

[concept.Triage]
description = "Where a ticket goes"

[concept.Triage.structure]
category = { choices = ["billing", "bug", "howto"], description = "The category", required = true }
urgency = { type = "integer", description = "1 to 5", required = true }
ticket = { type = "concept", concept_ref = "Ticket", description = "The ticket", required = true }

[concept.Answer]
description = "A reply to a ticket"
refines = "Text"

[concept.BillingAnswer]
description = "A reply about billing"
refines = "Answer"

[pipe.handle_tickets]
type = "PipeBatch"
description = "Handle each ticket"
inputs = { tickets = "Ticket[]", faq = "Text" }
output = "Answer[]"
branch_pipe_code = "handle_ticket"
input_list_name = "tickets"
input_item_name = "ticket"

[pipe.handle_ticket]
type = "PipeSequence"
description = "Triage then answer one ticket"
inputs = { ticket = "Ticket", faq = "Text" }
output = "Answer"
steps = [
    { pipe = "triage_ticket", result = "triage" },
    { pipe = "answer_by_category", result = "answer" },
]

[pipe.triage_ticket]
type = "PipeLLM"
description = "Triage a ticket"
inputs = { ticket = "Ticket" }
output = "Triage"
model = "$retrieval"
prompt = """
Triage this ticket ({{ ticket.customer_tier }} customer):

Subject: $ticket.subject
$ticket.body
"""

[pipe.answer_by_category]
type = "PipeCondition"
description = "Answer according to the category"
inputs = { triage = "Triage", faq = "Text" }
output = "Answer"
expression_template = "{{ triage.category }}"
default_outcome = "answer_howto"

[pipe.answer_by_category.outcomes]
billing = "answer_billing"
bug = "answer_bug"

[pipe.answer_billing]
type = "PipeLLM"
description = "Answer a billing question"
inputs = { triage = "Triage" }
output = "Answer"
prompt = """
Answer this billing question politely:

$triage.ticket.body
"""

[pipe.answer_bug]
type = "PipeLLM"
description = "Answer a bug report"
inputs = { triage = "Triage", faq = "Text" }
output = "Answer"
prompt = """
Known issues:
@faq

Answer this bug report (urgency $triage.urgency):
{{ triage.ticket.body }}
"""

[pipe.answer_howto]
type = "PipeLLM"
description = "Answer a how-to question"
inputs = { triage = "Triage", faq = "Text" }
output = "Answer"
prompt = """
Using this FAQ:
@faq

Answer: $triage.ticket.subject
"""
'''


def _desk() -> dict[str, str]:
    B = _DESK
    C: dict[str, str] = {"base": B}
    C["path_three_deep_unknown"] = _sub(B, "$triage.ticket.body\n", "$triage.ticket.sender\n")
    C["path_four_deep"] = _sub(B, "$triage.ticket.body\n", "$triage.ticket.body.text\n")
    C["path_jinja_unknown"] = _sub(B, "{{ triage.ticket.body }}", "{{ triage.ticket.text }}")
    C["path_list_in_nested"] = _sub(B, "$triage.ticket.body\n", "$triage.ticket.attachments\n")
    C["expr_nested_path"] = _sub(B, '"{{ triage.category }}"', '"{{ triage.ticket.customer_tier }}"')
    C["expr_plain_nested"] = _sub(
        B, 'expression_template = "{{ triage.category }}"', 'expression = "triage.ticket.customer_tier"'
    )
    C["expr_unknown_nested"] = _sub(B, '"{{ triage.category }}"', '"{{ triage.ticket.plan }}"')
    C["expr_reads_faq"] = _sub(B, '"{{ triage.category }}"', '"{{ faq }}"')
    C["billing_refined"] = _sub(
        B,
        'inputs = { triage = "Triage" }\noutput = "Answer"',
        'inputs = { triage = "Triage" }\noutput = "BillingAnswer"',
    )
    C["billing_is_text"] = _sub(
        B,
        'inputs = { triage = "Triage" }\noutput = "Answer"',
        'inputs = { triage = "Triage" }\noutput = "Text"',
    )
    C["billing_refined_cond_anything"] = _sub(
        C["billing_refined"],
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "Answer"\nexpression',
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "Anything"\nexpression',
    )
    C["condition_output_billing"] = _sub(
        B,
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "Answer"\nexpression',
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "BillingAnswer"\nexpression',
    )
    C["condition_output_text"] = _sub(
        B,
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "Answer"\nexpression',
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "Text"\nexpression',
    )
    C["seq_output_text"] = _sub(
        B,
        'inputs = { ticket = "Ticket", faq = "Text" }\noutput = "Answer"',
        'inputs = { ticket = "Ticket", faq = "Text" }\noutput = "Text"',
    )
    C["batch_output_text"] = _sub(B, 'output = "Answer[]"', 'output = "Text[]"')
    C["batch_output_billing"] = _sub(B, 'output = "Answer[]"', 'output = "BillingAnswer[]"')
    C["batch_faq_not_passed"] = _sub(
        B, 'inputs = { tickets = "Ticket[]", faq = "Text" }', 'inputs = { tickets = "Ticket[]" }'
    )
    C["batch_faq_list"] = _sub(
        B,
        'inputs = { tickets = "Ticket[]", faq = "Text" }',
        'inputs = { tickets = "Ticket[]", faq = "Text[]" }',
    )
    C["seq_faq_missing"] = _sub(
        B,
        'inputs = { ticket = "Ticket", faq = "Text" }\noutput = "Answer"\nsteps',
        'inputs = { ticket = "Ticket" }\noutput = "Answer"\nsteps',
    )
    C["condition_faq_missing"] = _sub(
        B,
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "Answer"\nexpression',
        'inputs = { triage = "Triage" }\noutput = "Answer"\nexpression',
    )
    C["billing_faq_unused"] = _sub(
        B,
        'inputs = { triage = "Triage" }\noutput = "Answer"',
        'inputs = { triage = "Triage", faq = "Text" }\noutput = "Answer"',
    )
    C["triage_reads_faq"] = _sub(B, "Subject: $ticket.subject", "FAQ: @faq\nSubject: $ticket.subject")
    C["batch_item_qualified_concept"] = _sub(
        B,
        'inputs = { tickets = "Ticket[]", faq = "Text" }',
        'inputs = { tickets = "helpdesk.Ticket[]", faq = "Text" }',
    )
    C["batch_over_in_seq"] = _sub(
        B,
        'type = "PipeBatch"\ndescription = "Handle each ticket"\ninputs = { tickets = "Ticket[]", faq = "Text" }\noutput = "Answer[]"\nbranch_pipe_code = "handle_ticket"\ninput_list_name = "tickets"\ninput_item_name = "ticket"',
        'type = "PipeSequence"\ndescription = "Handle each ticket"\ninputs = { tickets = "Ticket[]", faq = "Text" }\noutput = "Answer[]"\nsteps = [\n    { pipe = "handle_ticket", batch_over = "tickets", batch_as = "ticket", result = "answers" },\n]',
    )
    C["batch_over_singular_as"] = _sub(C["batch_over_in_seq"], 'batch_as = "ticket"', 'batch_as = "tickets"')
    C["batch_over_no_as"] = _sub(C["batch_over_in_seq"], ', batch_as = "ticket"', "")
    C["batch_as_no_over"] = _sub(C["batch_over_in_seq"], 'batch_over = "tickets", ', "")
    C["batch_over_unknown"] = _sub(C["batch_over_in_seq"], 'batch_over = "tickets"', 'batch_over = "issues"')
    C["batch_over_seq_output_single"] = _sub(
        C["batch_over_in_seq"], 'output = "Answer[]"\nsteps', 'output = "Answer"\nsteps'
    )
    C["model_unknown_preset"] = _sub(B, 'model = "$retrieval"', 'model = "$triage"')
    C["model_alias"] = _sub(B, 'model = "$retrieval"', 'model = "@default-small"')
    C["model_bare_name"] = _sub(B, 'model = "$retrieval"', 'model = "gpt-4o-mini"')
    C["urgency_default_text"] = _sub(
        B,
        'urgency = { type = "integer", description = "1 to 5", required = true }',
        'urgency = { type = "integer", description = "1 to 5", default_value = "3" }',
    )
    C["ticket_field_concept_self"] = _sub(
        B,
        'attachments = { type = "list", item_type = "text", description = "Attachment names" }',
        'attachments = { type = "list", item_type = "text", description = "Attachment names" }\nparent = { type = "concept", concept_ref = "Ticket", description = "The earlier ticket" }',
    )
    C["tier_choices_empty"] = _sub(B, 'choices = ["free", "pro", "enterprise"]', "choices = []")
    C["tier_choices_numbers"] = _sub(
        B,
        'choices = ["free", "pro", "enterprise"], description = "Plan", default_value = "free"',
        'choices = [1, 2, 3], description = "Plan"',
    )
    C["two_outcome_unknown_and_path"] = _sub(
        _sub(B, 'bug = "answer_bug"', 'bug = "answer_bugs"'),
        "$triage.ticket.body\n",
        "$triage.ticket.sender\n",
    )
    C["two_faq_missing_and_output"] = _sub(
        _sub(B, 'inputs = { tickets = "Ticket[]", faq = "Text" }', 'inputs = { tickets = "Ticket[]" }'),
        'inputs = { triage = "Triage" }\noutput = "Answer"',
        'inputs = { triage = "Triage" }\noutput = "Text"',
    )
    C["two_model_and_path"] = _sub(
        _sub(B, 'model = "$retrieval"', 'model = "$triage"'),
        "$triage.ticket.body\n",
        "$triage.ticket.sender\n",
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# A property listing: photos with multiplicity, a refinement chain, nested controllers (a sequence inside a
# parallel inside a condition), lists of concepts read whole and by loop

_LISTING = """domain = "realestate"
description = "Write a property listing from photos and notes"
main_pipe = "write_listing"

[concept.Property]
description = "A property for sale"

[concept.Property.structure]
address = { type = "text", description = "Where it is", required = true }
rooms = { type = "integer", description = "Number of rooms", required = true }
surface = { type = "number", description = "Square metres" }
kind = { choices = ["flat", "house", "loft"], description = "The kind", required = true }
features = { type = "list", item_type = "concept", item_concept_ref = "Feature", description = "Notable features" }

[concept.Feature]
description = "A notable feature of a property"

[concept.Feature.structure]
name = { type = "text", description = "The feature", required = true }
room = { type = "text", description = "Where it is" }

[concept.PhotoNote]
description = "What a photo shows"
refines = "Text"

[concept.Listing]
description = "A listing text"
refines = "Text"

[concept.LuxuryListing]
description = "A listing for a luxury property"
refines = "Listing"

[concept.PenthouseListing]
description = "A listing for a penthouse"
refines = "LuxuryListing"

[pipe.write_listing]
type = "PipeSequence"
description = "Describe the photos, then write the listing for its kind"
inputs = { property = "Property", photos = "Image[]", notes = "Text[]" }
output = "Listing"
steps = [
    { pipe = "describe_photo", batch_over = "photos", batch_as = "photo", result = "photo_notes" },
    { pipe = "listing_by_kind", result = "listing" },
]

[pipe.describe_photo]
type = "PipeLLM"
description = "Describe one photo"
inputs = { photo = "Image" }
output = "PhotoNote"
prompt = "What does this photo of a property show? $photo"

[pipe.listing_by_kind]
type = "PipeCondition"
description = "Write the listing for the property's kind"
inputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }
output = "Listing"
expression = "property.kind"
default_outcome = "write_plain"

[pipe.listing_by_kind.outcomes]
loft = "write_loft"

[pipe.write_plain]
type = "PipeLLM"
description = "Write a plain listing"
inputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }
output = "Listing"
prompt = \"\"\"
Write a listing for the {{ property.kind }} at {{ property.address }} ({{ property.rooms }} rooms).
{% for f in property.features %}- {{ f.name }}
{% endfor %}
Photos:
@photo_notes

Agent's notes:
@notes
\"\"\"

[pipe.write_loft]
type = "PipeSequence"
description = "Draft then polish a loft listing"
inputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }
output = "Listing"
steps = [
    { pipe = "draft_loft", result = "draft" },
    { pipe = "polish", result = "listing" },
]

[pipe.draft_loft]
type = "PipeLLM"
description = "Draft a loft listing"
inputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }
output = "Text"
prompt = \"\"\"
Draft a listing for the loft at $property.address.
@photo_notes
@notes
\"\"\"

[pipe.polish]
type = "PipeLLM"
description = "Polish a draft"
inputs = { draft = "Text" }
output = "Listing"
prompt = "Polish this listing: $draft"
"""


def _listing() -> dict[str, str]:
    B = _LISTING
    C: dict[str, str] = {"base": B}
    C["photos_two"] = _sub(B, 'photos = "Image[]", notes', 'photos = "Image[2]", notes')
    C["photos_single_batched"] = _sub(B, 'photos = "Image[]", notes', 'photos = "Image", notes')
    C["photo_item_two"] = _sub(B, 'inputs = { photo = "Image" }', 'inputs = { photo = "Image[2]" }')
    C["notes_single_main"] = _sub(
        B, 'photos = "Image[]", notes = "Text[]" }', 'photos = "Image[]", notes = "Text" }'
    )
    C["notes_fixed_main"] = _sub(
        B, 'photos = "Image[]", notes = "Text[]" }', 'photos = "Image[]", notes = "Text[3]" }'
    )
    C["notes_single_leaf"] = _sub(
        B,
        'inputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }\noutput = "Listing"\nprompt',
        'inputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text" }\noutput = "Listing"\nprompt',
    )
    C["photo_notes_text_list"] = _sub(
        B,
        'inputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }\noutput = "Listing"\nexpression',
        'inputs = { property = "Property", photo_notes = "Text[]", notes = "Text[]" }\noutput = "Listing"\nexpression',
    )
    C["outcome_luxury"] = _sub(
        B,
        'description = "Polish a draft"\ninputs = { draft = "Text" }\noutput = "Listing"',
        'description = "Polish a draft"\ninputs = { draft = "Text" }\noutput = "LuxuryListing"',
    )
    C["outcome_penthouse_seq"] = _sub(
        _sub(
            B,
            'description = "Polish a draft"\ninputs = { draft = "Text" }\noutput = "Listing"',
            'description = "Polish a draft"\ninputs = { draft = "Text" }\noutput = "PenthouseListing"',
        ),
        'description = "Draft then polish a loft listing"\ninputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }\noutput = "Listing"',
        'description = "Draft then polish a loft listing"\ninputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }\noutput = "PenthouseListing"',
    )
    C["seq_last_step_refined"] = _sub(
        B,
        'description = "Polish a draft"\ninputs = { draft = "Text" }\noutput = "Listing"',
        'description = "Polish a draft"\ninputs = { draft = "Text" }\noutput = "PenthouseListing"',
    )
    C["seq_declares_narrower"] = _sub(
        B,
        'description = "Draft then polish a loft listing"\ninputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }\noutput = "Listing"',
        'description = "Draft then polish a loft listing"\ninputs = { property = "Property", photo_notes = "PhotoNote[]", notes = "Text[]" }\noutput = "LuxuryListing"',
    )
    C["main_output_text"] = _sub(
        B,
        'notes = "Text[]" }\noutput = "Listing"\nsteps = [\n    { pipe = "describe_photo"',
        'notes = "Text[]" }\noutput = "Text"\nsteps = [\n    { pipe = "describe_photo"',
    )
    C["main_output_luxury"] = _sub(
        B,
        'notes = "Text[]" }\noutput = "Listing"\nsteps = [\n    { pipe = "describe_photo"',
        'notes = "Text[]" }\noutput = "LuxuryListing"\nsteps = [\n    { pipe = "describe_photo"',
    )
    C["polish_reads_text_as_listing"] = _sub(
        B, 'inputs = { draft = "Text" }', 'inputs = { draft = "Listing" }'
    )
    C["draft_output_photonote"] = _sub(
        B, 'output = "Text"\nprompt = """\nDraft', 'output = "PhotoNote"\nprompt = """\nDraft'
    )
    C["loop_unknown_field"] = _sub(B, "{{ f.name }}", "{{ f.label }}")
    C["loop_field_room"] = _sub(B, "{{ f.name }}", "{{ f.name }} ({{ f.room }})")
    C["loop_over_scalar"] = _sub(B, "{% for f in property.features %}", "{% for f in property.rooms %}")
    C["dollar_list_concept_field"] = _sub(
        B,
        "Draft a listing for the loft at $property.address.",
        "Draft a listing for the loft at $property.address with $property.features.",
    )
    C["at_list_concept_field"] = _sub(
        B,
        "Draft a listing for the loft at $property.address.",
        "Draft a listing for the loft at $property.address.\n@property.features",
    )
    C["dollar_number_field"] = _sub(
        B,
        "Draft a listing for the loft at $property.address.",
        "Draft a listing for the loft at $property.address ($property.surface m2).",
    )
    C["dollar_choice_field"] = _sub(
        B,
        "Draft a listing for the loft at $property.address.",
        "Draft a listing for the $property.kind at $property.address.",
    )
    C["expr_int_field"] = _sub(B, 'expression = "property.kind"', 'expression = "property.rooms"')
    C["expr_comparison"] = _sub(B, 'expression = "property.kind"', 'expression = "property.rooms > 4"')
    C["expr_list_field"] = _sub(B, 'expression = "property.kind"', 'expression = "property.features"')
    C["outcome_key_not_choice"] = _sub(B, 'loft = "write_loft"', 'penthouse = "write_loft"')
    C["outcome_key_number"] = _sub(B, 'loft = "write_loft"', '4 = "write_loft"')
    C["feature_after_use"] = B  # the concept used before its declaration: the base already does it
    C["feature_undeclared"] = _sub(
        B,
        '[concept.Feature]\ndescription = "A notable feature of a property"\n\n[concept.Feature.structure]\nname = { type = "text", description = "The feature", required = true }\nroom = { type = "text", description = "Where it is" }\n\n',
        "",
    )
    C["feature_simple_concept"] = _sub(
        B,
        '[concept.Feature]\ndescription = "A notable feature of a property"\n\n[concept.Feature.structure]\nname = { type = "text", description = "The feature", required = true }\nroom = { type = "text", description = "Where it is" }\n',
        '[concept]\nFeature = "A notable feature of a property"\n',
    )
    C["penthouse_refines_cycle"] = _sub(
        B,
        'description = "A listing for a luxury property"\nrefines = "Listing"',
        'description = "A listing for a luxury property"\nrefines = "PenthouseListing"',
    )
    C["refines_two"] = _sub(
        B,
        'description = "A listing for a penthouse"\nrefines = "LuxuryListing"',
        'description = "A listing for a penthouse"\nrefines = ["LuxuryListing", "Listing"]',
    )
    C["refines_image_for_text_chain"] = _sub(
        B,
        'description = "A listing text"\nrefines = "Text"',
        'description = "A listing text"\nrefines = "Image"',
    )
    C["two_loop_field_and_outcome"] = _sub(
        _sub(B, "{{ f.name }}", "{{ f.label }}"), 'loft = "write_loft"', 'loft = "write_lofts"'
    )
    C["two_notes_single_and_unknown_concept"] = _sub(
        _sub(B, 'photos = "Image[]", notes = "Text[]" }', 'photos = "Image[]", notes = "Text" }'),
        'inputs = { draft = "Text" }',
        'inputs = { draft = "Draft" }',
    )
    C["two_batch_single_and_var"] = _sub(
        _sub(B, 'photos = "Image[]", notes', 'photos = "Image", notes'),
        "Polish this listing: $draft",
        "Polish this listing: $draft for $buyer",
    )
    del C["feature_after_use"]
    return C


# ---------------------------------------------------------------------------------------------------------------
# What a controller declares against what the pipes it runs read: refinements handed down through a condition, a
# parallel, a sequence and a batch (a legal review: contracts refining Document, clauses refining Text)

_WIRE = """domain = "legal_review"
description = "Review a contract according to its kind"
main_pipe = "review"

[concept.Contract]
description = "A contract"
refines = "Document"

[concept.Lease]
description = "A rental contract"
refines = "Contract"

[concept.Clause]
description = "A clause of a contract"
refines = "Text"

[concept.Meta]
description = "What a contract is about"

[concept.Meta.structure]
kind = { choices = ["lease", "sale"], description = "The kind", required = true }
parties = { type = "list", item_type = "text", description = "Who signs" }

[pipe.review]
type = "PipeSequence"
description = "Classify, then review by kind"
inputs = { contract = "Contract" }
output = "Text"
steps = [
    { pipe = "classify", result = "meta" },
    { pipe = "review_by_kind", result = "review" },
]

[pipe.classify]
type = "PipeLLM"
description = "Classify the contract"
inputs = { contract = "Contract" }
output = "Meta"
prompt = "What kind of contract is this? $contract"

[pipe.review_by_kind]
type = "PipeCondition"
description = "Review according to the kind"
inputs = { contract = "Contract", meta = "Meta" }
output = "Text"
expression = "meta.kind"
default_outcome = "review_generic"

[pipe.review_by_kind.outcomes]
lease = "review_lease"

[pipe.review_lease]
type = "PipeSequence"
description = "Check a lease, then sum up"
inputs = { contract = "Contract" }
output = "Text"
steps = [
    { pipe = "lease_checks", result = "checks" },
    { pipe = "sum_up", result = "summary" },
]

[pipe.sum_up]
type = "PipeLLM"
description = "Sum up the checks"
inputs = { rent = "Text", deposit = "Text" }
output = "Text"
prompt = "Sum up: $rent / $deposit"

[pipe.lease_checks]
type = "PipeParallel"
description = "Check the rent and the deposit at once"
inputs = { contract = "Contract" }
output = "Composite"
branches = [
    { pipe = "check_rent", result = "rent" },
    { pipe = "check_deposit", result = "deposit" },
]
add_each_output = true

[pipe.check_rent]
type = "PipeLLM"
description = "Check the rent"
inputs = { contract = "Contract" }
output = "Text"
prompt = "Is the rent fair? $contract"

[pipe.check_deposit]
type = "PipeLLM"
description = "Check the deposit"
inputs = { contract = "Contract" }
output = "Text"
prompt = "Is the deposit lawful? $contract"

[pipe.review_generic]
type = "PipeLLM"
description = "A generic review"
inputs = { contract = "Contract" }
output = "Text"
prompt = "Review this contract: $contract"
"""

_COND_IN = 'inputs = { contract = "Contract", meta = "Meta" }'
_PAR_IN = 'description = "Check the rent and the deposit at once"\ninputs = { contract = "Contract" }'
_RENT_IN = 'description = "Check the rent"\ninputs = { contract = "Contract" }'
_GEN_IN = 'description = "A generic review"\ninputs = { contract = "Contract" }'


def _wire() -> dict[str, str]:
    B = _WIRE
    C: dict[str, str] = {"base": B}
    C["cond_declares_lease"] = _sub(B, _COND_IN, 'inputs = { contract = "Lease", meta = "Meta" }')
    C["cond_declares_document"] = _sub(B, _COND_IN, 'inputs = { contract = "Document", meta = "Meta" }')
    C["par_declares_lease"] = _sub(B, _PAR_IN, _PAR_IN.replace('"Contract"', '"Lease"'))
    C["par_declares_document"] = _sub(B, _PAR_IN, _PAR_IN.replace('"Contract"', '"Document"'))
    C["branch_reads_lease"] = _sub(B, _RENT_IN, _RENT_IN.replace('"Contract"', '"Lease"'))
    C["branch_reads_document"] = _sub(B, _RENT_IN, _RENT_IN.replace('"Contract"', '"Document"'))
    C["branch_reads_anything"] = _sub(B, _RENT_IN, _RENT_IN.replace('"Contract"', '"Anything"'))
    C["outcome_reads_document"] = _sub(B, _GEN_IN, _GEN_IN.replace('"Contract"', '"Document"'))
    C["outcome_reads_lease"] = _sub(B, _GEN_IN, _GEN_IN.replace('"Contract"', '"Lease"'))
    C["outcome_reads_document_cond_too"] = _sub(
        _sub(B, _GEN_IN, _GEN_IN.replace('"Contract"', '"Document"')),
        _COND_IN,
        'inputs = { contract = "Document", meta = "Meta" }',
    )
    C["main_declares_lease"] = _sub(
        B,
        'description = "Classify, then review by kind"\ninputs = { contract = "Contract" }',
        'description = "Classify, then review by kind"\ninputs = { contract = "Lease" }',
    )
    C["main_declares_document"] = _sub(
        B,
        'description = "Classify, then review by kind"\ninputs = { contract = "Contract" }',
        'description = "Classify, then review by kind"\ninputs = { contract = "Document" }',
    )
    C["main_declares_pdf"] = _sub(
        B,
        'description = "Classify, then review by kind"\ninputs = { contract = "Contract" }',
        'description = "Classify, then review by kind"\ninputs = { contract = "PDF" }',
    )
    C["cond_meta_qualified"] = _sub(
        B, _COND_IN, 'inputs = { contract = "Contract", meta = "legal_review.Meta" }'
    )
    C["cond_contract_qualified"] = _sub(
        B, _COND_IN, 'inputs = { contract = "legal_review.Contract", meta = "Meta" }'
    )
    C["cond_meta_list"] = _sub(B, _COND_IN, 'inputs = { contract = "Contract", meta = "Meta[]" }')
    C["par_extra_input"] = _sub(
        B, _PAR_IN, _PAR_IN.replace('{ contract = "Contract" }', '{ contract = "Contract", meta = "Meta" }')
    )
    C["cond_extra_input"] = _sub(
        B, _COND_IN, 'inputs = { contract = "Contract", meta = "Meta", note = "Text" }'
    )
    C["par_contract_list"] = _sub(B, _PAR_IN, _PAR_IN.replace('"Contract"', '"Contract[]"'))
    C["clause_text_par"] = _sub(
        _sub(
            B,
            _PAR_IN,
            _PAR_IN.replace('{ contract = "Contract" }', '{ contract = "Contract", clause = "Clause" }'),
        ),
        _RENT_IN,
        _RENT_IN.replace('{ contract = "Contract" }', '{ contract = "Contract", clause = "Text" }'),
    ).replace("Is the rent fair? $contract", "Is the rent fair? $contract $clause")
    C["text_clause_par"] = _sub(
        _sub(
            B,
            _PAR_IN,
            _PAR_IN.replace('{ contract = "Contract" }', '{ contract = "Contract", clause = "Text" }'),
        ),
        _RENT_IN,
        _RENT_IN.replace('{ contract = "Contract" }', '{ contract = "Contract", clause = "Clause" }'),
    ).replace("Is the rent fair? $contract", "Is the rent fair? $contract $clause")
    C["two_branches_two_concepts"] = _sub(
        _sub(B, _RENT_IN, _RENT_IN.replace('"Contract"', '"Lease"')),
        _PAR_IN,
        _PAR_IN.replace('"Contract"', '"Lease"'),
    )
    return C


def cases() -> dict[str, str | dict[str, str]]:
    """Every case, named ``f18_<group>__<name>`` (a folder case: a dict of relative path -> text)."""
    out: dict[str, str | dict[str, str]] = {}
    groups: tuple[tuple[str, dict[str, str]], ...] = (
        ("hire", _hire()),
        ("studio", _studio()),
        ("desk", _desk()),
        ("listing", _listing()),
        ("wire", _wire()),
    )
    for group, made in groups:
        for name, text in made.items():
            out[f"f18_{group}__{name}"] = text
    return out

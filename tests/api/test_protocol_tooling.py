"""The tooling routes the reference's SDK calls: ``/v1/pipe-io``, ``/v1/models/check``, ``/v1/resolve``.

``pipelex_sdk`` parses each answer with its own models, whose artifacts are the standard's closed shapes
(``mthds.protocol``): an input form or a contract that drifts fails the parse here.
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator

import httpx
import pytest
from mthds.protocol.input_form import EnumField, ListField, NumberField, ObjectItem
from pipelex_sdk.client import PipelexAPIClient
from pipelex_sdk.crate_models import PipeIORequest, PipeIOValidReport, ResolveRequest
from pipelex_sdk.errors import ApiResponseError
from pipelex_sdk.model_reference_models import ModelReferenceKind, ModelReferenceResolution

from tests.api.bundles import MENU
from tests.api.conftest import assert_problem

RECIPES = textwrap.dedent("""
    domain    = "recipes"
    main_pipe = "plan_dishes"

    [concept.Dish]
    description = "A dish for the evening"

    [concept.Dish.structure]
    name       = { type = "text", description = "The dish's name", required = true }
    servings   = { type = "integer", description = "How many it feeds", required = true }
    vegetarian = { type = "boolean", description = "Whether it has no meat" }
    course     = { type = "text", description = "Which course", choices = ["starter", "main", "dessert"] }

    [pipe.plan_dishes]
    type        = "PipeLLM"
    description = "Plans three dishes from a note, photos of the larder and a guest count"
    inputs      = { note = "Text", photos = "Image[]", guests = "Number", theme = "Text?" }
    output      = "Dish[3]"
    prompt      = "Plan dishes for $guests guests from $note. {% if theme %}Theme: $theme.{% endif %} $photos"
""")


@pytest.fixture
async def sdk(base_url: str) -> AsyncIterator[PipelexAPIClient]:
    async with PipelexAPIClient(api_key="unused", base_url=base_url, request_timeout_seconds=120) as client:
        yield client


async def test_pipe_io_describes_the_main_pipe(sdk: PipelexAPIClient) -> None:
    answer = await sdk.pipe_io(PipeIORequest(files={"recipes.mthds": RECIPES}, include_files=True))
    assert answer.is_valid is True
    assert answer.pipe_ref == answer.default_pipe_ref == "recipes.plan_dishes"
    contract = answer.pipe_io_contracts["recipes.plan_dishes"]
    inputs = contract.inputs
    assert inputs["note"].concept_ref == "native.Text" and inputs["note"].presence.value == "plain"
    assert inputs["photos"].multiplicity.value == "variable"
    assert inputs["theme"].presence.value == "optional"
    assert inputs["guests"].json_schema["properties"]["number"]
    assert contract.output.concept_ref == "recipes.Dish"
    assert contract.output.multiplicity.value == "fixed" and contract.output.item_count == 3
    assert set(contract.output.json_schema["items"]["properties"]) == {
        "name",
        "servings",
        "vegetarian",
        "course",
    }
    fields = {f.name: f for f in answer.input_form["recipes.plan_dishes"].fields}
    assert fields["note"].kind.value == "text" and fields["note"].gating is True
    assert (
        fields["photos"].kind.value == "list" and fields["photos"].gating is False
    )  # an empty list is a value
    assert fields["guests"].kind.value == "number"
    assert fields["theme"].required is False and fields["theme"].gating is False
    output = answer.output_form["recipes.plan_dishes"].field
    assert isinstance(output, ListField), output
    assert output.kind.value == "list" and output.item_count == 3
    dish = output.item
    assert isinstance(dish, ObjectItem), dish
    assert dish.kind.value == "object"
    nested = {f.name: f for f in dish.fields}
    servings, vegetarian, course = nested["servings"], nested["vegetarian"], nested["course"]
    assert isinstance(servings, NumberField) and isinstance(course, EnumField), nested
    assert servings.kind.value == "number" and servings.integer is True
    assert vegetarian.kind.value == "boolean" and vegetarian.required is False
    assert course.kind.value == "enum" and course.choices == [
        "starter",
        "main",
        "dessert",
    ]
    assert answer.files == {"recipes.mthds": RECIPES}


async def test_pipe_io_selection(sdk: PipelexAPIClient) -> None:
    every = await sdk.pipe_io(PipeIORequest(files={"menu.mthds": MENU}, all_pipes=True))
    assert isinstance(every, PipeIOValidReport), every
    assert every.is_valid and set(every.pipe_io_contracts) == {
        f"bistro_menus.{c}" for c in ("write_menu_card", "list_dishes", "lay_out_card", "greet")
    }
    one = await sdk.pipe_io(PipeIORequest(files={"menu.mthds": MENU}, pipe_ref="greet"))
    assert isinstance(one, PipeIOValidReport), one
    assert one.is_valid and one.pipe_ref == "bistro_menus.greet"
    with pytest.raises(ApiResponseError) as unknown:
        await sdk.pipe_io(PipeIORequest(files={"menu.mthds": MENU}, pipe_ref="nope"))
    assert unknown.value.problem.code == "request.pipe_not_found"
    broken = await sdk.pipe_io(PipeIORequest(files={"menu.mthds": "domain = \n"}))
    assert broken.is_valid is False and broken.errors[0].code == "method.syntax"
    assert broken.errors[0].location is not None and broken.errors[0].location.file == "menu.mthds"


async def test_resolve(sdk: PipelexAPIClient) -> None:
    answer = await sdk.resolve(ResolveRequest(files={"recipes.mthds": RECIPES}))
    assert answer.is_valid is True
    crate = answer.crate
    assert crate["main_pipe"] == "recipes.plan_dishes"
    assert "recipes.Dish" in crate["concepts"] and "recipes.plan_dishes" in crate["pipes"]
    assert crate["pipes"]["recipes.plan_dishes"]["file"] == "recipes.mthds"


async def test_model_reference_check(sdk: PipelexAPIClient, base_url: str) -> None:
    models = await sdk.models()
    handle = models.models[0].name
    verdict = await sdk.check_model_reference(handle)
    assert (
        verdict.resolution is ModelReferenceResolution.RESOLVED and verdict.kind is ModelReferenceKind.HANDLE
    )
    assert verdict.matches and verdict.matches[0].resolves_to == handle
    alias = await sdk.check_model_reference("@default-general")
    assert alias.kind is ModelReferenceKind.ALIAS and alias.resolution is ModelReferenceResolution.RESOLVED
    missing = await sdk.check_model_reference(handle + "-typo")
    assert missing.resolution is ModelReferenceResolution.NOT_FOUND and handle in missing.suggestions
    with httpx.Client(base_url=base_url, timeout=30) as http:
        blank = http.get("/v1/models/check", params={"reference": "  "})
        assert assert_problem(blank, 422, "request-invalid")["location"]["field"] == "reference"
        wrong = http.get("/v1/models/check", params={"reference": handle, "type": "colour"})
        assert assert_problem(wrong, 422, "request-invalid")["location"]["field"] == "type"


async def test_valid_verdict_carries_the_recommended_artifacts(sdk: PipelexAPIClient) -> None:
    report = await sdk.validate(files={"recipes.mthds": RECIPES}, views=["input_form", "output_form"])
    assert report.is_valid is True
    assert report.default_pipe_ref == "recipes.plan_dishes"
    assert set(report.pipe_io_contracts) == {"recipes.plan_dishes"}
    assert report.input_form is not None and report.output_form is not None
    assert {f.name for f in report.input_form["recipes.plan_dishes"].fields} == {
        "note",
        "photos",
        "guests",
        "theme",
    }
    plain = await sdk.validate(files={"recipes.mthds": RECIPES})
    assert plain.is_valid is True and plain.input_form is None and plain.pipe_io_contracts


def test_pipe_io_makes_each_concepts_json_schema_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``all_pipes`` over many pipes of few concepts: each content model's JSON Schema is made once, not once per
    slot (15,000 pipes of 50 concepts took 205 s of a worker's deadline; 2,000 now take ~3 s instead of 23 s)."""
    import json

    from pydantic import BaseModel

    from pipelex.api.protocol.files import sources_of
    from pipelex.api.protocol.pipe_io import pipe_io_json

    concepts = "".join(
        f'C{i} = {{ description = "c", structure = {{ a = {{ type = "text", description = "a" }} }} }}\n'
        for i in range(5)
    )
    pipes = "".join(
        f'[pipe.p{i}]\ntype = "PipeCompose"\ndescription = "x"\ninputs = {{ a = "C{i % 5}", b = "C{(i + 1) % 5}[]" }}\n'
        f'output = "C{(i + 2) % 5}"\n[pipe.p{i}.construct]\na = "x"\n'
        for i in range(200)
    )
    bundle = f'domain = "d"\nmain_pipe = "p0"\n[concept]\n{concepts}{pipes}'
    made: list[str] = []
    original = BaseModel.model_json_schema.__func__  # type: ignore[attr-defined]

    def counting(cls: type[BaseModel], *args: object, **kwargs: object) -> dict[str, object]:
        made.append(cls.__name__)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(BaseModel, "model_json_schema", classmethod(counting))
    sources = sources_of(files=None, mthds_contents=[bundle], blobs=None, hold=None)
    answer = json.loads(pipe_io_json(sources, None, True, False))
    assert len(answer["pipe_io_contracts"]) == 200
    contract = answer["pipe_io_contracts"]["d.p1"]
    assert contract["inputs"]["b"]["json_schema"]["type"] == "array"
    assert contract["inputs"]["a"]["json_schema"]["properties"]["a"]["description"] == "a"
    assert len(made) <= 5, made

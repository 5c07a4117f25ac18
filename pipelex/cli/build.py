"""``pipelex build inputs|output``: an inputs template to fill, and an example of the output's shape."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelex.cli.exits import EXIT_FAILED, EXIT_OK

# not typing's: `pipelex --help` imports this module and needs no typing (pipelex/__init__.py)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pipelex.language.library import Library, PipeEntry
    from pipelex.pipeline.runner import PipelexRunner


# argparse has no public name for the type of ``add_subparsers()``'s result
def add_parser(groups: argparse._SubParsersAction[argparse.ArgumentParser], *, help_text: str) -> None:  # pyright: ignore[reportPrivateUsage]
    """Declare ``build inputs`` and ``build output``."""
    build = groups.add_parser("build", help=help_text).add_subparsers(dest="what", metavar="WHAT")
    build.required = True
    bi = build.add_parser(
        "inputs", help="write the inputs JSON of a pipe, to fill then pass to `run bundle -i`"
    )
    bo = build.add_parser("output", help="print an example of a pipe's output (its dry-run mock)")
    for sub in (bi, bo):
        sub.add_argument("path", help="the .mthds file (or a folder of them)")
        sub.add_argument("--pipe", help="the pipe (default: the bundle's main_pipe)")
        sub.add_argument(
            "-L", "--library-dir", action="append", default=[], help="extra library folder (repeatable)"
        )
        sub.add_argument("-o", "--output", help="write to this file instead of printing")
        sub.add_argument("--force", action="store_true", help="with -o: replace an existing file")
    bo.add_argument(
        "--json-schema",
        action="store_true",
        help="print the JSON Schema of the output's content instead of an example",
    )


def build_inputs(args: argparse.Namespace) -> int:
    """``pipelex build inputs BUNDLE [--pipe CODE]``."""
    import json  # here, not at the top: `pipelex --help` declares this command's parser (json and shlex, ~4 M)
    import shlex

    from pipelex.memory.templates import inputs_template

    _runner, library, entry = _load(args)
    target = args.output or "inputs.json"
    command = [
        "pipelex",
        "run",
        "bundle",
        args.path,
        *(["--pipe", args.pipe] if args.pipe else []),
        *[part for d in args.library_dir for part in ("-L", d)],
        "-i",
        target,
    ]
    template = inputs_template(entry, library, run_hint=shlex.join(command))
    return _emit(
        args,
        json.dumps(template, indent=2, ensure_ascii=False) + "\n",
        next_step=f"fill it, then run: {shlex.join(command)}",
    )


def build_output(args: argparse.Namespace) -> int:
    """``pipelex build output BUNDLE [--pipe CODE] [--json-schema]``."""
    import json

    from pipelex.language.specs import ConceptSpec
    from pipelex.memory.templates import output_example

    runner, library, entry = _load(args)
    if args.json_schema:
        spec = ConceptSpec.parse(entry.blueprint.output)
        concept = library.resolve_concept(spec.concept_ref, entry.domain)
        if concept is None:  # pragma: no cover - a loaded library resolves its outputs
            print(
                f"error: the output concept {spec.concept_ref!r} of {entry.ref!r} is unknown", file=sys.stderr
            )
            return EXIT_FAILED
        schema = library.concepts.json_schema(concept)
        if spec.is_list:
            schema = {
                "type": "object",
                "properties": {
                    "items": {
                        "type": "array",
                        "items": schema,
                        **(
                            {"minItems": spec.item_count, "maxItems": spec.item_count}
                            if spec.item_count
                            else {}
                        ),
                    }
                },
                "required": ["items"],
            }
        text = json.dumps(schema, indent=2, ensure_ascii=False)
    else:
        text = json.dumps(
            output_example(entry, library, nb_list_items=runner.settings.nb_list_items),
            indent=2,
            ensure_ascii=False,
        )
    return _emit(args, text + "\n", next_step=None)


def _load(args: argparse.Namespace) -> tuple[PipelexRunner, Library, PipeEntry]:
    from pipelex.cli.commands import CLI_PIPE_HINT
    from pipelex.cli.paths import bundle_file, library_path
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    runner = PipelexRunner(
        bundle_uri=bundle_file(args.path),
        library_dirs=[library_path(raw) for raw in args.library_dir],
        pipe_run_mode=PipeRunMode.DRY,
        backend="direct",
        pipe_hint=CLI_PIPE_HINT,
    )
    library = runner.load()
    return runner, library, runner.pick_pipe(library, args.pipe)


def _emit(args: argparse.Namespace, text: str, *, next_step: str | None) -> int:
    if args.output is None:
        from pipelex.cli.commands import console_json

        # a description's C1 controls and bidi overrides, escaped (the same JSON)
        sys.stdout.write(console_json(text))
        return EXIT_OK
    from pipelex.cli.paths import output_file, refuse_overwriting_a_source, write_output

    # checked: a folder, a missing folder, a system path, a link, an existing file without --force are usage errors
    out = output_file(args.output, force=args.force)
    sources = [Path(args.path), *(Path(raw) for raw in args.library_dir)]
    refuse_overwriting_a_source(out, "-o/--output", args.output, sources=sources)
    write_output(out, text, replace=args.force)
    print(f"wrote {out}" + (f"; {next_step}" if next_step else ""))
    return EXIT_OK

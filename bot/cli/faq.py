"""The FAQ files: `mingbai faq check | dump | reload`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from bot.cli.options import settings_of
from intents.faq_loader import read_faq


def command_faq_check(args) -> int:
    from bot.content.folder import check_folder

    directory = args.dir or args.faq
    faq, problems = check_folder(Path(directory))
    for problem in problems:
        print(problem, file=sys.stderr)
    errors = [p for p in problems if args.strict or p.severity == "error"]
    examples = sum(len(e) for intent in faq for e in intent.examples.values())
    verdict = "FAILED" if errors else "ok"
    print(f"{directory}: {len(faq)} intents, {examples} examples, {len(errors)} error(s), "
          f"{len(problems) - len(errors)} warning(s): {verdict}")
    return 1 if errors else 0


def _intent_export(intent) -> dict:
    return {
        "id": intent.id,
        "group": intent.group,
        "title": asdict(intent.title),
        "kind": intent.kind,
        "urgent": intent.urgent,
        "handoff": intent.handoff,
        "examples": {lang: list(examples) for lang, examples in intent.examples.items()},
        "answer": asdict(intent.answer),
        "sources": [asdict(source) for source in intent.sources],
        "bring": asdict(intent.bring) if intent.bring else None,
        "follow_ups": list(intent.follow_ups),
        "reviewed_by": intent.reviewed_by,
        "review_due": intent.review_due.isoformat() if intent.review_due else None,
        "deadline": (
            {"period": intent.deadline.period, "from": asdict(intent.deadline.starts),
             "exceptions": asdict(intent.deadline.exceptions) if intent.deadline.exceptions else None,
             "source": asdict(intent.deadline.source)}
            if intent.deadline else None
        ),
        "file": intent.file,
        "line": intent.line,
    }


def command_faq_dump(args) -> int:
    faq = read_faq(args.faq)
    intents = [_intent_export(intent) for intent in faq]
    if args.json:
        print(json.dumps(intents, ensure_ascii=False, indent=1))
    else:
        for intent in intents:
            print(f"{intent['id']:30} {intent['title']['zh']}")
    return 0


def command_faq_reload(args) -> int:
    from bot.console.reload import reload_command

    return reload_command(args.faq, settings_of(args).data_dir)


def add_commands(commands: argparse._SubParsersAction) -> None:
    faq = commands.add_parser("faq", help="check or export the FAQ files").add_subparsers(dest="faq_command", required=True)
    check = faq.add_parser("check", help="validate the FAQ files; exits 1 listing every problem as file:line")
    check.add_argument("dir", nargs="?", type=Path)
    check.add_argument("--strict", action="store_true", help="treat warnings (overdue reviews, too few examples) as errors")
    check.set_defaults(handler=command_faq_check)
    dump = faq.add_parser("dump", help="print every intent as loaded")
    dump.add_argument("--json", action="store_true", help="print a JSON list")
    dump.set_defaults(handler=command_faq_dump)
    reload = faq.add_parser("reload", help="check the FAQ files, then have the running server swap them in (SIGHUP)")
    reload.set_defaults(handler=command_faq_reload)

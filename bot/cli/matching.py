"""Trying and measuring the matcher: `mingbai match`, `mingbai answer`, `mingbai eval`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from intents.evaluate import CaseFileError, evaluate, format_report, read_cases
from intents.faq_loader import read_faq
from intents.matcher import Decision, Matcher


def _matcher(faq_dir: Path) -> Matcher:
    return Matcher(read_faq(faq_dir))


def _print_decision(decision: Decision, faq_titles: dict[str, str]) -> None:
    label = {"answer": "answer", "clarify": "clarify (ask which)", "fallback": "fallback (don't know)"}
    print(f"decision: {label[decision.kind]}")
    for rank, candidate in enumerate(decision.candidates, start=1):
        print(f"  {rank}. {candidate.intent:30} {candidate.score:.3f}  {faq_titles.get(candidate.intent, '')}")
    if decision.kind == "clarify":
        print(f"  offered: {', '.join(decision.choices)}")
    if decision.kind == "fallback":
        print(f"  not ours: {'a legal question the FAQ does not cover' if decision.out_of_scope == 'legal' else 'not a legal question'}")


def _print_evidence(decision: Decision) -> None:
    evidence = decision.evidence
    print(f"normalised: {evidence.normalised}")
    print(f"words:      {' / '.join(evidence.words)}")
    if evidence.read_as:
        print(f"read as:    {', '.join(f'{typed} → {read}' for typed, read in evidence.read_as)} (same sound, a word the FAQ uses)")
    if evidence.clause:
        print(f"best clause: {evidence.clause}")
    print(f"not ours:   {evidence.not_ours:.3f} (probability that no FAQ intent fits)")
    if evidence.features:
        print("what pointed to the top intent (feature: weight):")
        print("  " + "  ".join(f"{c.feature}: {c.weight:+.2f}" for c in evidence.features))
    print("closest examples:")
    for intent, example, similarity in evidence.examples:
        print(f"  {similarity:.3f} {intent:30} {example}")


def command_match(args) -> int:
    matcher = _matcher(args.faq)
    decision = matcher.match(args.text, explain=args.explain)
    if args.json:
        payload = decision.as_json()
        if args.explain:
            payload["explain"] = asdict(decision.evidence)
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    _print_decision(decision, {intent.id: intent.title.zh for intent in matcher.faq})
    if args.explain:
        _print_evidence(decision)
    return 0


def command_answer(args) -> int:
    from bot.core.dry_run import answers

    if args.jsonl:
        try:
            lines = args.jsonl.read_text(encoding="utf-8").splitlines()
            messages = [str(json.loads(line)["text"]) for line in lines if line.strip()]
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"mingbai answer: {args.jsonl}: expected one {{\"text\": ...}} per line ({error})", file=sys.stderr)
            return 2
    elif args.text:
        messages = [args.text]
    else:
        print("mingbai answer: give a message, or --jsonl FILE", file=sys.stderr)
        return 2
    for record in answers(args.faq, messages):
        if args.json or args.jsonl:
            print(json.dumps(record, ensure_ascii=False))
        else:
            for reply in record["replies"]:
                print(reply["text"])
                if reply["buttons"]:
                    print("  [" + "] [".join(reply["buttons"]) + "]")
                print()
    return 0


def command_eval(args) -> int:
    try:
        files = {str(path): read_cases(path) for path in args.files}
    except (OSError, CaseFileError) as error:
        print(f"mingbai eval: {error}", file=sys.stderr)
        return 2
    matcher = _matcher(args.faq)  # built once for every file
    reports = {name: evaluate(matcher, cases) for name, cases in files.items()}
    if args.json:
        print(json.dumps(reports.popitem()[1] if len(reports) == 1 else reports, ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(format_report(report) if len(reports) == 1 else f"== {name} ==\n{format_report(report)}"
                          for name, report in reports.items()))
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    match = commands.add_parser("match", help="show the decision for one message")
    match.add_argument("text")
    match.add_argument("--json", action="store_true", help="print one JSON object")
    match.add_argument("--explain", action="store_true", help="show the normalised text, words and closest examples")
    match.set_defaults(handler=command_match)

    answer = commands.add_parser("answer", help="what the bot would say to a message (a fresh villager, a throwaway database)")
    answer.add_argument("text", nargs="?")
    answer.add_argument("--json", action="store_true", help="print one JSON object per message")
    answer.add_argument("--jsonl", type=Path, metavar="FILE", help="answer every {\"text\": ...} line of FILE, one JSON line each")
    answer.set_defaults(handler=command_answer)

    evaluation = commands.add_parser("eval", help="measure the matcher on JSON-lines files of labelled questions")
    evaluation.add_argument("files", type=Path, nargs="+", metavar="FILE")
    evaluation.add_argument("--json", action="store_true",
                            help="print one JSON object: the report, or with several files one report a file by name")
    evaluation.set_defaults(handler=command_eval)

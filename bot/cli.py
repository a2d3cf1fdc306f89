"""The `mingbai` command: try, measure and check the FAQ from a terminal."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from bot.settings import Settings
from intents.evaluate import CaseFileError, evaluate, format_report, read_cases
from intents.faq_loader import FaqError, read_faq
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
        cases = read_cases(args.file)
    except (OSError, CaseFileError) as error:
        print(f"mingbai eval: {error}", file=sys.stderr)
        return 2
    report = evaluate(_matcher(args.faq), cases)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 0


def command_faq_check(args) -> int:
    from bot.core.service import check_folder

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


def command_chat(args) -> int:
    import asyncio

    from bot.channels.terminal import chat
    from bot.core.service import ChatService

    async def session() -> None:  # the terminal reads a line only after answering the last: no burst to wait for
        _database(args)
        service = ChatService.open(dataclasses.replace(_settings(args), burst_seconds=0.0))
        try:
            await chat(service)
        finally:
            await service.close()

    asyncio.run(session())
    return 0


def command_run(args) -> int:
    import asyncio

    from bot.app import serve
    from bot.privacy import RedactingFilter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the bot token
    asyncio.run(serve(_settings(args)))
    return 0


def command_stats(args) -> int:
    from bot.storage.stats import format_statistics, service_statistics

    store, _ = _open_store(args)
    figures = service_statistics(store.db, days=args.days, county=args.county)
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else format_statistics(figures))
    return 0


def _open_store(args):
    from bot.handoff.desk import HandoffDesk
    from bot.storage.store import Store

    store = Store(_database(args))
    return store, HandoffDesk(store.db)


def _database(args) -> Path:
    """The database a command that touches data uses, said on stderr so nobody edits the wrong one. The same
    default as `mingbai run`: $MINGBAI_DATA_DIR (or mingbai.toml), else ./var, from the current directory."""
    path = _settings(args).database
    print(f"mingbai: database {path.resolve()} (MINGBAI_DATA_DIR chooses another)", file=sys.stderr)
    return path


def command_forget(args) -> int:
    store, desk = _open_store(args)
    store.forget(args.user)
    desk.forget(args.user)
    print(f"deleted the data of {args.user} (closed cases kept anonymised for statistics)")
    return 0


def command_export(args) -> int:
    store, desk = _open_store(args)
    print(json.dumps({**store.export(args.user), "cases": desk.export(args.user)}, ensure_ascii=False, indent=1))
    return 0


def command_purge(args) -> int:
    store, _ = _open_store(args)
    print(f"deleted {store.purge_older_than(args.older_than)} records older than {args.older_than} days")
    return 0


def command_user_add(args) -> int:
    from bot.console.accounts import add_user_command

    settings, database = _settings(args), _database(args)
    counties = None
    if args.county:  # only the county files are read: a valid id is all that is checked here
        from bot.content.counties import FOLDER, Counties
        from bot.content.places import Places

        counties = Counties.load(settings.faq_dir / FOLDER, Places.load(settings.faq_dir / "places.yaml")[0])[0]
    return add_user_command(database, args.name, args.role, display_name=args.display_name,
                            counties=tuple(args.county or ()), known_counties=counties)


def command_user_name(args) -> int:
    from bot.console.accounts import name_user_command

    return name_user_command(_settings(args).database, args.name, args.display_name)


def command_user_remove(args) -> int:
    from bot.console.accounts import remove_user_command

    return remove_user_command(_database(args), args.name)


def command_faq_reload(args) -> int:
    from bot.console.reload import reload_command

    return reload_command(args.faq, _settings(args).data_dir)


def _settings(args) -> Settings:
    return dataclasses.replace(Settings.from_env(), faq_dir=args.faq)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mingbai", description="明白 mingbai: legal guidance chatbot for villagers")
    parser.add_argument("--faq", type=Path, help="FAQ folder (default: $MINGBAI_FAQ_DIR or ./faq)")
    commands = parser.add_subparsers(dest="command", required=True)

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

    evaluation = commands.add_parser("eval", help="measure the matcher on a JSON-lines file of labelled questions")
    evaluation.add_argument("file", type=Path)
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.set_defaults(handler=command_eval)

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

    commands.add_parser("chat", help="talk to the bot in this terminal (to try FAQ edits)").set_defaults(handler=command_chat)
    commands.add_parser("run", help="start every configured channel (web chat; Telegram with a token)").set_defaults(handler=command_run)
    stats = commands.add_parser("stats", help="service statistics from the database")
    stats.add_argument("--days", type=int, default=30)
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.add_argument("--county", metavar="ID", help="only this county's villagers and cases (faq/counties/ID.yaml)")
    stats.set_defaults(handler=command_stats)
    user = commands.add_parser("user", help="web console accounts for advisers and admins").add_subparsers(
        dest="user_command", required=True)
    add = user.add_parser("add", help="create an account, or reset its password and role (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", choices=("adviser", "admin"), required=True)
    add.add_argument("--county", action="append", metavar="ID",
                     help="a county (faq/counties/ID.yaml) whose cases this adviser sees; repeat for several")
    add.add_argument("--display-name", help="the name villagers see when this adviser replies, e.g. 王律师")
    add.set_defaults(handler=command_user_add)
    name = user.add_parser("name", help="change the name villagers see for an adviser, e.g. 王律师")
    name.add_argument("name")
    name.add_argument("display_name")
    name.set_defaults(handler=command_user_name)
    remove = user.add_parser("remove", help="delete an account and end its sessions")
    remove.add_argument("name")
    remove.set_defaults(handler=command_user_remove)
    forget = commands.add_parser("forget", help="delete one villager's data, e.g. telegram:12345 or web:<id>")
    forget.add_argument("user")
    forget.set_defaults(handler=command_forget)
    export = commands.add_parser("export", help="print one villager's stored data as JSON")
    export.add_argument("user")
    export.set_defaults(handler=command_export)
    purge = commands.add_parser("purge", help="apply the retention policy: delete conversations older than N days")
    purge.add_argument("--older-than", type=int, default=180, metavar="DAYS")
    purge.set_defaults(handler=command_purge)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help works even when a setting is wrong
    try:
        if args.faq is None:
            args.faq = Settings.from_env().faq_dir
    except ValueError as error:
        print(f"mingbai: {error} (in the environment or mingbai.toml)", file=sys.stderr)
        return 2
    try:
        return args.handler(args)
    except FaqError as error:
        print(f"mingbai: {error}\nRun `mingbai faq check` for the full list.", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `mingbai answer ... | head`: the reader has seen enough
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

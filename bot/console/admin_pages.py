"""The admin pages as HTML, drawn on the server: statistics, the FAQ files, unanswered questions.

Pages are plain HTML plus inline SVG charts, so they work without script;
script only adds the buttons (reload, and the learning loop's 加为例句, 忽略, 需要新问答). Every value is escaped here.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from bot.console.charts import bars, columns, every_day
from bot.console.faq_files import FaqReport, FileStatus, describe, explain
from bot.console.pages import esc
from bot.console.reload import Attempt
from bot.console.times import BEIJING, ConsoleTime
from bot.console.unanswered import REASONS, QuestionGroup
from intents.faq import Faq, Intent
from intents.faq_loader import Problem

PERIODS = (7, 30, 90)
#: How an intent hands a villager to a person (`handoff:` in the FAQ files), as the admins say it.
HANDOFF_LABELS = {"offer": "可转人工", "priority": "紧急时优先转人工", "start": "直接转人工"}
OPEN_WHEN_FOUND = 3
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def _when(timestamp: float, clock: ConsoleTime) -> str:
    """A time as the admin reads it: in MINGBAI_TIMEZONE, with the zone named (2026-12-02 10:03:05 北京时间)."""
    return f"{clock.when(timestamp, seconds=True)} {clock.label}"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 分钟"


def _title(faq: Faq, intent_id: str | None) -> str:
    if not intent_id:
        return "（没有接近的问题）"
    return f"{faq[intent_id].title.zh}（{intent_id}）" if intent_id in faq else intent_id


def _short_title(faq: Faq, intent_id: str, limit: int = 11) -> str:
    """An intent's title cut to fit a chart's label column on a phone (bot/console/charts.py)."""
    title = faq[intent_id].title.zh if intent_id in faq else intent_id
    return title if len(title) <= limit else title[:limit - 1] + "…"


def statistics_body(figures: dict, faq: Faq, today: dt.date, counties: list[tuple[str, str]] = ()) -> str:
    """The service's figures; with counties configured (id, name), links to one county's figures or all."""
    days, rates, county = figures["days"], figures["rates"], figures.get("county")
    of_county = f"&amp;county={esc(county)}" if county else ""
    periods = " ".join(f'<a href="/admin?days={n}{of_county}"{" aria-current=page" if n == days else ""}>最近 {n} 天</a>'
                       for n in PERIODS)
    choice = ('<p class="periods">县：' + " ".join(
        f'<a href="/admin?days={days}{f"&amp;county={esc(ident)}" if ident else ""}"'
        f'{" aria-current=page" if ident == (county or "") else ""}>{esc(name)}</a>'
        for ident, name in (("", "全部 all"), *counties)) + "</p>") if counties else ""
    handoffs = sum(figures["handoffs_per_day"].values())
    average = figures["satisfaction_average"]
    cards = [
        ("问题", figures["questions"]), ("直接回答", f"{rates['answer']:.0%}"), ("追问澄清", f"{rates['clarify']:.0%}"),
        ("没答上", f"{rates['fallback']:.0%}"), ("转人工", handoffs), ("撤回（顾问回复前结束）", figures["withdrawn"]),
        ("接手用时（中位数）", _minutes(figures["median_minutes_to_claim"])),
        ("结案用时（中位数）", _minutes(figures["median_minutes_to_close"])),
        ("满意度平均", "—" if average is None else f"{average:g} ★"),
    ]
    today_figures = figures["today"]
    today_line = (f"今天：{today_figures['questions']} 个问题，{today_figures['handoffs']} 次转人工；"
                  f"现在 {today_figures['waiting']} 人在等，{today_figures['claimed']} 人正在咨询，"
                  f"今天结案 {today_figures['closed']} 个，撤回 {today_figures['withdrawn']} 个。")
    charts = [
        ("每天的问题", columns(every_day(figures["questions_per_day"], days, today), "每天的问题")),
        ("回答、追问、没答上的比例", bars([("直接回答", rates["answer"]), ("追问澄清", rates["clarify"]),
                                 ("没答上", rates["fallback"])], "回答、追问、没答上的比例", percent=True)),
        ("最常问的问题", bars([(_short_title(faq, intent), n) for intent, n in figures["top_intents"]], "最常问的问题",
                           label_width=175)),
        ("每天转人工", columns(every_day(figures["handoffs_per_day"], days, today), "每天转人工")),
        ("满意度分布", bars([("★" * int(stars), n) for stars, n in figures["satisfaction_distribution"].items()],
                         "满意度分布")),
    ]
    return (
        f'<h1>服务统计</h1><p class="periods">{periods}</p>{choice}'
        '<dl class="cards">' + "".join(f'<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>' for k, v in cards) + "</dl>"
        f'<p class="today">{esc(today_line)}</p>'
        + '<div class="charts">'
        + "".join(f'<figure><figcaption>{esc(caption)}</figcaption>{svg}</figure>' for caption, svg in charts)
        + "</div>"
    )


def _problem(directory, problem: Problem) -> str:
    """One problem, Chinese first: what kind of mistake it is, then the technical `file:line: message`."""
    return (f'<li><span class="explain">{esc(explain(problem))}</span>'
            f'<code class="technical">{esc(describe(directory, problem))}</code></li>')


def _attempt(attempt: Attempt | None, directory, clock: ConsoleTime) -> str:
    if attempt is None:
        return ""
    if attempt.ok:
        return f'<p class="ok" id="reload-result">{esc(_when(attempt.at, clock))} 重新载入成功（{esc(attempt.source)}）。</p>'
    problems = "".join(_problem(directory, problem) for problem in attempt.errors)
    return (f'<div class="problem" id="reload-result"><p>{esc(_when(attempt.at, clock))} 重新载入被拒绝（{esc(attempt.source)}）：'
            f'文件有错误，机器人仍在用上一版。请改正下面的错误：</p><ul class="problems">{problems}</ul></div>')


def rich(text: str) -> str:
    """FAQ text as HTML: escaped first, then its `**bold**` drawn bold, as villagers see it in the chat."""
    return BOLD.sub(r"<strong>\1</strong>", esc(text.strip()))


def _period_links(days: int, query: str) -> str:
    search = f"&amp;q={esc(quote(query))}" if query else ""
    return " ".join(f'<a href="/admin/faq?days={n}{search}"{" aria-current=page" if n == days else ""}>最近 {n} 天</a>'
                    for n in PERIODS)


def _matches(intent: Intent, query: str) -> bool:
    """The search: the words anywhere in the id, the Chinese title or an example (any language)."""
    haystack = " ".join([intent.id, intent.title.zh, *(t for texts in intent.examples.values() for t in texts)]).lower()
    return all(word in haystack for word in query.lower().split())


def _review(intent: Intent, today: dt.date) -> str:
    due = intent.review_due
    overdue = due is not None and due < today
    when = "没写" if due is None else due.isoformat()
    return (f'<p class="review{" overdue" if overdue else ""}">审核人：{esc(intent.reviewed_by or "没写")} · '
            f'下次审核：{esc(when)}{"（已过期，请尽快重新审核）" if overdue else ""}</p>')


def _usage(figures: dict[str, int] | None, days: int) -> str:
    figures = figures or {"answered": 0, "up": 0, "down": 0}
    return (f'<span class="usage">最近 {days} 天回答 {figures["answered"]} 次 · '
            f'👍 {figures["up"]} · 👎 {figures["down"]}</span>')


def _intent(intent: Intent, titles: dict[str, str], usage: dict | None, days: int, today: dt.date,
            opened: bool = False) -> str:
    overdue = intent.review_due is not None and intent.review_due < today
    overdue_badge = "<span class='badge overdue'>审核已过期</span>" if overdue else ""
    badges = ("<span class=badge>紧急</span>" if intent.urgent else "") + (
        f"<span class=badge>{esc(HANDOFF_LABELS.get(intent.handoff, intent.handoff))}</span>")
    examples = "".join(f"<h4>{'中文问法' if lang == 'zh' else '英文问法'}（{len(texts)} 条）</h4>"
                       f"<ul>{''.join(f'<li>{esc(t)}</li>' for t in texts)}</ul>"
                       for lang, texts in intent.examples.items())
    sources = "".join(f"<li>{esc(source.zh)}</li>" for source in intent.sources)
    follow = "、".join(f'<a href="#intent-{esc(other)}">{esc(titles.get(other, other))}</a>'
                      for other in intent.follow_ups) or "无"
    return (
        f'<details class="intent{" overdue" if overdue else ""}" id="intent-{esc(intent.id)}"{" open" if opened else ""}>'
        f'<summary><strong>{esc(intent.title.zh)}</strong> {badges} {_usage(usage, days)}'
        f'{overdue_badge}'
        f'<small><code>{esc(intent.id)}</code> 第 {intent.line} 行</small></summary>'
        f'{_review(intent, today)}'
        f'<h4>回答（中文）</h4><div class="answer">{rich(intent.answer.zh)}</div>'
        f'<h4>Answer (English)</h4><div class="answer">{rich(intent.answer.en)}</div>'
        f'<h4>依据</h4><ul>{sources or "<li>无</li>"}</ul>{examples}<p>接着可以问：{follow}</p></details>'
    )


def _file_state(status: FileStatus, broken: list[str]) -> str:
    if status.own_errors:
        return f'<span class="bad">✗ {len(status.errors)} 个错误</span>'
    if status.errors and broken:
        return f'<span class="warn">⚠ 因为 {esc("、".join(broken))} 出错，这里受影响（先改那个文件）</span>'
    if status.errors:
        return f'<span class="bad">✗ {len(status.errors)} 个错误</span>'
    if status.warnings:
        return f'<span class="warn">⚠ {len(status.warnings)} 个提醒</span>'
    return '<span class="good">✓ 通过</span>'


def _file_table(report: FaqReport, directory) -> str:
    """Every file with its state: the broken ones first, each problem Chinese first (review bug 14)."""
    broken = report.broken
    rows = []
    for status in report.files:
        listed = "".join(_problem(directory, problem) for problem in status.problems)
        rows.append(f'<tr><td><code>{esc(status.name)}</code></td><td>'
                    f'{_file_state(status, broken)}{f"<ul class=problems>{listed}</ul>" if listed else ""}</td></tr>')
    fix_first = f'请先改 <code>{esc("、".join(broken))}</code>。' if broken else ""
    verdict = (f'<p class="bad">文件里有错误：现在重新载入会被拒绝。{fix_first}</p>' if report.errors
               else '<p class="good">所有文件都通过检查，可以重新载入。</p>')
    return (f'{verdict}<table class="files"><thead><tr><th>文件</th><th>状态</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _search_form(days: int, query: str) -> str:
    """A plain GET form, so the search works without script; the period links keep the search."""
    clear = f' <a href="/admin/faq?days={days}">清除</a>' if query else ""
    return (f'<form class="faq-search" method="get" action="/admin/faq" role="search">'
            f'<input type="hidden" name="days" value="{days}">'
            f'<label for="faq-query">找问题：</label><input type="search" id="faq-query" name="q" value="{esc(query)}" '
            'placeholder="编号、标题或问法，比如 工资"><button type="submit">搜索</button>'
            f'{clear}</form><p class="periods">次数和 👍/👎 的时间：{_period_links(days, query)}</p>')


def _intent_list(report: FaqReport, usage: dict[str, dict[str, int]], days: int, query: str,
                 today: dt.date) -> str:
    """The intents by topic, only those matching the search when there is one."""
    titles = {intent.id: intent.title.zh for _, intents in report.groups for intent in intents}
    chosen_of = [(group, intents, [intent for intent in intents if not query or _matches(intent, query)])
                 for group, intents in report.groups]
    found = sum(len(chosen) for _, _, chosen in chosen_of)
    opened = bool(query) and found <= OPEN_WHEN_FOUND  # a narrow search shows its answers without another tap
    sections = []
    for group, intents, chosen in chosen_of:
        if chosen:
            sections.append(
                f'<section class="group"><h3>{esc(group.title.zh)} <small><code>{esc(group.file.rsplit("/", 1)[-1])}'
                f'</code>，{len(intents)} 个问题</small></h3>'
                f'{"".join(_intent(intent, titles, usage.get(intent.id), days, today, opened) for intent in chosen)}</section>')
    if not query:
        return "".join(sections)
    summary = f'<p class="found" id="found">找到 {found} 个问题（「{esc(query)}」）。</p>'
    empty = "" if found else '<p class="quiet">没有找到这样的问题。换个说法试试。</p>'
    return summary + empty + "".join(sections)


def faq_body(report: FaqReport, directory, serving: int, loaded_at: float, last: Attempt | None,
             usage: dict[str, dict[str, int]], days: int, query: str, today: dt.date | None = None,
             clock: ConsoleTime = BEIJING) -> str:
    today, query = today or clock.today(), query.strip()
    return (
        '<h1>问答库</h1><section class="serving">'
        f'<p>机器人正在用的问答库：<strong>{serving}</strong> 个问题，载入于 {esc(_when(loaded_at, clock))}。</p>'
        '<button type="button" id="reload">重新载入问答库</button>'
        f'{_attempt(last, directory, clock)}</section><h2>文件检查</h2>{_file_table(report, directory)}'
        f'<h2>文件里的问题和回答</h2>{_search_form(days, query)}{_intent_list(report, usage, days, query, today)}'
    )


def _intent_choice(faq: Faq, chosen: str | None, index: int) -> str:
    """Every intent by its Chinese title, grouped by topic; the closest one chosen."""
    groups = "".join(
        f'<optgroup label="{esc(group.title.zh)}">' + "".join(
            f'<option value="{esc(intent_id)}"{" selected" if intent_id == chosen else ""}>'
            f'{esc(faq[intent_id].title.zh)}</option>' for intent_id in group.intent_ids if intent_id in faq)
        + "</optgroup>" for group in faq.groups)
    return (f'<label for="intent-{index}">加到哪个问题：</label>'
            f'<select class="intent-choice" id="intent-{index}">{groups}</select>')


def _context(row: dict) -> str:
    lines = "".join(f'<li>{"村民" if line["direction"] == "in" else "机器人"}：{esc(_one_line(line["text"]))}</li>'
                    for line in row.get("context") or [])
    return f'<details class="context"><summary>前面的对话</summary><ol>{lines}</ol></details>' if lines else ""


def _one_line(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").replace("**", "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _question_group(group: QuestionGroup, faq: Faq, index: int, flagged: bool) -> str:
    reasons = "".join(f"<span class=badge>{esc(REASONS.get(reason, reason))} {n}</span>"
                      for reason, n in group.reasons.most_common())
    ids_of: dict[str, list[int]] = {}
    first_row: dict[str, dict] = {}
    for row in group.rows:
        ids_of.setdefault(row["text"].strip(), []).append(row["id"])
        first_row.setdefault(row["text"].strip(), row)
    questions = "".join(
        f'<li><span class="question">{esc(text)}</span>{f" <small>×{n}</small>" if n > 1 else ""} '
        f'<button type="button" class="add-example" data-group="{index}" data-text="{esc(text)}" '
        f'data-ids="{esc(",".join(map(str, ids_of[text.strip()])))}">加为例句</button>{_context(first_row[text.strip()])}</li>'
        for text, n in group.texts.most_common())
    every_id = ",".join(str(row["id"]) for row in group.rows)
    buttons = "" if flagged else (
        f'<button type="button" class="review" data-action="ignored" data-ids="{every_id}" data-group="{index}">忽略</button>'
        f'<button type="button" class="review" data-action="new_intent" data-ids="{every_id}" data-group="{index}">'
        "需要新问答</button>")
    return (
        f'<section class="group question-group" id="group-{index}"><h3>{group.size} 次 · 最接近：'
        f'{esc(_title(faq, group.closest_intent))}</h3><p>{reasons}</p>'
        f'<p class="choose">{_intent_choice(faq, group.closest_intent, index)}</p><ul class="questions">{questions}</ul>'
        f'<p class="actions">{buttons}</p><div class="result" id="result-{index}" role="status"></div></section>')


def _review_log(rows: list[dict], faq: Faq, clock: ConsoleTime) -> str:
    if not rows:
        return ""
    lines = []
    for row in rows:
        what = {"added": f"把「{esc(row['example'] or '')}」加为「{esc(_title(faq, row['intent']))}」的例句",
                "ignored": f"忽略了 {row['questions']} 个问题",
                "new_intent": f"标记 {row['questions']} 个问题需要新问答"}.get(row["action"], esc(row["action"]))
        lines.append(f"<li>{esc(_when(row['at'], clock))} · {esc(row['by'])} {what}</li>")
    return f'<h2>处理记录</h2><ul class="review-log">{"".join(lines)}</ul>'


def unanswered_body(groups: list[QuestionGroup], flagged: list[QuestionGroup], faq: Faq, total: int,
                    log_rows: list[dict], clock: ConsoleTime = BEIJING) -> str:
    intro = (f"<p>最近 {total} 条还没处理的、机器人没帮上的问题（没答上、答了没帮上、选项都不对），按相似程度分成 "
             f"{len(groups)} 组。选好问题，点「加为例句」：例句写进那个问题的文件，检查通过后问答库马上重新载入；"
             "文件会出错时不写入，并说明哪个文件哪一行。不是法律问题的点「忽略」，问答库里还没有的点「需要新问答」。</p>")
    sections = "".join(_question_group(group, faq, index, False) for index, group in enumerate(groups))
    waiting_new = "".join(_question_group(group, faq, len(groups) + index, True) for index, group in enumerate(flagged))
    empty = "" if groups else '<p class="good">没有待处理的问题。</p>'
    flagged_part = f"<h2>等着写新问答的问题</h2>{waiting_new}" if flagged else ""
    return f"<h1>没答上的问题</h1>{intro}{empty}{sections}{flagged_part}{_review_log(log_rows, faq, clock)}"


def _rating(row: dict) -> str:
    return "—" if row["rating"] is None else f"{row['rating']:g} ★（{row['ratings']} 次）"


def advisers_body(rows: list[dict], start: dt.date, end: dt.date, counties: list[tuple[str, str]] = (),
                  county: str | None = None) -> str:
    """Per-adviser figures for the cases opened in a date range, with the range's CSV exports; with counties
    configured (id, name), a choice of one county or all of them together."""
    query = f"from={start.isoformat()}&amp;to={end.isoformat()}" + (f"&amp;county={esc(county)}" if county else "")
    choice = ('<label>县 <select name="county"><option value="">全部 all</option>' + "".join(
        f'<option value="{esc(ident)}"{" selected" if ident == county else ""}>{esc(name)}</option>'
        for ident, name in counties) + "</select></label> ") if counties else ""
    form = (f'<form class="range" method="get" action="/admin/advisers"><label>从 <input type="date" name="from" '
            f'value="{start.isoformat()}"></label> <label>到 <input type="date" name="to" value="{end.isoformat()}">'
            f'</label> {choice}<button type="submit">查看</button></form>'
            f'<p>导出（CSV，可以用 Excel 打开）：<a href="/admin/export/cases.csv?{query}" download>案件明细</a> · '
            f'<a href="/admin/export/advisers.csv?{query}" download>顾问统计</a></p>')
    if not rows:
        return f'<h1>顾问统计</h1>{form}<p class="quiet">这段时间没有顾问接手过求助。</p>'
    columns = ("顾问", "案件", "已结案", "接手用时（中位数）", "结案用时（中位数）", "评分")
    head = "".join(f"<th>{esc(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f'<td data-label="{esc(column)}">{esc(value)}</td>' for column, value in zip(columns, (
            row["name"], row["cases"], row["closed"], _minutes(row["minutes_to_claim"]),
            _minutes(row["minutes_to_close"]), _rating(row)), strict=True)) + "</tr>" for row in rows)
    return (f'<h1>顾问统计</h1>{form}<p>{esc(start.isoformat())} 至 {esc(end.isoformat())} 开始的求助。</p>'
            f'<table class="files advisers"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')

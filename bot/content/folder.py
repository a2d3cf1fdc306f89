"""What an FAQ folder holds, said once: the intents (with the lexicon, triage and out-of-scope lists `load_faq`
reads), the guided flows, the places, the counties, the advisers' templates and who runs the service (site.yaml).

`read_folder` reads every part and collects every problem; `check_folder` (what `mingbai faq check` and the
admin dashboard show) stops there, `load_content` (start-up, a reload, `mingbai faq reload`, `mingbai answer`)
also builds the matcher and gives one `Content`, or None when any file has an error, so the content already
serving stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content.counties import FOLDER as COUNTIES, Counties, standard_conflicts, with_offices, with_standards
from bot.content.places import KINDS as PLACE_KINDS, Places
from bot.content.site import FILE as SITE, Site
from bot.content.templates import Templates
from bot.flows.engine import Flows
from intents.faq import Faq
from intents.faq_loader import load_faq
from intents.matcher import Matcher
from intents.problems import Problem

FLOWS = "flows"
PLACES = "places.yaml"
TEMPLATES = "templates.yaml"


@dataclass(frozen=True)
class Content:
    """One validated FAQ folder, swapped in whole: nothing serves half an old folder and half a new one."""

    faq: Faq
    matcher: Matcher
    flows: Flows
    places: Places  # with the counties' own offices in it
    counties: Counties
    templates: Templates
    site: Site


@dataclass(frozen=True)
class _Parts:
    faq: Faq
    flows: Flows
    places: Places
    counties: Counties
    templates: Templates
    site: Site


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.severity == "error"]


def read_folder(faq_dir: Path) -> tuple[_Parts, list[Problem]]:
    """Every part of the folder as far as it reads, and every problem in every file; each county's income
    standard joins the flows', and its offices the places'."""
    faq, problems = load_faq(faq_dir)
    flows, flow_problems = Flows.load(faq_dir / FLOWS)
    places, place_problems = Places.load(faq_dir / PLACES)
    counties, county_problems = Counties.load(faq_dir / COUNTIES, places, faq)
    county_problems += standard_conflicts(flows.standards, counties, faq_dir / COUNTIES)
    flows.standards = with_standards(flows.standards, counties)
    templates, template_problems = Templates.load(faq_dir / TEMPLATES)
    site, site_problems = Site.load(faq_dir / SITE)
    problems = (problems + flow_problems + place_problems + county_problems + template_problems + site_problems
                + _offices_named(faq) + _flows_named(faq, flows))
    return _Parts(faq, flows, with_offices(places, counties), counties, templates, site), problems


def check_folder(faq_dir: Path) -> tuple[Faq, list[Problem]]:
    """The FAQ as far as it reads, and every problem in every file of its folder."""
    parts, problems = read_folder(faq_dir)
    return parts.faq, problems


def load_content(faq_dir: Path) -> tuple[Content | None, list[Problem]]:
    """The folder's content with its matcher built, or None and every problem when any file has an error."""
    parts, problems = read_folder(faq_dir)
    if errors_of(problems):
        return None, problems
    return Content(parts.faq, Matcher(parts.faq), parts.flows, parts.places, parts.counties, parts.templates,
                   parts.site), problems


def _offices_named(faq: Faq) -> list[Problem]:
    """An intent's `office:` must be a kind of office the places directory knows, or no office could be named."""
    return [Problem(intent.file, intent.line, f"{intent.id}.office: {intent.office!r} is not a kind of office "
                    f"(one of: {', '.join(PLACE_KINDS)})") for intent in faq if intent.office and intent.office not in PLACE_KINDS]


def _flows_named(faq: Faq, flows: Flows) -> list[Problem]:
    """An intent's `flow:` must be a guided check in faq/flows/, or its button would start nothing."""
    known = flows.ids()
    return [Problem(intent.file, intent.line, f"{intent.id}.flow: {intent.flow!r} is not a flow in faq/flows/ "
                    f"(one of: {', '.join(known) or 'none'})") for intent in faq if intent.flow and intent.flow not in known]

"""Where to go: the nearest known office of a kind, from the directory admins keep in faq/places.yaml.

"Go to the legal aid centre" helps little when a villager does not know where
it is, so answers name the office for the villager's area. The directory holds
only checked details; where it has nothing, the bot says to ask 12348 rather
than guess, because a wrong address costs a villager a day's trip.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import opencc

from bot.core.texts import text
from intents.faq import Text
from intents.faq_loader import Problem
from intents.yaml_lines import LineDict, LineList, YamlError, load_yaml

KINDS = {
    "legal_aid_centre": Text("法律援助中心", "legal aid centre"),
    "justice_bureau": Text("司法局", "justice bureau"),
    "justice_office": Text("司法所", "township justice office"),
    "court": Text("人民法院", "people's court"),
    "public_legal_service_centre": Text("公共法律服务中心", "public legal service centre"),
    "womens_federation": Text("妇联", "women's federation"),
}
AREA_FIELDS = {"name", "en", "parent", "townships"}
OFFICE_FIELDS = {"kind", "name", "en", "area", "address", "phone", "hours"}
#: Suffixes villagers drop ("我在犍为"); longest first so 彝族自治县 goes before 县.
_SUFFIXES = ("彝族自治县", "自治县", "街道", "县", "区", "市", "镇", "乡")
_EN_SUFFIXES = (" yi autonomous county", " county", " district", " city")
_PHONE = re.compile(r"^[0-9][0-9 \-]{2,}[0-9]$")
_T2S = opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Area:
    """A city, district, county or township a villager may say they live in."""

    name: str
    en: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class Office:
    """One office, with details an admin has checked."""

    kind: str
    name: str
    address: str
    phone: str
    area: str
    hours: str | None = None
    en: str | None = None


def canonical(text: str) -> str:
    """Simplified, half-width, lower case, single spaces: how both sides are compared."""
    return " ".join(_T2S.convert(unicodedata.normalize("NFKC", text)).lower().split())


def _aliases(area: Area) -> set[str]:
    """The ways a villager names an area: in full, or without 县/区/市 when that still reads as a name."""
    full = canonical(area.name)
    names = {full}
    stem = next((full[: -len(suffix)] for suffix in _SUFFIXES if full.endswith(suffix)), "")
    if len(stem) >= 2 and "市" not in stem:  # 市中区 -> 市中 would match 市中心
        names.add(stem)
    if area.en:
        english = area.en.lower()
        names.add(english)
        names.update(english[: -len(suffix)] for suffix in _EN_SUFFIXES if english.endswith(suffix))
    return names


def mentions(text: str, alias: str) -> bool:
    """Chinese names may sit inside a sentence without spaces; English ones must be whole words."""
    if alias.isascii():
        return re.search(rf"\b{re.escape(alias)}\b", text) is not None
    return alias.replace(" ", "") in text.replace(" ", "")


class PlacesReader:
    """Turns the YAML into areas and offices, collecting `file:line` problems instead of raising."""

    def __init__(self, path: Path):
        self.file, self.problems = str(path), []
        self.areas: dict[str, Area] = {}
        self.parent_lines: dict[str, int] = {}  # where each area names its parent
        self.offices: list[Office] = []

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def text(self, raw: LineDict, key: str, where: str, required: bool = True) -> str | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            hint = "; put it in quotes" if isinstance(value, int) else ""
            self.error(raw.line_of(key), f"{where}: `{key}` is missing or not text{hint}")
            return None
        return value.strip()

    def unknown_fields(self, raw: LineDict, allowed: set[str], where: str) -> None:
        for key in sorted(set(raw) - allowed, key=str):
            self.error(raw.line_of(key), f"{where}: unknown field `{key}` (allowed: {', '.join(sorted(allowed))})")

    def add_area(self, area: Area, line: int) -> None:
        if area.name in self.areas:
            self.error(line, f"area {area.name} is listed twice")
        else:
            self.areas[area.name], self.parent_lines[area.name] = area, line

    def area(self, raw, line: int) -> None:
        if not isinstance(raw, LineDict):
            self.error(line, "each item under `areas:` needs `name:` (and optionally `en:`, `parent:`, `townships:`)")
            return
        name = self.text(raw, "name", "area")
        if name is None:
            return
        self.unknown_fields(raw, AREA_FIELDS, f"area {name}")
        self.add_area(Area(name, self.text(raw, "en", f"area {name}", False),
                           self.text(raw, "parent", f"area {name}", False)), raw.line_of("parent"))
        townships = raw.get("townships", [])
        if not isinstance(townships, list):
            self.error(raw.line_of("townships"), f"area {name}: `townships` must be a list, e.g. [某某镇, 某某乡]")
            return
        for index, township in enumerate(townships):
            if isinstance(township, str) and township.strip():
                self.add_area(Area(township.strip(), parent=name), townships.line_of(index))
            else:
                self.error(townships.line_of(index), f"area {name}: township {index + 1} is empty or not text")

    def office(self, raw, line: int) -> None:
        if not isinstance(raw, LineDict):
            self.error(line, "each item under `offices:` needs kind, name, area, address and phone")
            return
        name = self.text(raw, "name", "office")
        where = f"office {name or '(no name)'}"
        self.unknown_fields(raw, OFFICE_FIELDS, where)
        kind, area = raw.get("kind"), self.text(raw, "area", where)
        if kind not in KINDS:
            self.error(raw.line_of("kind"), f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if area is not None and area not in self.areas:
            self.error(raw.line_of("area"), f"{where}: area {area!r} is not listed under `areas:`")
        address, phone = self.text(raw, "address", where), self.text(raw, "phone", where)
        if phone is not None and not _PHONE.match(phone):
            self.error(raw.line_of("phone"), f"{where}: phone {phone!r} should be digits, e.g. \"<area code>-<number>\" in quotes")
        hours, en = self.text(raw, "hours", where, False), self.text(raw, "en", where, False)
        if name and kind in KINDS and area in self.areas and address and phone and _PHONE.match(phone):
            self.offices.append(Office(kind, name, address, phone, area, hours, en))

    def document(self, raw) -> None:
        if not isinstance(raw, LineDict) or not isinstance(raw.get("areas"), LineList):
            self.error(getattr(raw, "line", 1), "the places file needs an `areas:` list and an `offices:` list")
            return
        self.unknown_fields(raw, {"areas", "offices"}, "places file")
        for index, item in enumerate(raw["areas"]):
            self.area(item, raw["areas"].line_of(index))
        for area in list(self.areas.values()):
            if area.parent is not None and area.parent not in self.areas:
                self.error(self.parent_lines[area.name], f"area {area.name}: parent {area.parent!r} is not listed under `areas:`")
                self.areas[area.name] = Area(area.name, area.en)
        offices = raw.get("offices") or LineList()
        if not isinstance(offices, list):
            self.error(raw.line_of("offices"), "`offices:` must be a list of offices")
            return
        for index, item in enumerate(offices):
            self.office(item, offices.line_of(index))


class Places:
    """The directory of offices, and the answer to "where do I go?" for a villager's area."""

    def __init__(self, areas: dict[str, Area], offices: tuple[Office, ...]):
        self.areas, self.offices = areas, offices
        self._aliases = sorted(
            ((alias, name) for name, area in areas.items() for alias in _aliases(area)),
            key=lambda pair: (self._depth(pair[1]), len(pair[0])),
            reverse=True,
        )

    @classmethod
    def load(cls, path: Path) -> tuple[Places, list[Problem]]:
        """What could be read, plus every problem: a bad edit must not silently lose the good entries."""
        reader = PlacesReader(Path(path))
        try:
            reader.document(load_yaml(Path(path)))
        except (YamlError, OSError) as error:
            reader.error(getattr(error, "line", 0), getattr(error, "message", f"cannot read the file: {error}"))
        return cls(reader.areas, tuple(reader.offices)), reader.problems

    def chain(self, area: str | None) -> list[str]:
        """The area, its parent, and so on up; the top-level areas when the villager's area is unknown."""
        if area not in self.areas:
            return [name for name, known in self.areas.items() if known.parent is None]
        chain: list[str] = []
        while area is not None and area not in chain:
            chain.append(area)
            area = self.areas[area].parent
        return chain

    def _depth(self, area: str) -> int:
        return len(self.chain(area))

    def find_area(self, text: str) -> str | None:
        """The most specific area named in `text` ("我在犍为" -> 犍为县; "井研县xx镇" -> 井研县), or None."""
        written = canonical(text)
        return next((name for alias, name in self._aliases if mentions(written, alias)), None)

    def nearest(self, area: str | None, kind: str) -> Office | None:
        """The office of `kind` in the area, else in the nearest area above it, else None."""
        for name in self.chain(area):
            for office in self.offices:
                if office.kind == kind and office.area == name:
                    return office
        return None

    def _area_name(self, area: str, lang: str) -> str:
        return (self.areas[area].en or area) if lang == "en" else area

    def describe(self, area: str | None, kind: str, lang: str) -> str:
        """One or two lines telling the villager where to go, or to ask 12348 when nothing is known."""
        kind_name, office = KINDS[kind](lang), self.nearest(area, kind)
        if office is None:
            return text("office_unknown", lang, kind=kind_name)
        name = f"{office.en} ({office.name})" if lang == "en" and office.en else office.name
        details = text("office_details", lang, name=name, address=office.address, phone=office.phone)
        if office.hours:
            details += text("office_hours", lang, hours=office.hours)
        if office.area == area:
            return details
        there = self._area_name(office.area, lang)
        missing = text("office_missing_here", lang, area=self._area_name(area, lang), kind=kind_name) if area in self.areas else ""
        return text("office_elsewhere", lang, missing=missing, there=there, kind=kind_name, details=details)

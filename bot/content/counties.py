"""County cells: one deployment serving several counties, each with its own advisers, offices and local details.

A city justice bureau runs one mingbai for all its counties and districts, but a
villager in 犍为 must reach 犍为's advisers and 犍为's legal aid centre. A county
is configuration, not code: `faq/counties/<id>.yaml`, read here with every
problem as `file:line`, and swapped in by the same validated reload as the FAQ.
Without that folder there are no counties and nothing changes: every case goes
to the default advisers' group, as in a one-county deployment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.places import Area, Office, Places, PlacesReader, canonical, mentions
from bot.flows.model import Standard, Standards
from bot.flows.reading import Reader
from bot.handoff.hours import OfficeHours
from intents.faq import Text
from intents.faq_loader import Problem
from intents.yaml_lines import LineDict, LineList

FOLDER = "counties"
COUNTY_FIELDS = {"name", "en", "words", "service", "hours", "advisers", "offices", "income_standard", "additions",
                 "channels"}
ADVISER_FIELDS = {"telegram_chat", "telegram_routes"}
#: `channels:` keys -> `Channels` attributes: each names the environment variable holding a secret, never the secret.
CHANNEL_FIELDS = {"telegram_token_env": "telegram_token", "wechat_token_env": "wechat_token",
                  "wechat_appid_env": "wechat_appid", "wechat_secret_env": "wechat_secret",
                  "wechat_aes_key_env": "wechat_aes_key"}
#: The default bot's and account's own settings: a county naming one of them would be the default channel twice.
DEFAULT_CHANNEL_SETTINGS = {"TELEGRAM_BOT_TOKEN", "MINGBAI_WECHAT_TOKEN", "MINGBAI_WECHAT_APPID",
                            "MINGBAI_WECHAT_SECRET", "MINGBAI_WECHAT_AES_KEY"}
_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]{2,63}")
STANDARD_FIELDS = {"monthly_income_per_person", "source"}
#: A county's id is its file name and goes into URLs (/c/<id>/) and commands (--county <id>).
COUNTY_ID = re.compile(r"[a-z][a-z0-9_-]{1,31}")
_CHAT = re.compile(r"-?[0-9]{5,20}")
MAX_ADDITION = 500  # "short local additions": a line or two under an answer, not a second answer


@dataclass(frozen=True)
class Channels:
    """A county's own Telegram bot and WeChat Official Account, as the names of the environment variables (or
    mingbai.toml keys) that hold their secrets: county files are in git and edited by admins, tokens are not."""

    telegram_token: str | None = None  # e.g. "MINGBAI_QIANWEI_TELEGRAM_TOKEN"
    wechat_token: str | None = None
    wechat_appid: str | None = None
    wechat_secret: str | None = None
    wechat_aes_key: str | None = None

    def names(self) -> list[str]:
        return [name for name in (self.telegram_token, self.wechat_token, self.wechat_appid, self.wechat_secret,
                                  self.wechat_aes_key) if name]


@dataclass(frozen=True)
class County:
    """One county's settings: who answers its villagers, where they go, and what is local about its answers."""

    id: str
    name: str  # as villagers and offices write it (犍为县); also its area in the places directory
    en: str | None = None
    words: tuple[str, ...] = ()  # other ways villagers name it (犍为, Qianwei)
    service: Text | None = None  # the service's name on the county's web chat page
    hours: OfficeHours | None = None  # its advisers' hours; None: MINGBAI_OFFICE_HOURS
    adviser_chat: int | None = None  # its advisers' Telegram group
    adviser_routes: dict[str, int] = field(default_factory=dict)  # intent group -> a further group of its own
    offices: tuple[Office, ...] = ()
    standard: Standard | None = None  # its legal aid hardship figure, with the source
    additions: dict[str, Text] = field(default_factory=dict)  # intent id -> a local line after the answer
    channels: Channels = field(default_factory=Channels)  # its own bot / Official Account, if any

    def chats(self) -> set[int]:
        return {chat for chat in (self.adviser_chat, *self.adviser_routes.values()) if chat is not None}

    def chat_for(self, intent: str | None) -> int | None:
        """The county's group for a case about `intent` ("fraud.scammed" -> its `fraud` route, if any)."""
        return self.adviser_routes.get((intent or "").split(".")[0]) or self.adviser_chat

    def label(self, lang: str) -> str:
        return (self.en or self.name) if lang == "en" else self.name


class Counties:
    """Every configured county; empty (and false) in a one-county deployment."""

    def __init__(self, by_id: dict[str, County] | None = None):
        self.by_id = dict(by_id or {})
        # longest name first, so 峨边彝族自治县 is found before a shorter word inside it
        self._names = sorted(((canonical(word), county.id) for county in self.by_id.values()
                              for word in (county.name, *county.words, *((county.en,) if county.en else ()))),
                             key=lambda pair: len(pair[0]), reverse=True)

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def __iter__(self):
        return iter(self.by_id.values())

    def get(self, county_id: str | None) -> County | None:
        return self.by_id.get(county_id) if county_id else None

    def find(self, text: str) -> County | None:
        """The county `text` names ("我在犍为" -> jianwei's county), or None."""
        written = canonical(text)
        return next((self.by_id[county_id] for word, county_id in self._names if word and mentions(written, word)),
                    None)

    def of_area(self, places: Places, area: str | None) -> County | None:
        """The county an area lies in: the area itself, or the first area above it that is a county's name."""
        if not self.by_id or area not in places.areas:
            return None
        by_name = {county.name: county for county in self}
        for name in places.chain(area):
            if name in by_name:
                return by_name[name]
        return None

    def adviser_chats(self) -> set[int]:
        return {chat for county in self for chat in county.chats()}

    def of_chat(self, chat: int) -> County | None:
        """The county whose advisers' group (or one of its routes' groups) `chat` is; None for the default group."""
        return next((county for county in self if chat in county.chats()), None)

    @classmethod
    def load(cls, directory: Path, places: Places, intents=None) -> tuple["Counties", list[Problem]]:
        """faq/counties/*.yaml; no folder means no counties (no problem). A broken file is left out, with its
        problems, so `mingbai faq check` shows them and the reload refuses the set. `intents` (the FAQ's ids)
        checks that each local addition follows an answer that exists."""
        problems: list[Problem] = []
        if not directory.is_dir():
            return cls(), problems
        counties: dict[str, County] = {}
        for path in sorted(directory.glob("*.yaml")):
            county = _read_county(path, places, problems, intents)
            if county is not None:
                counties[county.id] = county
        _check_unique(counties, problems, directory)
        return cls(counties), problems


# --- what the rest of the content gets from the counties ----------------------------------------


def with_offices(places: Places, counties: Counties) -> Places:
    """The places directory with every county's offices added, and each county's name as an area if missing."""
    if not counties:
        return places
    areas = dict(places.areas)
    for county in counties:
        areas.setdefault(county.name, Area(county.name, county.en))
    offices = places.offices + tuple(office for county in counties for office in county.offices)
    return Places(areas, offices)


def with_standards(standards: Standards, counties: Counties) -> Standards:
    """The flows' income standards with each county's own figure added (a county file's figure is for that county)."""
    own = {county.standard.key: county.standard for county in counties if county.standard}
    return Standards({**standards.by_key, **own}) if own else standards


def standard_conflicts(standards: Standards, counties: Counties, directory: Path) -> list[Problem]:
    """A county whose figure is given both in its file and in faq/flows/income_standards.yaml: one must go,
    or a villager's result would depend on which file was read last."""
    problems = []
    for county in counties:
        other = standards.for_county(county.name)
        if county.standard and other.key != "default":
            problems.append(Problem(str(directory / f"{county.id}.yaml"), 1,
                                    f"income_standard: {county.name} also has a figure in flows/income_standards.yaml "
                                    f"(`{other.key}`); keep only one"))
    return problems


# --- reading one file ------------------------------------------------------------------------------


def _read_county(path: Path, places: Places, problems: list[Problem], intents) -> County | None:
    reader = Reader(path, problems)
    county_id = path.stem
    if not COUNTY_ID.fullmatch(county_id):
        reader.error(1, f"file name {path.name!r}: a county's id is its file name, in lower-case letters, digits, - or _ "
                        f"(e.g. jianwei.yaml); it is used in /c/<id>/ and --county <id>")
        return None
    raw = reader.load(path)
    if raw is None:
        return None
    reader.unknown_fields(raw, COUNTY_FIELDS, county_id)
    count = len(problems)
    name = _plain(reader, raw, "name", county_id, required=True)
    en = _plain(reader, raw, "en", county_id)
    words = _words(reader, raw, county_id)
    service = reader.text(raw, "service", county_id) if "service" in raw else None
    hours = _hours(reader, raw, county_id)
    chat, routes = _advisers(reader, raw, county_id)
    offices = _offices(path, raw, name, en, places, problems)
    standard = _standard(reader, raw, name, en, words, county_id)
    additions = _additions(reader, raw, county_id, intents)
    channels = _channels(reader, raw, county_id)
    if len(problems) > count or name is None:
        return None
    return County(county_id, name, en, words, service, hours, chat, routes, offices, standard, additions, channels)


def _plain(reader: Reader, raw: LineDict, key: str, where: str, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        reader.error(raw.line_of(key), f"{where}: `{key}` is missing or not text (e.g. `name: 犍为县`)")
        return None
    return value.strip()


def _words(reader: Reader, raw: LineDict, where: str) -> tuple[str, ...]:
    value = raw.get("words", [])
    if not isinstance(value, list) or not all(isinstance(word, str) and word.strip() for word in value):
        reader.error(raw.line_of("words"), f"{where}.words: must be a list of names villagers use, e.g. [犍为, Qianwei]")
        return ()
    return tuple(word.strip() for word in value)


def _hours(reader: Reader, raw: LineDict, where: str) -> OfficeHours | None:
    value = raw.get("hours")
    if value is None:
        return None
    try:
        return OfficeHours.parse(str(value))
    except ValueError:
        reader.error(raw.line_of("hours"), f"{where}.hours: {value!r} should read like \"Mon-Fri 09:00-17:30\"")
        return None


def _chat(reader: Reader, parent: LineDict, key, where: str) -> int | None:
    value = parent.get(key)
    if isinstance(value, bool) or not _CHAT.fullmatch(str(value).strip()):
        reader.error(parent.line_of(key), f"{where}: {value!r} is not a Telegram chat id; write the group's id in quotes, "
                                          f"e.g. \"-1001234567890\"")
        return None
    return int(str(value).strip())


def _advisers(reader: Reader, raw: LineDict, where: str) -> tuple[int | None, dict[str, int]]:
    block = raw.get("advisers")
    if block is None:
        return None, {}
    if not isinstance(block, LineDict):
        reader.error(raw.line_of("advisers"), f"{where}.advisers: needs `telegram_chat:` (and optionally `telegram_routes:`)")
        return None, {}
    reader.unknown_fields(block, ADVISER_FIELDS, f"{where}.advisers")
    chat = _chat(reader, block, "telegram_chat", f"{where}.advisers.telegram_chat") if "telegram_chat" in block else None
    routes_raw, routes = block.get("telegram_routes"), {}
    if routes_raw is not None and not isinstance(routes_raw, LineDict):
        reader.error(block.line_of("telegram_routes"), f"{where}.advisers.telegram_routes: write one `group: \"chat id\"` "
                                                       f"line per topic group, e.g. fraud: \"-1001234567890\"")
    elif routes_raw:
        for group in routes_raw:
            found = _chat(reader, routes_raw, group, f"{where}.advisers.telegram_routes.{group}")
            if found is not None:
                routes[str(group)] = found
    return chat, routes


def _offices(path: Path, raw: LineDict, name: str | None, en: str | None, places: Places,
             problems: list[Problem]) -> tuple[Office, ...]:
    """The county's offices, in the shape of faq/places.yaml's; `area` may be left out and is then the county."""
    items = raw.get("offices")
    if items is None or name is None:
        return ()
    reader = PlacesReader(path)
    reader.areas = {**places.areas, name: places.areas.get(name, Area(name, en))}
    if not isinstance(items, LineList):
        reader.error(raw.line_of("offices"), "`offices:` must be a list of offices, as in faq/places.yaml")
    else:
        for index, item in enumerate(items):
            if isinstance(item, LineDict) and "area" not in item:
                item["area"], item.key_lines["area"] = name, item.line
            reader.office(item, items.line_of(index))
    problems.extend(reader.problems)
    return tuple(reader.offices)


def _standard(reader: Reader, raw: LineDict, name: str | None, en: str | None, words: tuple[str, ...],
              where: str) -> Standard | None:
    """The county's legal aid hardship figure: only with its source, since it decides a villager's result."""
    block = raw.get("income_standard")
    if block is None or name is None:
        return None
    where = f"{where}.income_standard"
    if not isinstance(block, LineDict):
        reader.error(raw.line_of("income_standard"), f"{where}: needs `monthly_income_per_person:` and `source:` (zh, en)")
        return None
    reader.unknown_fields(block, STANDARD_FIELDS, where)
    figure = block.get("monthly_income_per_person")
    if isinstance(figure, bool) or not isinstance(figure, (int, float)) or figure <= 0:
        reader.error(block.line_of("monthly_income_per_person"),
                     f"{where}.monthly_income_per_person: must be a number of yuan such as 1500; leave the whole "
                     f"`income_standard:` out while the figure is not known")
        return None
    if block.get("source") is None:
        reader.error(raw.line_of("income_standard"), f"{where}: a figure needs its `source:` (zh and en): villagers "
                                                     f"are shown where it comes from")
        return None
    source = reader.text(block, "source", where)
    if source is None:
        return None
    return Standard(name, Text(name, en or name), float(figure), source, None, words)


def _additions(reader: Reader, raw: LineDict, where: str, intents) -> dict[str, Text]:
    block = raw.get("additions")
    if block is None:
        return {}
    if not isinstance(block, LineDict):
        reader.error(raw.line_of("additions"), f"{where}.additions: one entry per answer, e.g. `legal_aid.apply:` "
                                               f"with `zh:` and `en:` lines below it")
        return {}
    found = {}
    for intent_id in block:
        if intents is not None and intent_id not in intents:
            reader.error(block.line_of(intent_id), f"{where}.additions: {intent_id!r} is not an intent of the FAQ")
            continue
        text = reader.text(block, intent_id, f"{where}.additions")
        if text is None:
            continue
        if max(len(text.zh), len(text.en)) > MAX_ADDITION:
            reader.error(block.line_of(intent_id), f"{where}.additions.{intent_id}: at most {MAX_ADDITION} characters; "
                                                   f"a local addition is a line or two, not a second answer")
            continue
        found[str(intent_id)] = text
    return found


def _channels(reader: Reader, raw: LineDict, where: str) -> Channels:
    """The county's own bot and account: names of environment variables, checked to be names and not secrets."""
    block = raw.get("channels")
    if block is None:
        return Channels()
    example = f"MINGBAI_{re.sub('[^A-Z0-9]', '_', where.upper())}_TELEGRAM_TOKEN"
    where = f"{where}.channels"
    if not isinstance(block, LineDict):
        reader.error(raw.line_of("channels"), f"{where}: needs lines such as `telegram_token_env: {example}`")
        return Channels()
    reader.unknown_fields(block, set(CHANNEL_FIELDS), where)
    names = {}
    for key, attribute in CHANNEL_FIELDS.items():
        value = block.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not _VARIABLE.fullmatch(value.strip()):
            reader.error(block.line_of(key), f"{where}.{key}: write the NAME of the environment variable that holds "
                                             f"it (capitals, digits and _, e.g. MINGBAI_QIANWEI_TELEGRAM_TOKEN), never "
                                             f"the token itself: this file is in git and tokens are secrets")
        elif value.strip() in DEFAULT_CHANNEL_SETTINGS:
            reader.error(block.line_of(key), f"{where}.{key}: {value.strip()} is the default channel's own setting; "
                                             f"a county's bot or account needs a variable of its own")
        else:
            names[attribute] = value.strip()
    channels = Channels(**names)
    if (channels.wechat_appid or channels.wechat_secret or channels.wechat_aes_key) and not channels.wechat_token:
        reader.error(raw.line_of("channels"), f"{where}: the Official Account's other settings need "
                                              f"`wechat_token_env` (the token of its 服务器配置) as well")
    if channels.wechat_aes_key and not channels.wechat_appid:
        reader.error(block.line_of("wechat_aes_key_env"), f"{where}.wechat_aes_key_env: safe mode (安全模式) needs "
                                                          f"`wechat_appid_env` as well")
    if bool(channels.wechat_appid) != bool(channels.wechat_secret):
        reader.error(raw.line_of("channels"), f"{where}: `wechat_appid_env` and `wechat_secret_env` go together "
                                              f"(to send slow answers and advisers' messages)")
    return channels


def _check_unique(counties: dict[str, County], problems: list[Problem], directory: Path) -> None:
    """Two counties with the same name or word would make /where pick one at random; one group for two counties
    would mix their cases."""
    seen_words: dict[str, str] = {}
    seen_chats: dict[int, str] = {}
    seen_variables: dict[str, str] = {}
    for county in list(counties.values()):
        file = str(directory / f"{county.id}.yaml")
        for name in county.channels.names():
            other = seen_variables.setdefault(name, county.id)
            if other != county.id:
                problems.append(Problem(file, 1, f"{county.id}: the variable {name} is also county {other}'s: one "
                                                 f"bot or account serves one county"))
        for word in (county.name, *county.words):
            other = seen_words.setdefault(canonical(word), county.id)
            if other != county.id:
                problems.append(Problem(file, 1, f"{county.id}: the word {word!r} also names county {other}"))
        for chat in county.chats():
            other = seen_chats.setdefault(chat, county.id)
            if other != county.id:
                problems.append(Problem(file, 1, f"{county.id}: Telegram group {chat} is also county {other}'s"))


"""Every setting mingbai reads, in one table: name, default and help.

The table drives `Settings.from_env`, the README's configuration section and a
test that keeps the two in step. An optional `mingbai.toml` in the working
directory may set the same names; the environment wins over the file.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import os
import re
import tomllib
import zoneinfo
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import SettingsError
from bot.handoff.hours import OfficeHours

#: (name, default, help). Names are environment variables; also accepted as keys in mingbai.toml.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("MINGBAI_FAQ_DIR", "faq", "Folder of FAQ files: intents, lexicon, flows, places, and 'counties/' when several "
     "counties share the service."),
    ("MINGBAI_DATA_DIR", "var", "Folder for the SQLite database (mingbai.sqlite) and the process's own files."),
    ("MINGBAI_DATABASE_URL", "", "PostgreSQL instead of the SQLite file, for several `mingbai run` processes on one "
     "database: postgresql://user:password@host:5432/mingbai. Empty: the SQLite file in MINGBAI_DATA_DIR."),
    ("TELEGRAM_BOT_TOKEN", "", "Token from @BotFather. Without it, Telegram is not started."),
    ("TELEGRAM_BASE_URL", "https://api.telegram.org/bot", "Bot API base URL (a self-hosted Bot API server, or a test fake)."),
    ("TELEGRAM_BASE_FILE_URL", "https://api.telegram.org/file/bot", "Bot API file download base URL."),
    ("MINGBAI_WEBHOOK_URL", "", "Public HTTPS URL for Telegram webhooks; empty means long polling."),
    ("MINGBAI_WEBHOOK_SECRET", "", "Secret Telegram must send in X-Telegram-Bot-Api-Secret-Token (webhook mode)."),
    ("MINGBAI_ADVISER_CHAT", "", "Telegram chat id of the advisers' supergroup (with counties: the group for cases "
     "without a county, or of a county with no group of its own)."),
    ("MINGBAI_ADVISER_ROUTES", "", "Extra advisers' groups by topic, to spread Telegram's 20 messages/minute/group limit: "
     "'fraud=-1001,labor=-1002' (intent group = chat id); unlisted topics go to MINGBAI_ADVISER_CHAT."),
    ("MINGBAI_ADMINS", "", "Comma-separated Telegram user ids allowed to act as advisers and admins."),
    ("MINGBAI_WECHAT_TOKEN", "", "Token from the WeChat console (服务器配置). Without it, WeChat is not mounted."),
    ("MINGBAI_WECHAT_APPID", "", "AppID of the official account, to send slow or long answers and advisers' messages."),
    ("MINGBAI_WECHAT_SECRET", "", "AppSecret of the official account, with MINGBAI_WECHAT_APPID."),
    ("MINGBAI_WECHAT_AES_KEY", "", "EncodingAESKey from the console, for safe mode (安全模式); needs the AppID."),
    ("MINGBAI_WECHAT_PATH", "/wechat", "Path WeChat posts to: the console's server URL is https://<your host><path>."),
    ("MINGBAI_WECHAT_API_BASE", "https://api.weixin.qq.com", "WeChat API base URL (a proxy, or a test fake)."),
    ("MINGBAI_WECHAT_REPLY_SECONDS", "4", "Seconds to wait for an answer before replying 'success' and sending it "
     "through the customer-service API; keep it under WeChat's 5."),
    ("MINGBAI_BURST_SECONDS", "2.5", "Seconds to wait for more after a villager's message, so that a question typed "
     "in pieces (老板 / 跑了 / 欠我工钱) is read as one and answered once; 0 answers every message at once. "
     "Emergencies, buttons and commands never wait. Keep it below MINGBAI_WECHAT_REPLY_SECONDS."),
    ("MINGBAI_OFFICE_HOURS", "Mon-Fri 09:00-17:30", "Advisers' hours, in MINGBAI_TIMEZONE; outside them villagers are told "
     "when to expect an answer. A county file's 'hours:' overrides it for that county's cases."),
    ("MINGBAI_TIMEZONE", "Asia/Shanghai", "Time zone of the office hours, of 'today' for deadlines and of every time "
     "the console shows, whatever the server's clock is set to (an IANA name)."),
    ("MINGBAI_HANDOFF_TIMEOUT", "600", "Seconds a case may wait unclaimed before the villager is told honestly and advisers are reminded."),
    ("MINGBAI_WEB_HOST", "127.0.0.1", "Address the web server listens on."),
    ("MINGBAI_WEB_PORT", "8080", "Port the web server listens on."),
    ("MINGBAI_WEB_LIMITS", "villager=20,address=120,new_ids=60", "Web chat limits: messages a minute per villager "
     "(cookie) and per address, new villager ids an hour per address; past them a polite 429. 0 turns one off."),
    ("MINGBAI_QUICK_EXIT_URL", "https://www.baidu.com/", "Where the chat page's 快速离开 (quick exit) button sends "
     "the villager at once: a neutral site that gives nothing away on a shared phone."),
    ("MINGBAI_TRUSTED_PROXY", "", "Addresses or networks of your reverse proxy ('127.0.0.1', '10.0.0.0/8', comma-separated). "
     "Requests from them are taken to come from the client in X-Forwarded-For (and over HTTPS when X-Forwarded-Proto "
     "says so), for login and message limits and secure cookies; empty trusts no proxy."),
)
CONFIG_FILE = "mingbai.toml"
#: Days a villager's conversation, votes and unanswered questions are kept (README "Privacy"): applied at every
#: start and by `mingbai purge`'s default; the web chat's cookie lasts as long. A promise, not a setting.
RETENTION_DAYS = 180
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram's setWebhook accepts as secret_token
#: The web chat's limits: messages a minute per villager and per address, new villager ids an hour per address.
DEFAULT_WEB_LIMITS = {"villager": 20, "address": 120, "new_ids": 60}


@dataclass(frozen=True)
class Settings:
    faq_dir: Path
    data_dir: Path
    telegram_token: str
    telegram_base_url: str
    telegram_base_file_url: str
    webhook_url: str
    webhook_secret: str
    adviser_chat: str
    adviser_routes: dict[str, str]
    admins: tuple[int, ...]
    wechat_token: str
    wechat_appid: str
    wechat_secret: str
    wechat_aes_key: str
    wechat_path: str
    wechat_api_base: str
    wechat_reply_seconds: float
    burst_seconds: float
    office_hours: str
    timezone: str
    handoff_timeout: int
    web_host: str
    web_port: int
    database_url: str = ""  # PostgreSQL; empty: the SQLite file in data_dir
    quick_exit_url: str = "https://www.baidu.com/"
    trusted_proxy: tuple[str, ...] = ()
    web_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEB_LIMITS))
    #: Where values named elsewhere are looked up (a county file's `telegram_token_env`): the environment, then
    #: mingbai.toml, as for every setting above.
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def named(self, name: str) -> str:
        """The value of the variable `name` (a county's bot token...), '' when it is unset."""
        return str(self.environment.get(name, "")).strip()

    @property
    def database(self) -> Path | str:
        """The PostgreSQL URL when one is set, else the SQLite file's path."""
        return self.database_url or self.data_dir / "mingbai.sqlite"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, config_file: Path | None = None) -> "Settings":
        """Every setting from `environ` (the process's environment) over mingbai.toml over the defaults, each
        checked once here: anything unusable raises SettingsError naming the setting and what to write."""
        environ = os.environ if environ is None else environ
        config_file = config_file or Path(CONFIG_FILE)
        file_values = _read_file(config_file)
        values = {name: str(environ.get(name, file_values.get(name, default))) for name, default, _ in SETTINGS}
        settings = cls(
            faq_dir=Path(values["MINGBAI_FAQ_DIR"]),
            data_dir=Path(values["MINGBAI_DATA_DIR"]),
            database_url=_database_url("MINGBAI_DATABASE_URL", values["MINGBAI_DATABASE_URL"].strip()),
            telegram_token=values["TELEGRAM_BOT_TOKEN"],
            telegram_base_url=values["TELEGRAM_BASE_URL"],
            telegram_base_file_url=values["TELEGRAM_BASE_FILE_URL"],
            webhook_url=values["MINGBAI_WEBHOOK_URL"],
            webhook_secret=values["MINGBAI_WEBHOOK_SECRET"],
            adviser_chat=values["MINGBAI_ADVISER_CHAT"],
            adviser_routes=_routes(values["MINGBAI_ADVISER_ROUTES"]),
            admins=tuple(_whole("MINGBAI_ADMINS", part) for part in values["MINGBAI_ADMINS"].split(",") if part.strip()),
            wechat_token=values["MINGBAI_WECHAT_TOKEN"],
            wechat_appid=values["MINGBAI_WECHAT_APPID"],
            wechat_secret=values["MINGBAI_WECHAT_SECRET"],
            wechat_aes_key=values["MINGBAI_WECHAT_AES_KEY"],
            wechat_path=values["MINGBAI_WECHAT_PATH"],
            wechat_api_base=values["MINGBAI_WECHAT_API_BASE"],
            wechat_reply_seconds=_seconds("MINGBAI_WECHAT_REPLY_SECONDS", values["MINGBAI_WECHAT_REPLY_SECONDS"]),
            burst_seconds=_seconds("MINGBAI_BURST_SECONDS", values["MINGBAI_BURST_SECONDS"], zero=True),
            office_hours=_office_hours("MINGBAI_OFFICE_HOURS", values["MINGBAI_OFFICE_HOURS"]),
            timezone=_zone("MINGBAI_TIMEZONE", values["MINGBAI_TIMEZONE"]),
            handoff_timeout=_whole("MINGBAI_HANDOFF_TIMEOUT", values["MINGBAI_HANDOFF_TIMEOUT"]),
            web_host=values["MINGBAI_WEB_HOST"],
            web_port=_whole("MINGBAI_WEB_PORT", values["MINGBAI_WEB_PORT"]),
            quick_exit_url=_web_address("MINGBAI_QUICK_EXIT_URL", values["MINGBAI_QUICK_EXIT_URL"]),
            trusted_proxy=_networks("MINGBAI_TRUSTED_PROXY", values["MINGBAI_TRUSTED_PROXY"]),
            web_limits=_limits("MINGBAI_WEB_LIMITS", values["MINGBAI_WEB_LIMITS"]),
            environment=ChainMap(environ, {name: str(value) for name, value in file_values.items()}),
        )
        _check_together(settings)
        return settings


def _database_url(name: str, value: str) -> str:
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"{name}={value!r}: write a PostgreSQL URL such as postgresql://mingbai:secret@localhost/"
                            "mingbai, or leave it empty for the SQLite file", name)
    return value


def _read_file(path: Path) -> dict:
    """mingbai.toml's values, none when there is no such file, or a SettingsError saying where it breaks."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise SettingsError(f"{path} cannot be read as TOML ({error}): correct it (NAME = \"value\" per line) "
                            f"or remove it") from None


def _check_together(settings: "Settings") -> None:
    """Settings that are only wrong in combination, refused here rather than when the channel starts."""
    if settings.webhook_url and not WEBHOOK_SECRET.fullmatch(settings.webhook_secret):
        raise SettingsError("MINGBAI_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
                            "(Telegram's rule) when MINGBAI_WEBHOOK_URL is set", "MINGBAI_WEBHOOK_SECRET")
    if settings.wechat_aes_key and not settings.wechat_appid:
        raise SettingsError("MINGBAI_WECHAT_AES_KEY (safe mode) needs MINGBAI_WECHAT_APPID as well",
                            "MINGBAI_WECHAT_APPID")
    if settings.wechat_aes_key and not _is_aes_key(settings.wechat_aes_key):
        raise SettingsError("MINGBAI_WECHAT_AES_KEY must be the 43-character EncodingAESKey from the WeChat console",
                            "MINGBAI_WECHAT_AES_KEY")


def _is_aes_key(value: str) -> bool:
    """WeChat's EncodingAESKey: 43 characters of base64 that decode, with the missing `=`, to a 32-byte key."""
    try:
        return len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
    except binascii.Error:
        return False


def _office_hours(name: str, value: str) -> str:
    """Hours OfficeHours can read ('Mon-Fri 09:00-17:30'), or an error that names the setting."""
    try:
        OfficeHours.parse(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r}: write the advisers' hours like 'Mon-Fri 09:00-17:30'", name) from None
    return value


def _routes(value: str) -> dict[str, str]:
    """'fraud=-1001,labor=-1002' -> {"fraud": "-1001", "labor": "-1002"}; a clear error for anything else."""
    routes = {}
    for part in filter(None, (piece.strip() for piece in value.split(","))):
        group, separator, chat = part.partition("=")
        if not separator or not group.strip() or not chat.strip().lstrip("-").isdigit():
            raise SettingsError(f"MINGBAI_ADVISER_ROUTES: {part!r} should look like 'fraud=-1001234567890'",
                                "MINGBAI_ADVISER_ROUTES")
        routes[group.strip()] = chat.strip()
    return routes


def _limits(name: str, value: str) -> dict[str, int]:
    """'villager=20,address=120,new_ids=60' (any of them; 0 turns one off) -> the limits, defaults for the rest."""
    limits = dict(DEFAULT_WEB_LIMITS)
    for part in filter(None, (piece.strip() for piece in value.split(","))):
        key, separator, number = (piece.strip() for piece in part.partition("="))
        if not separator or key not in DEFAULT_WEB_LIMITS or not number.isdigit():
            raise SettingsError(f"{name}: {part!r} should look like 'villager=20', 'address=120' or 'new_ids=60'", name)
        limits[key] = int(number)
    return limits


def _zone(name: str, value: str) -> str:
    """An IANA time zone name the system knows, or an error that names the setting."""
    try:
        zoneinfo.ZoneInfo(value.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name}={value!r}: write a time zone name such as Asia/Shanghai", name) from None
    return value.strip()


def _web_address(name: str, value: str) -> str:
    """An http(s) address, or an error that names the setting."""
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()):
        raise SettingsError(f"{name}={value!r}: write a web address such as https://www.baidu.com/", name)
    return value.strip()


def _networks(name: str, value: str) -> tuple[str, ...]:
    """'127.0.0.1, 10.0.0.0/8' -> ("127.0.0.1/32", "10.0.0.0/8"); a clear error for anything else."""
    networks = []
    for part in filter(None, (piece.strip() for piece in value.split(","))):
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SettingsError(f"{name}: {part!r} should be an address or network such as 127.0.0.1 or 10.0.0.0/8",
                                name) from None
    return tuple(networks)


def _seconds(name: str, value: str, zero: bool = False) -> float:
    """A positive (or, if `zero`, also 0), finite number of seconds, or an error that names the setting."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not zero):
        raise SettingsError(f"{name}={value!r}: write a number of seconds such as 4", name)
    return seconds


def _whole(name: str, value: str) -> int:
    """A whole number, or an error that names the setting and says what to write."""
    try:
        return int(value.strip())
    except ValueError:
        raise SettingsError(f"{name}={value!r}: write a whole number, e.g. {name}=8080", name) from None

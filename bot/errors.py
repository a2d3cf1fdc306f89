"""Every error mingbai raises on purpose, under one base, so a caller can catch what it can handle by class.

    MingbaiError
    ├── SettingsError            a setting (environment variable, option) that cannot be used
    ├── AccountError             a console account that cannot be created or changed as asked
    ├── Refused                  an HTTP request refused with a status and a text for the user
    ├── StorageError             the database failed a read or write (a bug or a broken rule: not worth retrying)
    │   └── StorageUnavailable   it cannot be read or written now: locked past the timeout, disk full, read-only
    ├── CaseError                an adviser action on a case that cannot be done
    │   ├── CaseNotFound         (case_id) no such case, e.g. the villager deleted their data
    │   ├── CaseClosed           (case_id) the case is already closed
    │   ├── CaseTaken            (case_id, holder, holder_name) another adviser has claimed it
    │   ├── NotYours             (case_id, holder, holder_name, action) only its claimer or an admin may
    │   ├── NotClaimed           (case_id) a reply to a waiting case: claim it first
    │   └── NoSuchAdviser        (case_id, adviser) a transfer to someone who is not an adviser
    ├── DeliveryError            a send that failed and is worth retrying
    │   ├── DeliveryFailed       retrying cannot help (the villager blocked the bot, left WeChat's window)
    │   └── DeliveryDeferred     (retry_after) not a failure: try again in `retry_after` seconds
    └── ChannelError             what a messaging platform sent or answered that cannot be used
        ├── WeChatApiError       (errcode) WeChat's API refused a call
        ├── MalformedMessage     a push that cannot be read
        └── WrongSignature       a push not signed with our token

The matcher (`intents/`) keeps its own small base (`FaqError`, `YamlError`, `CaseFileError`) so that it
depends on nothing of the bot.

A `CaseError` carries what went wrong as attributes; each adviser surface (the Telegram group, the web
console) words it for its readers from `zh` and `en`, which are built from those attributes. Nobody reads
the message text of an error to find out what happened.
"""

from __future__ import annotations


class MingbaiError(Exception):
    """The base of every error mingbai raises on purpose."""


class SettingsError(MingbaiError, ValueError):
    """A setting that cannot be used; the message names the setting and says what to write instead. `setting`
    is the setting's name, or None when the settings file itself cannot be read."""

    def __init__(self, message: str, setting: str | None = None):
        super().__init__(message)
        self.setting = setting


class AccountError(MingbaiError, ValueError):
    """A console account that cannot be created or changed as asked."""


class Refused(MingbaiError):
    """An HTTP request refused: the status, the text the user sees (Chinese first), and any `extra` fields
    the page acts on (the console's `needs_claim`)."""

    def __init__(self, status: int, text: str, **extra: object):
        super().__init__(text)
        self.status, self.text, self.extra = status, text, extra


# --- storage ---------------------------------------------------------------------------------

class StorageError(MingbaiError):
    """The database failed: raised by `bot.storage` in place of its driver's errors (sqlite3 today, another
    backend's later), so no caller outside storage names the driver. The driver's error is the `__cause__`."""


class StorageUnavailable(StorageError):
    """The database cannot be read or written now (locked past the timeout, disk full, file read-only or
    damaged): the callers answer without saving or refuse with 503, and the next request may succeed."""


# --- cases -------------------------------------------------------------------------------------

class CaseError(MingbaiError):
    """An adviser action on a case that cannot be done. `zh` says why for the adviser, `en` after it."""

    def __init__(self, case_id: int):
        self.case_id = case_id
        super().__init__(self.en)

    @property
    def zh(self) -> str:
        raise NotImplementedError

    @property
    def en(self) -> str:
        raise NotImplementedError


class CaseNotFound(CaseError):
    @property
    def zh(self) -> str:
        return "没有这个求助，可能已被村民删除。"

    @property
    def en(self) -> str:
        return f"No case #{self.case_id}."


class CaseClosed(CaseError):
    @property
    def zh(self) -> str:
        return "这个求助已经结案了。"

    @property
    def en(self) -> str:
        return f"Case #{self.case_id} is already closed."


class CaseTaken(CaseError):
    """Another adviser holds the case: `holder` is their adviser id, `holder_name` what colleagues call them."""

    def __init__(self, case_id: int, holder: str, holder_name: str):
        self.holder, self.holder_name = holder, holder_name
        super().__init__(case_id)

    @property
    def zh(self) -> str:
        return f"这个求助已经由 {self.holder_name} 接手了。"

    @property
    def en(self) -> str:
        return f"Case #{self.case_id} is already taken by {self.holder_name}."


#: What an adviser tried to do to someone else's case, as each language says it.
ACTIONS = {"transfer": ("转回队列", "transfer"), "close": ("结案", "close")}


class NotYours(CaseError):
    """Only the claimer (`holder`) or an admin may do `action` ("transfer", "close") on this case."""

    def __init__(self, case_id: int, holder: str, holder_name: str, action: str):
        self.holder, self.holder_name, self.action = holder, holder_name, action
        super().__init__(case_id)

    @property
    def zh(self) -> str:
        return f"这个求助由 {self.holder_name} 接手，只有 {self.holder_name} 或管理员可以{ACTIONS[self.action][0]}。"

    @property
    def en(self) -> str:
        return f"Case #{self.case_id} is {self.holder_name}'s: only they or an admin may {ACTIONS[self.action][1]} it."


class NotClaimed(CaseError):
    """A reply to a case nobody has claimed: the adviser is asked to claim it first, not claimed silently."""

    @property
    def zh(self) -> str:
        return "请先点「接手」再回复：接手后村民会知道由您负责。"

    @property
    def en(self) -> str:
        return f"Claim case #{self.case_id} before replying."


class NoSuchAdviser(CaseError):
    """A transfer to `adviser`, who is not one of the advisers."""

    def __init__(self, case_id: int, adviser: str):
        self.adviser = adviser
        super().__init__(case_id)

    @property
    def zh(self) -> str:
        return f"没有叫 {self.adviser} 的顾问。"

    @property
    def en(self) -> str:
        return f"No adviser {self.adviser}."


# --- delivery ----------------------------------------------------------------------------------

class DeliveryError(MingbaiError):
    """A send that failed; the relay retries it with backoff."""

    final = False


class DeliveryFailed(DeliveryError):
    """A send that retrying cannot help (e.g. the villager blocked the bot): the advisers are told at once."""

    final = True


class DeliveryDeferred(DeliveryError):
    """Not a failure: the receiver asks to be tried again in `retry_after` seconds, counting no attempt
    (a group's sending budget is spent, or a villager's burst of messages is still arriving)."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


# --- channels ----------------------------------------------------------------------------------

class ChannelError(MingbaiError):
    """What a messaging platform sent or answered that cannot be used."""


class WeChatApiError(ChannelError):
    """WeChat's API refused a call: `errcode` is WeChat's code (negative for our own: HTTP, network)."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class MalformedMessage(ChannelError, ValueError):
    """A push that cannot be read (damaged XML, undecryptable)."""


class WrongSignature(ChannelError, ValueError):
    """A push not signed with our token: not from WeChat."""

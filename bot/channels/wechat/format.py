"""WeChat XML to the core's neutral messages and back, with no I/O.

WeChat text has no buttons and no bold, so every rule a villager notices on
WeChat lives here: how choices become numbered lines (in exactly the order the
core numbers them, so a reply of "2" presses the second button), how a long
answer is cut into messages, and what each kind of WeChat message means to the
core. So do the checks a push must pass first. `wechatpy` signs, decrypts and
renders replies: it is what the protocol was checked against (engineering
notes §4).
"""

from __future__ import annotations

import hmac
import re
import struct
from dataclasses import dataclass
from typing import Mapping
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from bot.core import texts
from bot.errors import MalformedMessage, WrongSignature
from bot.messages import Incoming, Reply

PLATFORM = "wechat"
#: One WeChat text message. Its limit is usually given as 2048 bytes of UTF-8 (engineering notes §4 name none),
#: so parts stay under 2000 bytes, and under 600 characters: about one screen on a small phone.
PART_LIMIT = 600
MAX_BYTES = 2000
CHOICE_HINT = {lang: texts.text("wechat_choice_hint", lang) for lang in ("zh", "en")}
CUT_SHORT = texts.text("wechat_cut_short", "zh")  # the cut is made without knowing the villager's language
#: WeChat message types and the core's content kinds; anything else is "other".
CONTENT = {"text": "text", "voice": "voice", "image": "photo", "location": "location", "video": "video",
           "shortvideo": "video", "link": "other", "file": "document"}
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_NUMBERED = re.compile(r"^\d+[.．、)]\s*")  # a label the core already numbered ("1. 是")
_CJK = re.compile(r"[\u3400-\u9fff]")


def signed(token: str, query: Mapping[str, str]) -> bool:
    """WeChat's signature: SHA1 of token, timestamp and nonce sorted (wechatpy's signer), compared in constant time."""
    signature, timestamp, nonce = query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
    if not (signature and timestamp and nonce):
        return False
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return hmac.compare_digest(signer.signature, signature)


def open_push(token: str, crypto: WeChatCrypto | None, query: Mapping[str, str], body: bytes) -> WeChatMessage:
    """The message in a push, checked before anything is done with it; safe mode (encrypt_type=aes) decrypted."""
    if not signed(token, query):
        raise WrongSignature("signature")
    if query.get("encrypt_type") != "aes":
        return read_message(body)
    if crypto is None:
        raise MalformedMessage("an encrypted message, but MINGBAI_WECHAT_AES_KEY is not set")
    try:
        xml = crypto.decrypt_message(body, query.get("msg_signature", ""), query.get("timestamp", ""),
                                     query.get("nonce", ""))
    except InvalidSignatureException as error:
        raise WrongSignature("msg_signature") from error
    except (InvalidAppIdException, ExpatError, KeyError, TypeError, ValueError, IndexError, struct.error) as error:
        raise MalformedMessage(f"cannot decrypt: {type(error).__name__}") from error  # what a damaged body raises
    return read_message(xml)


@dataclass(frozen=True)
class WeChatMessage:
    """The fields of a pushed message that mingbai uses; WeChat sends more."""

    open_id: str  # FromUserName: the villager
    account: str  # ToUserName: our official account (gh_...)
    kind: str  # MsgType, lower case: text, voice, image, event, ...
    created: int  # CreateTime, seconds
    msg_id: str = ""  # MsgId; events have none
    event: str = ""  # Event, lower case, for kind "event"
    text: str = ""  # Content of a text message, Recognition of a voice message

    @property
    def key(self) -> str:
        """The id WeChat repeats when it retries: MsgId for messages, FromUserName + CreateTime for events (§4.3)."""
        return self.msg_id or f"{self.kind}:{self.open_id}:{self.created}"


def read_message(xml: str | bytes) -> WeChatMessage:
    """Parse and check a pushed message up front, so a broken body is a 400 and never an exception later.

    xmltodict (what wechatpy parses with) refuses entity declarations, so a
    "billion laughs" body is malformed too.
    """
    try:
        fields = xmltodict.parse(xml)["xml"]
        message = WeChatMessage(
            open_id=fields["FromUserName"], account=fields["ToUserName"], kind=fields["MsgType"].lower(),
            created=int(fields["CreateTime"]), msg_id=fields.get("MsgId") or "",
            event=(fields.get("Event") or "").lower(),
            text=fields.get("Content") or fields.get("Recognition") or "",
        )
    except (ExpatError, TypeError, KeyError, ValueError, AttributeError, UnicodeDecodeError) as error:
        raise MalformedMessage(f"{type(error).__name__}: {error}") from error
    if not all(isinstance(value, str) for value in (message.open_id, message.account, message.msg_id, message.text)):
        raise MalformedMessage("a field holds XML elements instead of text")
    if not message.open_id or not message.account:
        raise MalformedMessage("FromUserName or ToUserName is empty")
    return message


@dataclass(frozen=True)
class Understood:
    """What a WeChat message means: something for the core, a change of subscription, or nothing."""

    incoming: Incoming | None = None
    heard: str | None = None  # voice recognised by WeChat, shown back so a misheard question is noticed
    wrote: bool = False  # the villager wrote to us: the 48-hour window for the customer-service API opens
    subscribed: bool | None = None  # True: followed the account; False: unfollowed


def understand(message: WeChatMessage) -> Understood:
    if message.kind == "event":
        if message.event == "subscribe":  # directly, or by scanning our QR code (EventKey qrscene_...)
            return Understood(Incoming(PLATFORM, message.open_id, text="/start", message_id=message.key),
                              subscribed=True)
        if message.event == "unsubscribe":
            return Understood(subscribed=False)
        return Understood()  # menu clicks, scans by followers, template receipts: nothing to say
    kind = CONTENT.get(message.kind, "other")
    text = (message.text.strip() or None) if kind in ("text", "voice") else None
    incoming = Incoming(PLATFORM, message.open_id, text=text, content=kind, message_id=message.key)
    return Understood(incoming, heard=text if kind == "voice" else None, wrote=True)


# --- out ------------------------------------------------------------------------------------


def plain(text: str) -> str:
    """WeChat shows `**` literally, so bold markup is dropped and only the words stay."""
    return _BOLD.sub(r"\1", text).replace("**", "")


def render(replies: tuple[Reply, ...] | list[Reply], heard: str | None = None) -> list[str]:
    """The messages for one outcome: all replies joined, each choice a numbered line, cut into parts.

    Choices are numbered across all replies, row by row, which is the order the
    core stores them in and presses when a villager answers with a digit. The
    numbers are in 【】 because answers often hold numbered steps of their own.
    """
    if not replies:
        return []
    lang = "zh" if _CJK.search(" ".join(reply.text for reply in replies)) else "en"
    blocks = [texts.text("wechat_voice_heard", lang, text=heard)] if heard else []
    number, hinted = 0, False
    for reply in replies:
        lines = [plain(reply.text).strip()]
        buttons = reply.all_buttons()
        if buttons and not hinted:
            lines.append(CHOICE_HINT[lang])
            hinted = True
        for button in buttons:
            number += 1
            lines.append(f"【{number}】{_NUMBERED.sub('', plain(button.label))}")
        blocks.append("\n".join(line for line in lines if line))
    return split("\n\n".join(blocks))


def split(text: str) -> list[str]:
    """Cut at paragraph breaks, else line breaks, else anywhere, so that every part `fits`."""
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        for piece in _pieces(paragraph):
            joined = f"{current}\n\n{piece}" if current else piece
            if fits(joined):
                current = joined
            else:
                parts.append(current)
                current = piece
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def fits(text: str) -> bool:
    return len(text) <= PART_LIMIT and len(text.encode("utf-8")) <= MAX_BYTES


def _pieces(paragraph: str) -> list[str]:
    if fits(paragraph):
        return [paragraph]
    pieces, current = [], ""
    for line in paragraph.split("\n"):
        while not fits(line):
            cut = PART_LIMIT
            while not fits(line[:cut]):
                cut -= 1
            pieces.extend([current, line[:cut]] if current else [line[:cut]])
            current, line = "", line[cut:]
        joined = f"{current}\n{line}" if current else line
        if fits(joined):
            current = joined
        else:
            pieces.append(current)
            current = line
    pieces.append(current)
    return [piece for piece in pieces if piece]


def shortened(messages: list[str]) -> list[str]:
    """One message standing for several, for when only a passive reply can be sent (no AppID/secret)."""
    if len(messages) <= 1:
        return messages
    head = messages[0]
    while head and not fits(f"{head}\n\n{CUT_SHORT}"):
        head = head[:-20]
    return [f"{head}\n\n{CUT_SHORT}"]


def passive_xml(text: str, message: WeChatMessage) -> str:
    """The passive text reply to `message`; a `]]>` in the text would end wechatpy's CDATA early, so it is split."""
    content = text.replace("]]>", "]]]]><![CDATA[>")
    return TextReply(source=message.account, target=message.open_id, content=content).render()

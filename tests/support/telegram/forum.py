"""Forum topics and group membership for `tests.fake_telegram.FakeTelegram`, with Telegram's refusals.

Every supergroup is a forum unless a test calls `no_topics(chat)`, as when an admin never turned topics on
(createForumTopic then answers "the chat is not a forum"). People act on topics by hand with `delete_topic`
and `close_topic`; sending into a deleted topic answers "message thread not found", into a closed one
"TOPIC_CLOSED". Members are set with `set_member`; getChatMember answers "left" for anyone else.
"""

from __future__ import annotations

import time
from collections import defaultdict

from tests.support.telegram.api import ProtocolError

ADMIN_RIGHTS = {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
                "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                "can_edit_stories": False, "can_delete_stories": False, "can_manage_topics": True}


class ForumMethods:
    """Mixed into FakeTelegram before BotApiMethods; `_init_forum` sets up its state."""

    def _init_forum(self) -> None:
        self.topics: dict[int, dict[int, dict]] = defaultdict(dict)  # chat -> thread id -> name, icon, closed
        self.members: dict[tuple[int, int], str] = {}
        self._not_forums: set[int] = set()

    # --- what people do ---------------------------------------------------------------------

    def no_topics(self, chat_id: int) -> None:
        self._not_forums.add(chat_id)

    def set_member(self, chat_id: int, user_id: int, status: str = "member") -> None:
        self.members[(chat_id, user_id)] = status

    def delete_topic(self, chat_id: int, thread: int) -> None:
        """An admin deletes a topic by hand: it goes, with every message in it."""
        del self.topics[chat_id][thread]
        self._messages[chat_id] = [m for m in self._messages[chat_id] if m.get("message_thread_id") != thread]

    def close_topic(self, chat_id: int, thread: int) -> None:
        self.topics[chat_id][thread]["closed"] = True

    def topic_messages(self, chat_id: int, thread: int) -> list[dict]:
        return [m for m in self._messages[chat_id] if m.get("message_thread_id") == thread]

    def push_in_topic(self, chat_id: int, thread: int, user: dict, **fields) -> dict:
        """A member writes in a topic. Like Telegram, the message 'replies' to the topic's creation message."""
        created = {"message_id": thread, "date": int(time.time()), "chat": self._chat(chat_id),
                   "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
                   "message_thread_id": thread, "is_topic_message": True,
                   "forum_topic_created": {"name": self.topics[chat_id].get(thread, {}).get("name", "?"),
                                           "icon_color": 0x6FB9F0}}
        if "text" in fields:
            return self.push_text(chat_id, fields.pop("text"), user, message_thread_id=thread, is_topic_message=True,
                                  reply_to_message=created, **fields)
        return self.push_update({"message": self.message(chat_id, user, message_thread_id=thread,
                                                         is_topic_message=True, reply_to_message=created, **fields)})

    # --- the Bot API ------------------------------------------------------------------------

    async def api_createForumTopic(self, chat_id: int, name: str, icon_color: int = 0x6FB9F0, **_):
        if chat_id > 0 or chat_id in self._not_forums:
            raise ProtocolError(400, "Bad Request: the chat is not a forum")
        if not 1 <= len(name) <= 128:
            raise ProtocolError(400, f"Bad Request: TOPIC_TITLE_{'INVALID' if name else 'EMPTY'}")
        thread = next(self._message_ids)  # a topic's id is the id of the service message that opens it
        self.topics[chat_id][thread] = {"name": name, "icon_color": icon_color, "closed": False}
        return {"message_thread_id": thread, "name": name, "icon_color": icon_color}

    async def api_editForumTopic(self, chat_id: int, message_thread_id: int, name: str | None = None, **_):
        topic = self._topic(chat_id, message_thread_id)
        if name is None or name == topic["name"]:
            raise ProtocolError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["name"] = name
        return True

    async def api_closeForumTopic(self, chat_id: int, message_thread_id: int, **_):
        return self._set_closed(chat_id, message_thread_id, True)

    async def api_reopenForumTopic(self, chat_id: int, message_thread_id: int, **_):
        return self._set_closed(chat_id, message_thread_id, False)

    async def api_deleteForumTopic(self, chat_id: int, message_thread_id: int, **_):
        self._topic(chat_id, message_thread_id)
        self.delete_topic(chat_id, message_thread_id)
        return True

    async def api_getChatMember(self, chat_id: int, user_id: int, **_):
        status = self.members.get((chat_id, user_id), "left")
        member = {"status": status, "user": self.user(user_id, f"user{user_id}")}
        if status == "administrator":
            member.update(ADMIN_RIGHTS)
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    # --- shared -----------------------------------------------------------------------------

    async def _post(self, chat_id: int, fields: dict, reply_markup, params: dict) -> dict:
        """Refuse what Telegram refuses in topics, and show a reply as a reply."""
        thread = params.get("message_thread_id")
        if thread and chat_id < 0:
            topic = self._topic(chat_id, thread)
            if topic["closed"]:
                raise ProtocolError(400, "Bad Request: TOPIC_CLOSED")
        reply = params.get("reply_parameters")
        if reply:
            quoted = next((m for m in self._messages[chat_id] if m["message_id"] == reply["message_id"]), None)
            if quoted is None and not reply.get("allow_sending_without_reply"):
                raise ProtocolError(400, "Bad Request: message to be replied not found")
            fields = {**fields, "reply_to_message": {k: v for k, v in (quoted or {}).items() if k != "reply_to_message"}
                      } if quoted else fields
        return await super()._post(chat_id, fields, reply_markup, params)

    def _topic(self, chat_id: int, thread: int) -> dict:
        topic = self.topics[chat_id].get(thread)
        if topic is None:
            raise ProtocolError(400, "Bad Request: message thread not found")
        return topic

    def _set_closed(self, chat_id: int, thread: int, closed: bool) -> bool:
        topic = self._topic(chat_id, thread)
        if topic["closed"] == closed:
            raise ProtocolError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["closed"] = closed
        return True

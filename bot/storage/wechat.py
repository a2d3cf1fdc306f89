"""What the WeChat channel shares between processes: the access token (`wechat_tokens`) and the nonces of
recent pushes (`wechat_nonces`).

WeChat hands out one live access token per account: a process fetching its own would invalidate the others',
so the token is kept here, and one process at a time decides to fetch a new one (`lock_token`, inside a
transaction). A replayed push could reach another process than the one that saw it first, so the replay guard
remembers nonces here too. The rules (when a token is stale, how long a nonce is kept) are the channel's
(`bot.channels.wechat.api`, `bot.channels.wechat.replay`); this store keeps rows.

Neither table holds villager data: a token is the account's, and a nonce row is WeChat's random nonce with a
SHA-256 digest of the push, kept only minutes (`forget_nonces_before`) and not readable as the message, so
/forget and export have nothing to do here.
"""

from __future__ import annotations

from bot.storage.tables import Tables


class WeChatStore(Tables):
    """The shared access token per AppID, and the nonces seen."""

    # --- the access token ---------------------------------------------------------------------

    def lock_token(self, app_id: str) -> None:
        """Inside the caller's transaction, first: wait until no other process is deciding about this AppID's
        token, and keep the decision until the transaction ends."""
        self.db.lock(f"wechat.token:{app_id}")

    def token(self, app_id: str) -> dict | None:
        """The row of the AppID's token: token (None while none was fetched), expires_at, and refreshing_until
        (until when a process that took the refresh is expected to write the new one; 0 when none is)."""
        return self.db.row("select token, expires_at, refreshing_until from wechat_tokens where app_id = ?",
                           [app_id])

    def start_refresh(self, app_id: str, until: float) -> None:
        """This process fetches the new token; the others wait for it until `until`."""
        self.db.upsert("wechat_tokens", {"app_id": app_id, "refreshing_until": until}, key=("app_id",))

    def end_refresh(self, app_id: str) -> None:
        """The fetch failed: another process may try at once."""
        self.db.execute("update wechat_tokens set refreshing_until = 0 where app_id = ?", [app_id])

    def save_token(self, app_id: str, token: str, expires_at: float) -> None:
        """The new token, for every process; the refresh is over."""
        self.db.upsert("wechat_tokens", {"app_id": app_id, "token": token, "expires_at": expires_at,
                                         "refreshing_until": 0}, key=("app_id",))

    def drop_token(self, app_id: str, token: str) -> None:
        """WeChat refused `token` as stale: the next call fetches a new one, unless another process already
        replaced it."""
        self.db.execute("update wechat_tokens set expires_at = 0 where app_id = ? and token = ?", [app_id, token])

    # --- nonces of recent pushes ------------------------------------------------------------------

    def first_digest(self, nonce: str, digest: str, at: float) -> str:
        """The digest of the first push seen under `nonce`: `digest` itself when this is the first."""
        with self.db.transaction():
            self.db.execute("insert into wechat_nonces (nonce, digest, seen_at) values (?, ?, ?) "
                            "on conflict do nothing", [nonce, digest, at])
            return self.db.value("select digest from wechat_nonces where nonce = ?", [nonce])

    def forget_nonces_before(self, moment: float) -> int:
        """Delete the nonces seen before `moment`; how many went."""
        return self.db.execute("delete from wechat_nonces where seen_at < ?", [moment])

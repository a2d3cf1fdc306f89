"""The WeChat Official Account channel: signed XML callbacks in, customer-service messages out; `bot.app`
mounts it with `setup_wechat`."""

from bot.channels.wechat.channel import setup_wechat

__all__ = ["setup_wechat"]

"""The WeChat Official Account channel: signed XML callbacks in, customer-service messages out; `bot.app`
mounts it with `setup_wechat` (one channel per Official Account: the default one and each county's own, described
by `WeChatSettings`) and delivers through `wechat_sender`."""

from bot.channels.wechat.channel import WeChatSettings, setup_wechat, wechat_sender

__all__ = ["WeChatSettings", "setup_wechat", "wechat_sender"]

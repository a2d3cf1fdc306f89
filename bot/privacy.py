"""Keeping villagers' identifying numbers out of storage and logs.

Phone, ID-card and bank-card numbers are replaced before a message is stored,
so a database copy or an adviser's screen never carries them in full.
"""

from __future__ import annotations

import logging
import re

# Order matters: an 18-character ID number contains a run that looks like a phone number.
_PATTERNS = (
    (re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"), "[身份证号]"),
    (re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)"), "[银行卡号]"),
    (re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"), "[手机号]"),
)


def redact(text: str) -> str:
    """`text` with phone, ID-card and bank-card numbers replaced by placeholders.

    >>> redact("我电话13812345678，卡号6222 0212 3456 7890 123")
    '我电话[手机号]，卡号[银行卡号]'
    """
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks phone, ID-card and bank-card numbers in every log record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True

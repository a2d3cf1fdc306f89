"""The Telegram channel: PTB's Application for villagers, and (in `advisers/`) the advisers' group."""

import os

# PTB 22 gives time periods such as RetryAfter.retry_after as an int with a PTBDeprecationWarning, and as a
# datetime.timedelta (what they become in PTB 23) once PTB_TIMEDELTA is set: mingbai reads the timedelta. Set
# before any PTB object is made, since RetryAfter reads its own value when it is created.
os.environ.setdefault("PTB_TIMEDELTA", "1")

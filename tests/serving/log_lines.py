"""The shape of a log line (config/logs.py): asctime (ISO 8601 with milliseconds and offset), level, logger,
process id, message."""

import re

LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+ \d+ .*")

"""Django's zh-hans formats with ISO dates first.

Django fills a date field with the first input format, zh-hans's ``2024/03/31``; an ``<input type="date">``
takes only ``2024-03-31`` and shows anything else as blank, so every date a form filled in was lost.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]

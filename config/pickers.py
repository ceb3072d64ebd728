"""Searchable pickers: ``<select>``s that static/js/picker.js turns into a box matching what a clerk types
against a name, its pinyin initials (``ytrm`` → 酉阳土家族苗族自治县人民医院) or its code.

The pinyin is computed here, on the server, and sent in each option's ``data-search``: the browser needs no
dictionary. A picker with ``data-picker-url`` holds only the chosen option and asks the server for matches
(households: a county has hundreds of thousands, a page cannot list them)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

from django import forms

_NOT_SEARCHED = re.compile(r"[^0-9a-z]")


@functools.lru_cache(maxsize=8192)
def pinyin_keys(text: str) -> str:
    """``"yytjzmzzzxrmyy youyangtujiazu…"``: the pinyin initials, then the whole pinyin, without tones.

    Other characters (digits, Latin letters) are kept as they are in both."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a quarter of a second to load

    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    whole = "".join(lazy_pinyin(text)).lower()
    return f"{_NOT_SEARCHED.sub('', initials)} {_NOT_SEARCHED.sub('', whole)}"


def pinyin_order(text: str) -> tuple[str, str]:
    """A sort key putting names in pinyin order (as a printed county directory does), then by the name."""
    return pinyin_keys(text).split(" ")[1], text


class PickerSelect(forms.Select):
    """A ``<select>`` whose options carry their search keys; ``extra(value)`` adds words (a code) to them."""

    def __init__(self, attrs=None, choices=(), *, extra: Callable[[object], str] | None = None,
                 placeholder: str = "输入名称、拼音首字母或编码"):
        super().__init__({"data-picker": "", "data-picker-placeholder": placeholder, **(attrs or {})}, choices)
        self.extra = extra

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value not in ("", None):
            words = [pinyin_keys(str(label))]
            if self.extra:
                words.append(self.extra(value).lower())
            option["attrs"]["data-search"] = " ".join(word for word in words if word)
        return option


class PinyinChoiceIterator(forms.models.ModelChoiceIterator):
    """A model field's choices in pinyin order of their labels (the queryset's own order is by code or id)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        objects = self.queryset if self.queryset._prefetch_related_lookups else self.queryset.iterator()
        for obj in sorted(objects, key=lambda obj: pinyin_order(self.field.label_from_instance(obj))):
            yield self.choice(obj)


class PinyinModelChoiceField(forms.ModelChoiceField):
    iterator = PinyinChoiceIterator


class RemotePickerSelect(forms.Select):
    """A ``<select>`` holding only the chosen object: the picker fetches matches from ``url`` (``?q=``)."""

    def __init__(self, url: str, attrs=None, *, placeholder: str):
        super().__init__({"data-picker": "", "data-picker-url": url, "data-picker-placeholder": placeholder,
                          **(attrs or {})})

    def optgroups(self, name, value, attrs=None):
        everything = self.choices  # the field's iterator: never read whole
        field = everything.field
        chosen = [v for v in value if v not in ("", None)]
        objects = field.queryset.filter(pk__in=chosen) if chosen else []
        self.choices = [("", field.empty_label or "")] + [(obj.pk, field.label_from_instance(obj)) for obj in objects]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = everything


def picker_results(items: Iterable[tuple[object, str]]) -> dict:
    """The answer a remote picker expects: ``{"results": [{"value": …, "label": …}, …]}``."""
    return {"results": [{"value": str(value), "label": label} for value, label in items]}

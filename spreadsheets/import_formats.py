"""The admin's imports (django-import-export) read files through the same bounded reader as every other import.

The library's own formats parse with openpyxl, xlrd and the csv module, with no limit: a zip bomb
through the admin kept a core busy for more than ten minutes. ``Spreadsheet`` is the one import
format (``IMPORT_FORMATS``): xlsx, xls or csv told by content, within ``spreadsheets.limits``; the
first row is the header, and cells arrive as text (so that ID numbers stay text), except true/false.
"""

from __future__ import annotations

import tablib
from django import forms
from import_export.formats.base_formats import Format
from import_export.forms import ImportForm

from spreadsheets.errors import SpreadsheetError
from spreadsheets.formats import check_file, sheet_rows
from spreadsheets.limits import Limits
from spreadsheets.reading import cell_text

UPLOADED = "上传的文件.xlsx"  # the library passes bytes without their name; content decides the format anyway


class Spreadsheet(Format):
    def __init__(self, encoding=None):
        self.encoding = encoding  # the library passes one; the reader tells UTF-8 from GBK itself

    def get_title(self):
        return "表格（xlsx / xls / csv）"

    def can_import(self):
        return True

    def get_extension(self):
        return "xlsx"

    def create_dataset(self, in_stream):
        rows = [row for row in sheet_rows(bytes(in_stream), UPLOADED, Limits.from_settings()) if _filled(row)]
        if not rows:
            return tablib.Dataset()
        dataset = tablib.Dataset(headers=[cell_text(value) for value in rows[0]])
        width = len(dataset.headers)
        for row in rows[1:]:
            values = [value if type(value) is bool else cell_text(value) for value in row[:width]]
            dataset.append(values + [""] * (width - len(values)))
        return dataset


def _filled(row) -> bool:
    return any(value not in (None, "") for value in row)


class BoundedImportForm(ImportForm):
    """The admin's import form, refusing a file over the reading limits before the library keeps a copy."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        content = upload.read()
        upload.seek(0)
        try:
            check_file(content, upload.name, Limits.from_settings())
        except SpreadsheetError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload

"""The pages of a list imported as a whole (the contract list, the children's survey, the participation
list): upload → preview (the batch with every row's outcome, nothing else written) → apply or discard →
report, on the same services as the list's import command. Each app describes its list once (``ListImport``)
and takes its pages from ``ListImport.urls``; what is shared below the pages lives in
``spreadsheets.list_batches``."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet, TextChoices
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.models import AccessLog, User
from accounts.services import access_log_record
from beneficiaries.pages import PER_PAGE
from spreadsheets.list_batches import batch_result, error_text

BATCHES_PER_PAGE = 20


class Counts(dict):
    """A batch's summary read by a sentence: an outcome the batch has no row of counts 0."""

    def __missing__(self, key):
        return 0


class ListFileForm(forms.Form):
    """The upload form: the list's file, its label and help (the columns) given by the list."""

    file = forms.FileField()

    def __init__(self, *args, label: str, help_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label, self.fields["file"].help_text = label, help_text


def row_outcomes(row: dict) -> Collection[str]:
    """A preview row's outcomes: one (``outcome``) in most lists, several (``outcomes``) where a row does two
    things at once (the participation list: a project and a labour capacity)."""
    return row["outcomes"] if "outcomes" in row else (row["outcome"],)


@dataclass(frozen=True)
class ListImport:
    """One imported list and the words its pages use. The sentences ``done`` and ``asked`` are format strings
    over the batch's summary (``{new}`` …; ``asked`` also gets ``{pk}`` and ``{done}``)."""

    namespace: str  # the URL namespace, whose names are batches, batch_upload, batch, batch_apply …
    template: str  # the key of the list's blank template (config.import_templates)
    detail_template: str  # extends _list_batch_detail.html with the list's columns
    file_label: str  # 签约名单文件（xlsx / xls / csv）
    columns: str  # the upload form's help: the columns the file has
    visible_to: Callable[[User], QuerySet]
    upload: Callable  # (user=, file_name=, content=) → batch
    apply: Callable  # (user=, batch=) → batch
    discard: Callable  # (user=, batch=)
    report_write: Callable  # (buffer, batch, mask_ids=) → rows written
    outcomes: type[TextChoices]
    first_tab: tuple  # the outcome a batch opens on: the first of these it has rows of (else NEW)
    view_permission: str
    upload_permission: str
    title: str  # 家庭医生签约名单
    noun: str  # 签约名单
    whole: str  # what the file is called in a sentence (名单有 3 处错误，整份名单不能导入): 名单
    written: str  # what discarding leaves unwritten: 签约
    compared_with: str  # what the rows are compared with again on applying: 登记信息
    list_note: str
    upload_note: str
    done: str  # 新签约 {new} 户，续签 {renewal} 户，已有相同签约跳过 {unchanged} 户
    asked: str  # 确认导入签约名单 #{pk}？将登记新签约 {new} 户 …
    report_name: str  # 签约名单导入报告: the file's name and the access log's words
    report_key: str  # the access log's object: contract-batch-12
    links: tuple[tuple[str, str], ...] = ()  # more buttons on the list page: (URL name, label)

    def urls(self, prefix: str = "") -> list:
        """The six pages under ``prefix``, named as the templates expect."""
        viewer = permission_required(self.view_permission, raise_exception=True)
        uploader = permission_required(self.upload_permission, raise_exception=True)
        return [
            path(prefix, viewer(self.batch_list), name="batches"),
            path(f"{prefix}upload/", uploader(self.batch_upload), name="batch_upload"),
            path(f"{prefix}<int:pk>/", viewer(self.batch_detail), name="batch"),
            path(f"{prefix}<int:pk>/apply/", uploader(require_POST(self.batch_apply)), name="batch_apply"),
            path(f"{prefix}<int:pk>/discard/", uploader(require_POST(self.batch_discard)), name="batch_discard"),
            path(f"{prefix}<int:pk>/report.xlsx", viewer(self.batch_report), name="batch_report"),
        ]

    def _render(self, request, template: str, context: dict):
        return render(request, template, {"list_import": self, **context})

    def _batch(self, request, pk):
        return get_object_or_404(self.visible_to(request.user), pk=pk)

    def _done(self, summary: dict) -> str:
        return self.done.format_map(Counts(summary))

    def batch_list(self, request):
        page = Paginator(self.visible_to(request.user), BATCHES_PER_PAGE).get_page(request.GET.get("page"))
        for batch in page:  # the page holds its batches once read: the counts stay on them
            batch.counts = [(batch.summary or {}).get(outcome.value, "") for outcome in self.outcomes]
        return self._render(request, "_list_batch_list.html", {
            "page": page, "outcomes": list(self.outcomes),
            "can_upload": request.user.has_perm(self.upload_permission)})

    def batch_upload(self, request):
        form = ListFileForm(request.POST or None, request.FILES or None, label=self.file_label,
                            help_text=self.columns)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = self.upload(user=request.user, file_name=upload.name, content=upload.read())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect(f"{self.namespace}:batch", pk=batch.pk)
        return self._render(request, "_list_batch_upload.html", {"form": form})

    def batch_detail(self, request, pk):
        batch = self._batch(request, pk)
        summary = batch.summary or {}
        chosen = request.GET.get("outcome")
        if chosen not in self.outcomes.values:
            chosen = next((outcome.value for outcome in self.first_tab if summary.get(outcome.value)),
                          self.outcomes.NEW.value)
        rows = [row for row in batch.rows if chosen in row_outcomes(row)]
        errors = batch_result(summary, batch.rows, batch=batch)["errors"]
        may_change = batch.status == "previewed" and request.user.has_perm(self.upload_permission)
        done = self._done(summary)
        return self._render(request, self.detail_template, {
            "batch": batch,
            "summary": summary,
            "done_text": done,
            "tabs": [(outcome, summary.get(outcome.value, 0)) for outcome in self.outcomes],
            "chosen": self.outcomes(chosen),
            "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
            "errors": [error_text(error) for error in errors],
            "can_apply": may_change and not errors,
            "can_discard": may_change,
            "apply_question": self.asked.format_map(Counts(summary, pk=batch.pk, done=done)),
        })

    def batch_apply(self, request, pk):
        batch = self._batch(request, pk)
        try:
            batch = self.apply(user=request.user, batch=batch)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"{self.noun} #{batch.pk} 已导入：{self._done(batch.summary)}。")
        return redirect(f"{self.namespace}:batch", pk=batch.pk)

    def batch_discard(self, request, pk):
        batch = self._batch(request, pk)
        try:
            self.discard(user=request.user, batch=batch)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"{self.noun} #{batch.pk} 已放弃，未写入任何{self.written}。")
        return redirect(f"{self.namespace}:batch", pk=batch.pk)

    def batch_report(self, request, pk):
        batch = self._batch(request, pk)
        buffer = io.BytesIO()
        rows = self.report_write(buffer, batch, mask_ids=not request.user.sees_sensitive)
        access_log_record(user=request.user, action=AccessLog.Action.EXPORT,
                          object_id=f"{self.report_key}-batch-{batch.pk}", detail=f"{self.report_name}：{batch}",
                          rows=rows)
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename=f"{self.report_name}-{batch.pk}.xlsx")

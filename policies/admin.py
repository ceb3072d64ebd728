"""Policies in the admin: a policy is edited by saving a new version of its document."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from accounts.adminscope import ScopedInlineMixin, SharedDataAdmin
from policies.models import Policy, PolicyVersion
from policies.selectors import current_version
from policies.services import policy_checked, policy_load
from spreadsheets.errors import SpreadsheetError
from spreadsheets.json_documents import load_json


class VersionInline(ScopedInlineMixin, admin.TabularInline):
    model = PolicyVersion
    fields = ("number", "note", "created_by", "created_at", "digest")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(SharedDataAdmin):
    list_display = ("code", "name", "region_code", "year", "new_version_link")
    list_filter = ("year",)
    search_fields = ("code", "name", "region_code")
    readonly_fields = ("code", "name", "region_code", "year", "until_year")
    inlines = [VersionInline]

    def has_add_permission(self, request):
        return False  # a policy is added by saving its first version

    @admin.display(description="修订")
    def new_version_link(self, obj):
        url = reverse("admin:policies_policyversion_add") + f"?policy={obj.pk}"
        return format_html('<a href="{}">保存新版本</a>', url)


class PolicyVersionForm(forms.ModelForm):
    document = forms.CharField(label="政策文档（JSON）", widget=forms.Textarea(attrs={"rows": 30, "cols": 120}))

    class Meta:
        model = PolicyVersion
        fields = ("document", "note")

    user = None  # the signed-in user, set by the admin's get_form

    def clean_document(self):
        try:
            document = load_json(self.cleaned_data["document"], "政策文档")
        except json.JSONDecodeError as exc:
            raise ValidationError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
        except SpreadsheetError as exc:
            raise ValidationError(str(exc)) from None
        # The service's own rules (spec, role, region inside the area, a code's region unchanged), one
        # error line per offending layer and field, before anything is saved.
        policy_checked(user=self.user, document=document)
        return document


@admin.register(PolicyVersion)
class PolicyVersionAdmin(SharedDataAdmin):
    form = PolicyVersionForm
    list_display = ("policy", "number", "note", "created_by", "created_at")
    list_filter = ("policy__year",)
    search_fields = ("policy__code", "policy__name")

    def get_readonly_fields(self, request, obj=None):
        return ("policy", "number", "document_text", "note", "digest", "created_by", "created_at") if obj else ()

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj else ("document", "note")

    @admin.display(description="政策文档")
    def document_text(self, obj):
        return format_html("<pre data-technical>{}</pre>", json.dumps(obj.document, ensure_ascii=False, indent=1))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_changeform_initial_data(self, request):
        number = request.GET.get("policy", "")
        policy = Policy.objects.filter(pk=number).first() if number.isdigit() else None
        version = current_version(policy) if policy else None
        return {"document": json.dumps(version.document, ensure_ascii=False, indent=1)} if version else {}

    def save_model(self, request, obj, form, change):
        version, _ = policy_load(user=request.user, document=form.cleaned_data["document"],
                                 note=form.cleaned_data["note"])
        obj.pk = version.pk  # the admin redirects to the stored version
        obj.policy, obj.number = version.policy, version.number  # and logs it by name

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

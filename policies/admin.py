"""Policies in the admin: a policy is edited by saving a new version of its document."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from policies.document import PolicyError, parse_policy
from policies.models import Policy, PolicyVersion
from policies.selectors import current_version
from policies.services import policy_load


class VersionInline(admin.TabularInline):
    model = PolicyVersion
    fields = ("number", "note", "created_by", "created_at", "digest")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region_code", "year", "new_version_link")
    list_filter = ("year",)
    search_fields = ("code", "name", "region_code")
    readonly_fields = ("code", "name", "region_code", "year")
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

    def clean_document(self):
        try:
            document = json.loads(self.cleaned_data["document"])
        except json.JSONDecodeError as exc:
            raise ValidationError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
        try:
            parse_policy(document)
        except PolicyError as exc:
            # One error line per offending layer and field.
            raise ValidationError([str(issue) for issue in exc.errors]) from None
        return document


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
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
        return format_html("<pre>{}</pre>", json.dumps(obj.document, ensure_ascii=False, indent=1))

    def get_changeform_initial_data(self, request):
        policy = Policy.objects.filter(pk=request.GET.get("policy")).first()
        version = current_version(policy) if policy else None
        return {"document": json.dumps(version.document, ensure_ascii=False, indent=1)} if version else {}

    def save_model(self, request, obj, form, change):
        version, _ = policy_load(user=request.user, document=form.cleaned_data["document"],
                                 note=form.cleaned_data["note"])
        obj.pk = version.pk  # the admin redirects to the stored version

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

"""Admin screens: user management for administrators, within their own area.

Every admin of the project derives from one of the bases in ``accounts.adminscope`` (area-scoped,
shared reference data, or restricted); the third-party admins (django-axes, django-tasks-db) are
registered again here on those bases, and ``admin_scoping_check`` refuses to start otherwise.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin
from axes.admin import AccessLogAdmin as AxesAccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core import checks
from django.core.exceptions import ValidationError
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from import_export.admin import ExportMixin, ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import AreaScopedAdmin, RestrictedAdmin, ScopedAdminBase, ScopedChoicesMixin
from accounts.models import AccessLog, User
from accounts.services import user_save


@admin.register(User)
class UserAdmin(AreaScopedAdmin, DjangoUserAdmin):
    area_lookup = "area__code"
    list_display = ("username", "first_name", "role", "area", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "unit")
    autocomplete_fields = ("area",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        # The name in one field (姓名, first_name) as the product's user pages have it.
        ("个人信息", {"fields": ("first_name", "unit", "phone", "email")}),
        ("角色与区域", {"fields": ("role", "area", "is_active", "user_permissions")}),
        ("登录", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "role", "area", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            # What a role may do comes with the role (accounts/roles.py); only the product's own
            # permissions (查看敏感信息 …, Chinese) are granted one by one, not Django's English
            # add/change/delete/view ones.
            kwargs["queryset"] = Permission.objects.exclude(codename__regex=r"^(add|change|delete|view)_")
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["label"] = "单独授予的权限"
            kwargs["help_text"] = ("角色已带有它的全部权限；这里只在角色之外单独授予，"
                                   "如查询用户查看完整身份证号。")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs.setdefault("error_messages", {"invalid_choice": "只能把用户分配到您自己的管辖区域之内。"})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        actor = request.user

        class ScopedForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "password" in self.fields:  # the hash's algorithm and salt: technical, shown as they are
                    self.fields["password"].widget.attrs["data-technical"] = ""

            def clean_area(self):
                area = self.cleaned_data.get("area")
                if area is None and actor.area_id:
                    raise ValidationError("请选择管辖区域。")
                if area is not None and not actor.can_see_code(area.code):
                    raise ValidationError("只能把用户分配到您自己的管辖区域之内。")
                return area

        return ScopedForm

    def has_change_permission(self, request, obj=None):
        # A partner's account is shown, never changed here (accounts.services.PARTNER_ACCOUNT).
        partner_account = obj is not None and User.objects.filter(pk=obj.pk, partner__isnull=False).exists()
        return super().has_change_permission(request, obj) and not partner_account

    def save_model(self, request, obj, form, change):
        user_save(actor=request.user, user=obj)


@admin.register(AccessLog)
class AccessLogAdmin(AreaScopedAdmin):
    area_lookup = "user__area__code"
    list_display = ("at", "user", "action", "object_id", "rows", "detail")
    list_filter = ("action",)
    search_fields = ("user__username", "object_id", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Groups are not used (roles live in code, accounts/roles.py); an editable group would let one
# township's administrator grant permissions to users of every township.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class UsernameScopedAdmin(AreaScopedAdmin):
    """django-axes records name a user only by user name: scoped through that user's area.

    Attempts under a user name that belongs to no user are seen only by users without an area limit.
    """

    area_lookup = "area__code"

    def _usernames(self, request):
        return AreaScopedAdmin.scope_queryset(self, request, User.objects.all()).values("username")

    def scope_queryset(self, request, queryset):
        if not request.user.area_prefix:
            return queryset
        return queryset.filter(username__in=self._usernames(request))

    def in_area(self, request, obj) -> bool:
        return not request.user.area_prefix or self._usernames(request).filter(username=obj.username).exists()

    def get_actions(self, request):
        # axes' "clean up expired attempts" ignores the selection (and so the area), and fails outside a
        # login request; unlocking is deleting the selected attempts.
        actions = super().get_actions(request)
        actions.pop("cleanup_expired_attempts", None)
        return actions


def _register_again(model, base, third_party_admin):
    if not admin.site.is_registered(model):
        return  # not in the admin at all (e.g. AXES_ENABLE_ADMIN = False)
    admin.site.unregister(model)
    scoped = type(third_party_admin.__name__, (base, third_party_admin), {"__module__": __name__})
    admin.site.register(model, scoped)


_register_again(AccessAttempt, UsernameScopedAdmin, AccessAttemptAdmin)
_register_again(AxesAccessLog, UsernameScopedAdmin, AxesAccessLogAdmin)
_register_again(AccessFailureLog, UsernameScopedAdmin, AccessFailureLogAdmin)
_register_again(DBTaskResult, RestrictedAdmin, DBTaskResultAdmin)


@checks.register(checks.Tags.admin)
def admin_scoping_check(app_configs=None, **kwargs):
    """Every registered admin (and its inlines) derives from the scoped bases, and puts them first."""
    errors = []
    for model, model_admin in admin.site._registry.items():
        cls = type(model_admin)
        mro = cls.__mro__
        if not isinstance(model_admin, ScopedAdminBase):
            errors.append(checks.Error(
                f"{cls.__qualname__} ({model._meta.label}) must derive from AreaScopedAdmin, SharedDataAdmin "
                "or RestrictedAdmin (accounts.adminscope).", id="accounts.E001"))
            continue
        mixins = [c for c in (ImportMixin, ExportMixin, SimpleHistoryAdmin) if c in mro]
        if mixins and not (mro.index(ScopedAdminBase) < min(map(mro.index, mixins))
                           and max(map(mro.index, mixins)) < mro.index(admin.ModelAdmin)):
            errors.append(checks.Error(
                f"{cls.__qualname__} ({model._meta.label}) must list its scoped base first, then the "
                "import/export and history mixins, then (if needed) admin.ModelAdmin.", id="accounts.E002"))
        if model_admin.raw_id_fields:
            errors.append(checks.Error(
                f"{cls.__qualname__} ({model._meta.label}) uses raw_id_fields, whose labels are not scoped; "
                "use autocomplete_fields.", id="accounts.E003"))
        for inline in model_admin.inlines:
            if not issubclass(inline, ScopedChoicesMixin):
                errors.append(checks.Error(
                    f"{inline.__qualname__} (inline of {model._meta.label}) must derive from "
                    "ScopedInlineMixin.", id="accounts.E004"))
    return errors

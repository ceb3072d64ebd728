"""Admin screens: user management for administrators, within their own area."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from accounts.models import AccessLog, User
from accounts.services import user_save
from regions.codes import area_prefix


class AreaScopedAdmin(admin.ModelAdmin):
    """Limits every list, search, export and object page to rows inside the user's area.

    ``area_lookup`` is the path from the model to a region code (``village__code``,
    ``beneficiary__village__code``, ``area__code``).
    """

    area_lookup = "village__code"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        prefix = area_prefix(request.user.area_id or "")
        return queryset.filter(**{f"{self.area_lookup}__startswith": prefix}) if prefix else queryset


@admin.register(User)
class UserAdmin(AreaScopedAdmin, DjangoUserAdmin):
    area_lookup = "area__code"
    list_display = ("username", "first_name", "role", "area", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "unit")
    autocomplete_fields = ("area",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "unit", "phone", "email")}),
        ("角色与区域", {"fields": ("role", "area", "is_active", "user_permissions")}),
        ("登录", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "role", "area", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("user_permissions",)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        actor = request.user

        class ScopedForm(form):
            def clean_area(self):
                area = self.cleaned_data.get("area")
                if area is None and actor.area_id:
                    raise ValidationError("请选择管辖区域。")
                if area is not None and not actor.can_see_code(area.code):
                    raise ValidationError("只能把用户分配到您自己的管辖区域之内。")
                return area

        return ScopedForm

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

"""The one base every admin screen derives from, so that no admin view crosses the user's area.

Three kinds of admin (docs/decisions.md, "The admin site is scoped at one base"):

* ``AreaScopedAdmin`` – rows that belong to an area (people, households, bills, users, regions, roster
  batches, access logs): every list, object page, history page, historical version, delete, import,
  export and autocomplete sees only the rows inside the user's area; anything outside answers 404.
* ``SharedDataAdmin`` – the county's shared reference tables (categories, insurances, hospitals,
  category aliases, policies): everyone may read them; only users whose area is a county or wider
  may add, change, import or delete, because a change there moves every township's money.
* ``RestrictedAdmin`` – third-party records that cannot be tied to an area (background task results,
  whose arguments and tracebacks may carry anything): only users without an area limit see them.

All three also:

* limit foreign-key and many-to-many choices (selects, autocompletes, list filters) to what the
  user may see, by asking the related model's own admin (``scope_queryset``);
* refuse every POST to django-simple-history's historical-version form (its "revert" saves an old
  copy straight through the form, past the services that check the rules); the view stays read-only;
* write an access-log entry when a full record of a person-related row is opened
  (``person_path``) and for every export, with its row count;
* export text cells with a leading apostrophe when they start with ``= + - @``, tab or CR
  (``spreadsheets.writing.safe_text``), keeping numbers, dates and the data itself intact.

An admin class must put its base first (``class X(AreaScopedAdmin, ImportExportMixin, SimpleHistoryAdmin)``)
so that these overrides run before the third-party mixins; ``admin_scoping_check`` says so at startup.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, unquote
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from import_export import widgets

from spreadsheets.errors import SpreadsheetError
from spreadsheets.import_formats import BoundedImportForm, Spreadsheet
from spreadsheets.writing import safe_text

OUTSIDE_AREA = "不在您的管辖区域内。"

# Widgets whose exported values are numbers, dates or booleans: never prefixed, whatever their sign.
NATIVE_WIDGETS = (
    widgets.NumberWidget,
    widgets.DateWidget,
    widgets.DateTimeWidget,
    widgets.TimeWidget,
    widgets.DurationWidget,
    widgets.BooleanWidget,
)


def covers_county(user) -> bool:
    """Whether the user's area is a county or wider (or unlimited): who may edit shared tables."""
    return len(user.area_prefix) <= 6


def scoping_admin(admin_site, model):
    """The registered admin that decides which rows of ``model`` a user may see, if any."""
    model_admin = admin_site._registry.get(model)
    return model_admin if isinstance(model_admin, ScopedAdminBase) else None


def export_value(field, value):
    """One exported cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and not isinstance(getattr(field, "widget", None), NATIVE_WIDGETS):
        return safe_text(value)
    return value


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to the rows the related model's admin lets the user see.

    ``get_field_queryset`` feeds both the widgets (select options, the selected value of an
    autocomplete) and the form fields' validation, so a row outside the area can be neither shown
    nor chosen.
    """

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        related_admin = scoping_admin(self.admin_site, db_field.remote_field.model)
        if related_admin is None:
            return queryset
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return related_admin.scope_queryset(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if scoping_admin(self.admin_site, db_field.remote_field.model) is not None:
            message = f"所选{db_field.verbose_name}{OUTSIDE_AREA}"
            kwargs.setdefault("error_messages", {"invalid_choice": message})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin(ScopedChoicesMixin):
    """For inlines (``class HoldingInline(ScopedInlineMixin, admin.TabularInline)``)."""


class ScopedAdminBase(ScopedChoicesMixin, admin.ModelAdmin):
    """What every admin of the project shares; see the module docstring."""

    #: Attribute path (dotted) from a row to the person it is about, for the access log;
    #: ``None`` for rows that are not about a person. ``"pk"`` for the person itself.
    person_path: str | None = None

    # ------------------------------------------------------------------ scope

    def scope_queryset(self, request, queryset):
        """``queryset`` limited to the rows the user may see."""
        return queryset

    def in_area(self, request, obj) -> bool:
        """Whether ``obj`` (saved, unsaved or a historical copy) lies inside the user's area."""
        return True

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def _in_area_or_new(self, request, obj) -> bool:
        return obj is None or self.in_area(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_area_or_new(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_area_or_new(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_area_or_new(request, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django answers a missing (or out-of-area) object with a redirect; answer plainly instead.
        raise Http404

    def _scoped_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

    def get_list_filter(self, request):
        """A filter on a related area-bound model lists only the related rows of the visible rows."""
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                try:
                    field = get_fields_from_path(self.model, item)[-1]
                except (FieldDoesNotExist, NotRelationField):
                    field = None
                related = field.related_model if field is not None and field.is_relation else None
                if related is not None and scoping_admin(self.admin_site, related):
                    item = (item, admin.RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form refuses an object that its values would put outside the user's area."""
        form = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class InArea(form):
            def _post_clean(self):
                super()._post_clean()
                if not model_admin.in_area(request, self.instance):
                    self.add_error(None, f"该{model_admin.opts.verbose_name}{OUTSIDE_AREA}")

        InArea.__name__ = form.__name__
        return InArea

    def save_model(self, request, obj, form, change):
        if not self.in_area(request, obj):  # the form refuses it first; nothing else may get here
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    # ------------------------------------------------------------------ object pages

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self._scoped_object(request, object_id)
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            self.log_person_view(request, obj, "修改页" if self.has_change_permission(request, obj) else "查看页")
        return response

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the newest historical copy when get_queryset() misses the
        # object, which is exactly an object outside the area: look it up in scope first.
        obj = self._scoped_object(request, object_id)
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            self.log_person_view(request, obj, "变更记录")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history reads the historical row by id with no queryset at all, and saves a POST
        # whatever SIMPLE_HISTORY_REVERT_DISABLED says (the setting only hides the button).
        obj = self._scoped_object(request, object_id)
        if request.method not in ("GET", "HEAD") and not self.history_revert_allowed(request, obj):
            raise PermissionDenied
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if response.status_code == 200:
            self.log_person_view(request, obj, f"历史版本 {version_id}")
        return response

    def history_revert_allowed(self, request, obj) -> bool:
        """Never: a revert is a change made past the services (docs/decisions.md)."""
        return False

    def revert_disabled(self, request, obj=None):
        return not self.history_revert_allowed(request, obj)

    # ------------------------------------------------------------------ access log

    def person_id_of(self, obj) -> str:
        value = obj
        for part in (self.person_path or "").split("."):
            if value is None:
                break
            value = getattr(value, part, None)
        return str(value) if value is not None else f"{self.opts.model_name}:{obj.pk}"

    def log_person_view(self, request, obj, page: str) -> None:
        if self.person_path is None:
            return
        from accounts.models import AccessLog
        from accounts.services import access_log_record

        access_log_record(
            user=request.user,
            action=AccessLog.Action.VIEW_PERSON,
            object_id=self.person_id_of(obj),
            detail=f"管理后台 {self.opts.verbose_name} #{obj.pk} {page}",
        )

    # ------------------------------------------------------------------ django-import-export

    # The file is measured against the reading limits before the library keeps a copy of it, and is
    # read by the same bounded reader as every import (spreadsheets/import_formats.py), whatever its format.
    import_form_class = BoundedImportForm

    def get_import_formats(self):
        return [Spreadsheet]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, SpreadsheetError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def scoped_resource_class(self, resource_class, request):
        """``resource_class`` reading existing rows only inside the area, refusing to save a row outside
        it, and exporting text cells formula-safe."""
        model_admin = self

        class Scoped(resource_class):
            def get_queryset(self):
                return model_admin.scope_queryset(request, super().get_queryset())

            def import_instance(self, instance, row, **kwargs):
                super().import_instance(instance, row, **kwargs)
                if not model_admin.in_area(request, instance):  # said before the model's own validation
                    raise ValidationError(f"该行{OUTSIDE_AREA}")

            def before_save_instance(self, instance, row, **kwargs):
                super().before_save_instance(instance, row, **kwargs)
                if not model_admin.in_area(request, instance):
                    raise ValidationError(f"该行{OUTSIDE_AREA}")

            def export_field(self, field, instance, **kwargs):
                return export_value(field, super().export_field(field, instance, **kwargs))

        Scoped.__name__, Scoped.__qualname__ = resource_class.__name__, resource_class.__qualname__
        Scoped.__module__ = resource_class.__module__
        return Scoped

    def get_import_resource_classes(self, request):
        return [self.scoped_resource_class(c, request)
                for c in super().get_import_resource_classes(request)]

    def get_export_resource_classes(self, request):
        return [self.scoped_resource_class(c, request)
                for c in super().get_export_resource_classes(request)]

    def get_data_for_export(self, request, queryset, **kwargs):
        from accounts.models import AccessLog
        from accounts.services import access_log_record

        data = super().get_data_for_export(request, queryset, **kwargs)
        access_log_record(
            user=request.user,
            action=AccessLog.Action.EXPORT,
            object_id=f"admin:{self.opts.label_lower}",
            detail=f"管理后台导出 {self.opts.verbose_name_plural} {len(data)} 行",
            rows=len(data),
        )
        return data


class AreaScopedAdmin(ScopedAdminBase):
    """Rows inside the user's area only.

    ``area_lookup`` is the path from the model to a region code (``village__code``,
    ``beneficiary__village__code``, ``area__code``, ``code``, ``area_code``).
    """

    area_lookup = "village__code"

    def scope_queryset(self, request, queryset):
        prefix = request.user.area_prefix
        return queryset.filter(**{f"{self.area_lookup}__startswith": prefix}) if prefix else queryset

    def area_code_of(self, obj) -> str | None:
        value = obj
        for part in self.area_lookup.split("__"):
            if value is None:
                return None
            try:
                value = getattr(value, part)
            except (ObjectDoesNotExist, AttributeError):
                return None
        return value if isinstance(value, str) else None

    def in_area(self, request, obj) -> bool:
        prefix = request.user.area_prefix
        if not prefix:
            return True
        code = self.area_code_of(obj)
        return code is not None and code.startswith(prefix)


class ReadOnly:
    """Put after the base (``class X(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin)``): records that change only
    through their services, which check the rules and record who changed what; the admin shows them."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SharedDataAdmin(ScopedAdminBase):
    """The county's shared reference tables: read by everyone, changed only from a county or wider area."""

    def has_add_permission(self, request, *args):
        return covers_county(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return covers_county(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return covers_county(request.user) and super().has_delete_permission(request, obj)

    def has_import_permission(self, request):
        return covers_county(request.user) and super().has_import_permission(request)


class RestrictedAdmin(ScopedAdminBase):
    """Records that cannot be tied to an area: only users without an area limit see them at all."""

    @staticmethod
    def unlimited(request) -> bool:
        return not request.user.area_prefix

    def scope_queryset(self, request, queryset):
        return queryset if self.unlimited(request) else queryset.none()

    def in_area(self, request, obj) -> bool:
        return self.unlimited(request)

    def has_module_permission(self, request):
        return self.unlimited(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.unlimited(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.unlimited(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.unlimited(request) and super().has_delete_permission(request, obj)

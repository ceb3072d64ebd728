/* django-import-export's export page (templates/admin/import_export/export.html): the "select all" box calls
   the package's own onSelectToggleChange (import_export/export_selectable_fields.js), bound here instead of
   by an inline onchange="…", which the Content-Security-Policy refuses. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
      window.onSelectToggleChange(event);
    }
  });
})();

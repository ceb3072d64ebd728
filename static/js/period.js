/* The period of a filter form: only the fields of the chosen kind (year, quarter, month, range) are shown.

   <select data-period-choice>         the kind of period (its option values)
   <… data-period-field="KIND">        a field's wrapper, shown only while KIND is chosen

   Without this script every field stays visible and the server reads those of the chosen kind. A hidden
   field is also disabled, so that the query (and the export made from it) carries only what applies. */
(function () {
  "use strict";

  function show(choice) {
    var form = choice.form;
    if (!form) {
      return;
    }
    form.querySelectorAll("[data-period-field]").forEach(function (wrapper) {
      var applies = wrapper.getAttribute("data-period-field") === choice.value;
      wrapper.hidden = !applies;
      wrapper.querySelectorAll("input, select").forEach(function (input) {
        input.disabled = !applies;
      });
    });
  }

  document.querySelectorAll("select[data-period-choice]").forEach(show);
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-period-choice]")) {
      show(event.target);
    }
  });
})();

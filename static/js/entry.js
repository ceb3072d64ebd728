/* Data entry at the window without the mouse (loaded by the forms that use it, after picker.js).

   form[data-enter-advances]   Enter moves to the next field (as Tab does) and, from the last field before
                               the submit button, submits; in a textarea Enter starts a new line, and Enter
                               on an empty line (or in an empty textarea) moves on. On load the first field
                               the server refused (aria-invalid) takes the focus from the autofocus one.
   [data-show-with="SELECTOR"] shown while SELECTOR matches something in the page (checked again after each
                               htmx swap); its checkboxes are cleared when it is hidden.
   input[data-defaults]        a JSON object "A|B" → value, where A and B are the values of the fields named
                               in data-defaults-from ("year insurance"): when they change the input takes the
                               matching value, unless it was typed by hand. */
(function () {
  "use strict";

  function shown(element) {
    return element.getClientRects().length > 0;
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return !element.disabled && element.tabIndex >= 0 && element.type !== "hidden" &&
        element.tagName !== "FIELDSET" && element.tagName !== "OBJECT" && element.tagName !== "OUTPUT" &&
        shown(element);
    });
  }

  function advance(form, from) {
    var fields = fieldsOf(form);
    var next = fields[fields.indexOf(from) + 1];
    if (!next || (next.type === "submit" && (next.tagName === "BUTTON" || next.tagName === "INPUT"))) {
      form.requestSubmit(next || undefined);
    } else {
      next.focus();
      if (typeof next.select === "function") {  // typing replaces what was proposed (today's date)
        next.select();
      }
    }
  }

  function onEmptyLine(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var after = textarea.value.slice(textarea.selectionEnd);
    return after.trim() === "" && (before === "" || /\n[ \t\u3000]*$/.test(before));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.defaultPrevented || event.isComposing || event.keyCode === 229 ||
        event.ctrlKey || event.altKey || event.metaKey || event.shiftKey) {
      return;
    }
    var field = event.target;
    var form = field.form;
    if (!form || !form.hasAttribute("data-enter-advances")) {
      return;
    }
    if (field.tagName === "BUTTON" || field.type === "submit" || field.tagName === "SUMMARY") {
      return;  // Enter on a button presses it
    }
    if (field.tagName === "TEXTAREA") {
      if (!onEmptyLine(field)) {
        return;
      }
      field.value = field.value.replace(/\s+$/, "");
    }
    event.preventDefault();
    advance(form, field);
  });

  document.addEventListener("picker:taken", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-enter-advances") && event.detail && event.detail.key === "Enter") {
      advance(form, event.target);
    }
  });

  document.querySelectorAll("form[data-enter-advances]").forEach(function (form) {
    var refused = form.querySelector("[aria-invalid=true]:not(.picker-source)");
    if (refused) {
      refused.focus();
    }
  });

  function showWith() {
    document.querySelectorAll("[data-show-with]").forEach(function (element) {
      var visible = document.querySelector(element.getAttribute("data-show-with")) !== null;
      element.hidden = !visible;
      if (!visible) {
        element.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
      }
    });
  }
  document.addEventListener("htmx:afterSettle", showWith);

  document.querySelectorAll("input[data-defaults]").forEach(function (input) {
    var defaults = JSON.parse(input.getAttribute("data-defaults"));
    var form = input.form;
    var names = (input.getAttribute("data-defaults-from") || "").split(" ");
    var byHand = false;
    input.addEventListener("input", function () { byHand = true; });
    function follow() {
      if (byHand) {
        return;
      }
      var key = names.map(function (name) { return form.elements[name] ? form.elements[name].value : ""; }).join("|");
      if (Object.prototype.hasOwnProperty.call(defaults, key)) {
        input.value = defaults[key];
      }
    }
    names.forEach(function (name) {
      var source = form.elements[name];
      if (source) {
        source.addEventListener("change", follow);
        source.addEventListener("input", follow);
      }
    });
  });
})();

/* Behaviour bound by data attributes, so that no page needs inline script: the Content-Security-Policy
   (script-src 'self', docs/decisions.md) refuses onclick="…", onsubmit="…" and javascript: links.
   Loaded with defer on every page of the site (base.html) and on the printable slip.

   data-print                 a button that prints the page
   data-back                  a link that goes back in the history (its href is the fallback)
   data-disable-on-submit     a form whose submit buttons are disabled once it is sent (no double post)
   data-confirm="question"    on a form or its submit button: sent only once the question is answered OK */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-back]");
    if (!target) {
      return;
    }
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // Registered before the listener below, so that a declined form is never disabled.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var asking = event.submitter && event.submitter.hasAttribute("data-confirm") ? event.submitter : form;
    var question = asking.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-disable-on-submit]")) {
      return;
    }
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
  });
})();

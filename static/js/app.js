/* Behaviour bound by data attributes, so that no page needs inline script: the Content-Security-Policy
   (script-src 'self', docs/decisions.md) refuses onclick="…", onsubmit="…" and javascript: links.
   Loaded with defer on every page of the site (base.html) and on the printable slip.

   data-print                 a button that prints the page
   data-back                  a link that goes back in the history (its href is the fallback)
   data-disable-on-submit     a form whose submit buttons are disabled once it is sent (no double post) */
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

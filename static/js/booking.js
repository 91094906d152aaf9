// The booking sheet, My lessons and the detail page: small enhancements on top of HTMX.
// Every page works without this file (the sheet then reloads to show times and prices).
(function () {
  "use strict";

  var SHEET = "booking-sheet";
  var KEPT = "[data-inline-form] input, [data-inline-form] select";

  function inSheet(element) {
    return Boolean(element && element.closest && element.closest("#" + SHEET));
  }

  // Typing a new address, card or child must not re-render the sheet on every field: those
  // inputs are saved when the student books (or adds the child), so their change events stop here.
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-inline-form]")) {
      event.stopPropagation();
    }
  }, true);

  // Enter inside "add a child" adds the child; Enter on a choice does nothing (it would
  // otherwise press the form's first button). Enter in a typed address or card books, as
  // the Book button would.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT" || !inSheet(event.target)) { return; }
    var group = event.target.closest("[data-inline-form]");
    var add = group && group.querySelector("[data-inline-submit]");
    if (add) {
      event.preventDefault();
      add.click();
    } else if (event.target.type === "radio") {
      event.preventDefault();
    }
  });

  // The sheet answers a refused choice with 409/422 and the page to show: swap it in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (inSheet(event.detail.elt) && (status === 409 || status === 422 || status === 429)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    keepTyped(event);
  });

  // A re-render for another choice keeps what was typed in the inline forms (a post
  // answers with them refilled or, once saved, empty, so only GETs keep them).
  var typed = null;
  function keepTyped(event) {
    typed = null;
    if (!inSheet(event.detail.elt) || event.detail.requestConfig.verb !== "get") { return; }
    typed = { values: {}, open: [] };
    document.querySelectorAll(KEPT).forEach(function (input) {
      if (input.id) { typed.values[input.id] = input.value; }
    });
    document.querySelectorAll("#" + SHEET + " details[data-inline-form][open] summary").forEach(function (summary) {
      typed.open.push(summary.textContent);
    });
  }
  document.addEventListener("htmx:afterSettle", function () {
    if (!typed) { return; }
    Object.keys(typed.values).forEach(function (id) {
      var input = document.getElementById(id);
      if (input) { input.value = typed.values[id]; }
    });
    document.querySelectorAll("#" + SHEET + " details[data-inline-form]").forEach(function (details) {
      if (typed.open.indexOf(details.querySelector("summary").textContent) >= 0) { details.open = true; }
    });
    typed = null;
  });

  // One tap books once: the button waits for the answer (the server's idempotency key
  // already makes a second send harmless; this keeps the page honest about it).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !button.hasAttribute("data-confirm")) { return; }
    if (button.getAttribute("aria-disabled") === "true") {
      event.preventDefault();
      return;
    }
    button.setAttribute("aria-disabled", "true");
    button.textContent = "Booking…";
  });

  // "Copy link" for the private calendar feed.
  function enableCopy(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy"));
        var status = document.querySelector("[data-copy-status]");
        navigator.clipboard.writeText(input.value).then(function () {
          if (status) { status.textContent = "Link copied."; }
        }, function () {
          input.select();
          if (status) { status.textContent = "Select the link and copy it."; }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enableCopy(document); });
})();

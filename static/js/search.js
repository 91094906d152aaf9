// Search page enhancements; the page works without this file (every control is a GET link
// or form). With HTMX on, the sort select applies itself, so its button is hidden.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // An open chip editor closes when the visitor taps elsewhere or presses Escape, and
  // focus returns to its chip.
  function closeEditors(except) {
    document.querySelectorAll("details.chip-edit[open]").forEach(function (details) {
      if (details !== except) { details.removeAttribute("open"); }
    });
  }

  document.addEventListener("click", function (event) {
    closeEditors(event.target.closest("details.chip-edit"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details.chip-edit[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  // After HTMX swaps the results, keep keyboard users oriented: focus the results count
  // heading when the swap was triggered from inside the results region.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "search-results") { return; }
    var heading = document.getElementById("results-count") || document.getElementById("relaxed-title");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: false });
    }
  });
})();

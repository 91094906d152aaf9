// Browse pages (category, service, kids service) enhancements; each page works without this
// file (every control is a GET link or form). With HTMX on, the sort select applies itself,
// so its button is hidden. On phones the filter form folds behind a "Filters" button and opens
// as a sheet: a modal dialog that keeps focus inside, closes on Escape, on its Close button and
// when the form is applied, and returns focus to the button. A filter chip's label opens its
// field (in the sheet on phones, in the sidebar on wide screens).
(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var phone = window.matchMedia("(max-width: 899px)");
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  // While the sheet is open everything else is inert: not focusable, not read, not clickable.
  var inerted = [];
  function setOthersInert(panel) {
    for (var node = panel; node && node !== document.body; node = node.parentElement) {
      Array.prototype.forEach.call(node.parentElement.children, function (sibling) {
        if (sibling !== node && !sibling.inert && sibling.tagName !== "SCRIPT") {
          sibling.inert = true;
          inerted.push(sibling);
        }
      });
    }
  }
  function releaseInert() {
    inerted.forEach(function (el) { el.inert = false; });
    inerted = [];
  }

  function sheet() { return document.querySelector("[data-filter-sheet]"); }
  function opener() { return document.querySelector("[data-filter-open]"); }

  function openSheet(focusId) {
    var panel = sheet();
    if (!panel) { return; }
    if (phone.matches) {
      panel.classList.add("is-open");
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-modal", "true");
      panel.setAttribute("aria-labelledby", "filters-title");
      document.body.classList.add("sheet-open");
      setOthersInert(panel);
      var button = opener();
      if (button) { button.setAttribute("aria-expanded", "true"); }
    }
    // The asked field, else the first field (not the Close button before it).
    var target = (focusId && document.getElementById(focusId)) || panel.querySelector("input:not([type=hidden]), select");
    if (target) { target.focus(); }
  }

  function closeSheet(restoreFocus) {
    var panel = sheet();
    if (!panel || !panel.classList.contains("is-open")) { return; }
    panel.classList.remove("is-open");
    panel.removeAttribute("role");
    panel.removeAttribute("aria-modal");
    panel.removeAttribute("aria-labelledby");
    document.body.classList.remove("sheet-open");
    releaseInert();
    var button = opener();
    if (button) {
      button.setAttribute("aria-expanded", "false");
      if (restoreFocus) { button.focus(); }
    }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-filter-open]")) {
      openSheet(null);
      return;
    }
    if (event.target.closest("[data-filter-close]")) {
      closeSheet(true);
      return;
    }
    var edit = event.target.closest("[data-filter-edit]");
    if (edit) {
      event.preventDefault();
      openSheet(edit.getAttribute("data-filter-edit"));
    }
  });

  document.addEventListener("keydown", function (event) {
    var panel = sheet();
    if (!panel || !panel.classList.contains("is-open")) { return; }
    if (event.key === "Escape") {
      event.preventDefault();
      closeSheet(true);
      return;
    }
    if (event.key !== "Tab") { return; }
    // Keep focus inside the open sheet.
    var items = Array.prototype.filter.call(panel.querySelectorAll(FOCUSABLE), function (el) {
      return el.offsetParent !== null;
    });
    if (!items.length) { return; }
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  // Applying the form ("Show instructors") shows the results: the sheet closes.
  document.addEventListener("submit", function (event) {
    if (event.target.closest("[data-filter-sheet]")) { closeSheet(true); }
  });
  // A swap of the whole browse region (a chip removed, filters cleared) replaces the sheet.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "browse") { closeSheet(false); }
  });
  // Growing past the phone width turns the sheet back into the sidebar.
  phone.addEventListener("change", function () { closeSheet(false); });
})();

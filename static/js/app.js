// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Avatar colors derive from the user id so a person keeps one color everywhere.
  function paintAvatars(root) {
    root.querySelectorAll(".avatar[data-hue]").forEach(function (el) {
      var hue = (parseInt(el.dataset.hue, 10) * 47) % 360;
      // 28% lightness keeps white initials at ≥ 4.5:1 contrast for every hue.
      el.style.backgroundColor = "hsl(" + hue + " 55% 28%)";
    });
  }

  // Toasts fade after a few seconds; they stay in the DOM for screen readers' live region.
  function scheduleToasts(root) {
    root.querySelectorAll(".toast:not(.is-hidden)").forEach(function (toast) {
      window.setTimeout(function () { toast.classList.add("is-hidden"); }, 6000);
    });
  }

  // Phones: the signed-in menu opens and closes behind one button.
  function foldMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var header = document.querySelector(".site-header");
    if (!toggle || !header) { return; }
    toggle.hidden = false;
    header.classList.add("has-nav-toggle");
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    paintAvatars(document);
    scheduleToasts(document);
    foldMenu();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    paintAvatars(event.target);
    scheduleToasts(event.target);
  });
})();

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

  document.addEventListener("DOMContentLoaded", function () {
    paintAvatars(document);
    scheduleToasts(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    paintAvatars(event.target);
    scheduleToasts(event.target);
  });
})();

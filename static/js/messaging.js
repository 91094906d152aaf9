// A thread's live part: keep the newest message in view, and keep what is shown when the
// server answers a poll with 304 (nothing changed). Without this file the page still works:
// the form posts and reloads.
(function () {
  "use strict";

  function toBottom() {
    var live = document.getElementById("thread-live");
    if (live) { live.scrollTop = live.scrollHeight; }
  }

  document.addEventListener("DOMContentLoaded", toBottom);
  document.addEventListener("htmx:beforeSwap", function (event) {
    // htmx swaps every 2xx/3xx answer by default; an empty 304 would erase the thread.
    if (event.detail.xhr.status === 304) { event.detail.shouldSwap = false; }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "thread-live" || event.detail.target.id === "thread-live") { toBottom(); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "message-form" && event.detail.successful) { form.reset(); }
  });
})();

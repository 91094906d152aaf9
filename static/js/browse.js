// Browse pages (category, service, kids service) enhancements; each page works without this
// file (every control is a GET link or form). With HTMX on, the sort select applies itself,
// so its button is hidden.
(function () {
  "use strict";

  document.documentElement.classList.add("js");
})();

// Profile picture: choose → crop and zoom (cropperjs) → the new avatar shows at once
// (optimistic) → the original goes to a signed upload URL → finalize with the crop box →
// follow processing → the stored picture replaces the preview, or the old avatar comes back
// with the reason. Without JavaScript the form posts the file and the server crops the
// centered square.
(function () {
  "use strict";

  var MAX_BYTES = 10 * 1024 * 1024;
  var TYPES = ["image/jpeg", "image/png", "image/webp"];
  var POLL_MS = 1000;
  var POLL_LIMIT = 90;
  var MAX_ZOOM = 4; // times the "whole picture fits" scale
  var MOVE_STEP = 10;

  var form = document.getElementById("picture-form");
  if (!form || typeof window.Cropper === "undefined" || typeof window.HTMLDialogElement === "undefined") {
    return;
  }
  var input = form.querySelector('input[type="file"]');
  var dialog = document.getElementById("crop-dialog");
  var image = document.getElementById("crop-image");
  var stage = dialog.querySelector(".crop-stage");
  var zoom = document.getElementById("crop-zoom");
  var statusLine = document.getElementById("picture-status");
  var userId = form.dataset.userId;
  var startUrl = form.dataset.startUrl;
  var csrfToken = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  var cropper = null;
  var chosen = null;
  var fitRatio = 1;

  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.classList.toggle("is-error", Boolean(isError));
  }

  function problemWith(file) {
    if (TYPES.indexOf(file.type) === -1) { return "This file type isn't accepted. Choose a JPEG, PNG or WebP picture."; }
    if (file.size === 0) { return "The file is empty."; }
    if (file.size > MAX_BYTES) { return "This file is larger than 10 MB. Choose a smaller one."; }
    return "";
  }

  // --- Cropping -----------------------------------------------------------------------

  function onReady() {
    var data = cropper.getImageData();
    var longSide = Math.max(data.naturalWidth, data.naturalHeight);
    var shortSide = Math.min(data.naturalWidth, data.naturalHeight);
    if (longSide > 2 * shortSide) {
      dialog.close();
      say("This picture is too long and narrow. Choose one no more than twice as wide as it is tall.", true);
      return;
    }
    fitRatio = data.width / data.naturalWidth;
    zoom.value = "0";
    stage.focus();
  }

  function onZoom(event) {
    var ratio = event.detail.ratio;
    if (ratio < fitRatio * 0.999 || ratio > fitRatio * MAX_ZOOM) {
      event.preventDefault(); // never smaller than the picture, never blurrier than 4×
      return;
    }
    zoom.value = String(Math.round(((ratio / fitRatio - 1) / (MAX_ZOOM - 1)) * 100));
  }

  function openCropper(file) {
    var problem = problemWith(file);
    if (problem) {
      say(problem, true);
      input.value = "";
      return;
    }
    chosen = file;
    say("");
    // A data: URL (not blob:) lets cropperjs read the EXIF orientation without a network
    // request, which the content security policy (connect-src 'self') would refuse.
    var reader = new FileReader();
    reader.onload = function () {
      image.src = String(reader.result);
      dialog.showModal();
      cropper = new window.Cropper(image, {
        aspectRatio: 1, viewMode: 1, dragMode: "move", autoCropArea: 1, background: false,
        toggleDragModeOnDblclick: false, checkOrientation: true, ready: onReady, zoom: onZoom,
      });
    };
    reader.onerror = function () { say("We couldn't read this file. Choose another picture.", true); };
    reader.readAsDataURL(file);
  }

  function closeCropper() {
    if (cropper) { cropper.destroy(); cropper = null; }
    image.removeAttribute("src");
    input.value = "";
  }

  function onStageKey(event) {
    if (!cropper) { return; }
    var moves = { ArrowLeft: [-MOVE_STEP, 0], ArrowRight: [MOVE_STEP, 0], ArrowUp: [0, -MOVE_STEP], ArrowDown: [0, MOVE_STEP] };
    if (moves[event.key]) {
      cropper.move(moves[event.key][0], moves[event.key][1]);
    } else if (event.key === "+" || event.key === "=") {
      cropper.zoom(0.1);
    } else if (event.key === "-") {
      cropper.zoom(-0.1);
    } else {
      return;
    }
    event.preventDefault();
  }

  // --- Avatars on the page ------------------------------------------------------------

  function avatarsOfMe() {
    return Array.prototype.slice.call(document.querySelectorAll('[data-avatar-user="' + userId + '"]'));
  }

  function asImage(el, src) {
    if (el.tagName === "IMG") { el.src = src; return el; }
    var img = document.createElement("img");
    var size = el.dataset.avatarSize || "40";
    img.className = el.className;
    img.width = Number(size);
    img.height = Number(size);
    img.alt = el.getAttribute("aria-label") || "";
    img.src = src;
    img.dataset.avatarUser = userId;
    img.dataset.avatarSize = size;
    el.replaceWith(img);
    return img;
  }

  // Shows `src` in every avatar of the current user; returns how to undo it.
  function showEverywhere(src) {
    var before = avatarsOfMe().map(function (el) { return { copy: el.cloneNode(true), now: asImage(el, src) }; });
    return function undo() {
      before.forEach(function (pair) { pair.now.replaceWith(pair.copy); });
    };
  }

  function showStored(picture) {
    avatarsOfMe().forEach(function (el) {
      el.src = Number(el.dataset.avatarSize) > 100 ? picture.url_400 : picture.url;
    });
  }

  // --- Upload -------------------------------------------------------------------------

  function failure(body, fallback) {
    return new Error(body && body.error && body.error.message ? body.error.message : fallback);
  }

  function api(url, method, payload) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrfToken } };
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) { throw failure(body, "Something went wrong. Try again."); }
        return body;
      });
    });
  }

  function sendBytes(ticket, file) {
    return fetch(ticket.upload_url, { method: ticket.method, body: file }).then(function (response) {
      if (response.ok) { return ticket; }
      return response.json().catch(function () { return null; }).then(function (body) {
        throw failure(body, "The upload didn't go through. Try again.");
      });
    });
  }

  function wait(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

  function follow(state, attempt) {
    if (state.status === "done") { return state.picture; }
    if (state.status === "rejected") { throw new Error(state.message); }
    if (attempt >= POLL_LIMIT) { throw new Error("This is taking longer than usual. Reload the page in a minute."); }
    return wait(POLL_MS)
      .then(function () { return api(startUrl + "/" + state.id, "GET"); })
      .then(function (next) { return follow(next, attempt + 1); });
  }

  function upload(file, box) {
    return api(startUrl, "POST", { kind: "picture", content_type: file.type, size: file.size })
      .then(function (ticket) { return sendBytes(ticket, file); })
      .then(function (ticket) {
        var crop = { x: box.x, y: box.y, width: box.width, height: box.height };
        return api(startUrl + "/" + ticket.id + "/finalize", "POST", { crop: crop });
      })
      .then(function (state) { return follow(state, 0); });
  }

  function save() {
    if (!cropper || !chosen) { return; }
    var box = cropper.getData(true);
    var preview = cropper.getCroppedCanvas({ width: 200, height: 200, imageSmoothingQuality: "high" }).toDataURL("image/png");
    var file = chosen;
    var undo = showEverywhere(preview);
    dialog.close();
    say("Saving your picture…");
    form.setAttribute("aria-busy", "true");
    upload(file, box)
      .then(function (picture) {
        showStored(picture);
        say("Your picture is saved.");
      })
      .catch(function (error) {
        undo();
        say(error.message, true);
      })
      .then(function () { form.removeAttribute("aria-busy"); });
  }

  input.addEventListener("change", function () {
    if (input.files && input.files[0]) { openCropper(input.files[0]); }
  });
  form.addEventListener("submit", function (event) {
    if (input.files && input.files[0]) {
      event.preventDefault();
      openCropper(input.files[0]);
    }
  });
  zoom.addEventListener("input", function () {
    if (cropper) { cropper.zoomTo(fitRatio * (1 + ((MAX_ZOOM - 1) * Number(zoom.value)) / 100)); }
  });
  dialog.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (cropper) { cropper.zoom(button.dataset.zoom === "in" ? 0.1 : -0.1); }
    });
  });
  stage.addEventListener("keydown", onStageKey);
  document.getElementById("crop-save").addEventListener("click", save);
  document.getElementById("crop-cancel").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", closeCropper);
})();

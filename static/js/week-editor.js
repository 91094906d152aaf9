// Week editor for /teach/availability/: one state (7 days × 48 half hours), two views.
// Desktop and tablets paint a grid (pointer drag or keyboard); phones edit a list of time
// ranges per day. Saving is a PUT of the whole week with If-Match; a 409 opens a dialog.
(function () {
  "use strict";

  var DAYS = 7;
  var CELLS = 48;
  var CELL_MINUTES = 30;
  var VISIBLE = [12, 46]; // 06:00–23:00 unless "Show all 24 hours"
  var DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // --- small helpers ---------------------------------------------------------------------

  function minutes(hhmm) {
    var parts = hhmm.split(":");
    return parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10);
  }

  function hhmm(cell) {
    var total = cell * CELL_MINUTES;
    var h = Math.floor(total / 60);
    var m = total % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function timeLabel(cell) {
    var total = (cell * CELL_MINUTES) % 1440;
    var h = Math.floor(total / 60);
    var m = total % 60;
    return (h % 12 || 12) + ":" + (m < 10 ? "0" : "") + m + " " + (h < 12 ? "am" : "pm");
  }

  function dayLabel(iso) {
    var d = new Date(iso + "T12:00:00");
    return DAY_NAMES[d.getDay()] + " " + d.getDate() + " " + MONTHS[d.getMonth()];
  }

  function emptyWeek(value) {
    var week = [];
    for (var d = 0; d < DAYS; d++) {
      week.push([]);
      for (var c = 0; c < CELLS; c++) week[d].push(value);
    }
    return week;
  }

  function copyWeek(week) {
    return week.map(function (day) { return day.slice(); });
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function runsOf(day) {
    var runs = [];
    for (var c = 0; c < CELLS; c++) {
      if (day[c] && (c === 0 || !day[c - 1])) runs.push({ start: c, end: c + 1 });
      else if (day[c]) runs[runs.length - 1].end = c + 1;
    }
    return runs;
  }

  function toast(text, kind) {
    var box = document.querySelector(".toasts");
    if (!box) return;
    var note = element("p", "toast toast-" + (kind || "success"), text);
    box.appendChild(note);
    window.setTimeout(function () { note.classList.add("is-hidden"); }, 6000);
  }

  // --- the editor ------------------------------------------------------------------------

  function Editor(root, data) {
    this.root = root;
    this.urls = data.urls;
    this.csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
    this.grid = root.querySelector("#week-grid");
    this.cellEls = emptyWeek(null);
    this.lists = [];
    this.booked = emptyWeek(null);
    this.gesture = null;
    this.dragging = false;
    this.saving = false;
    this.conflict = null;
    this.showAll = false;
    this.focus = { day: 0, cell: 18 };
    this.status = root.querySelector("#save-status");
    this.alertBox = root.querySelector("#editor-alert");
    this.dialog = document.getElementById("conflict-dialog");
    this.loadWeek(data.week);
    this.setBooked(data.booked);
  }

  Editor.prototype.loadWeek = function (week) {
    this.etag = week.etag;
    this.dates = week.days.map(function (day) { return day.date; });
    this.cells = emptyWeek(false);
    var cells = this.cells;
    week.days.forEach(function (day, d) {
      day.windows.forEach(function (w) {
        for (var c = minutes(w.start) / CELL_MINUTES; c < minutes(w.end) / CELL_MINUTES; c++) cells[d][c] = true;
      });
    });
    this.saved = JSON.stringify(this.cells);
  };

  Editor.prototype.setBooked = function (bookings) {
    var self = this;
    bookings.forEach(function (booking) {
      booking.cells.forEach(function (range) {
        var d = self.dates.indexOf(range.date);
        if (d < 0) return;
        for (var c = minutes(range.start) / CELL_MINUTES; c < minutes(range.end) / CELL_MINUTES; c++) {
          self.booked[d][c] = { label: booking.label, initials: booking.student_initials, first: c === minutes(range.start) / CELL_MINUTES };
        }
      });
    });
  };

  Editor.prototype.start = function () {
    var self = this;
    this.grid.querySelectorAll("td.cell").forEach(function (td) {
      self.cellEls[+td.dataset.day][+td.dataset.cell] = td;
    });
    this.root.querySelectorAll(".range-list").forEach(function (ul, d) { self.lists[d] = ul; });
    this.showAll = this.needsAllHours();
    this.bindGrid();
    this.bindList();
    this.bindActions();
    this.render();
    this.root.dataset.state = "ready";
  };

  Editor.prototype.needsAllHours = function () {
    for (var d = 0; d < DAYS; d++) {
      for (var c = 0; c < CELLS; c++) {
        var outside = c < VISIBLE[0] || c >= VISIBLE[1];
        if (outside && (this.cells[d][c] || this.booked[d][c])) return true;
      }
    }
    return false;
  };

  Editor.prototype.isDirty = function () {
    return JSON.stringify(this.cells) !== this.saved;
  };

  Editor.prototype.rows = function () {
    return this.showAll ? [0, CELLS] : VISIBLE;
  };

  // --- rendering -------------------------------------------------------------------------

  Editor.prototype.render = function () {
    this.grid.classList.toggle("show-all", this.showAll);
    var toggle = this.root.querySelector("[data-action=toggle-hours]");
    toggle.setAttribute("aria-pressed", String(this.showAll));
    toggle.textContent = this.showAll ? "Show 6 am to 11 pm only" : "Show all 24 hours";
    for (var d = 0; d < DAYS; d++) {
      for (var c = 0; c < CELLS; c++) this.renderCell(d, c);
      this.renderList(d);
    }
    this.placeFocus(this.focus.day, this.focus.cell, false);
    this.renderStatus();
  };

  Editor.prototype.renderCell = function (d, c) {
    var td = this.cellEls[d][c];
    var booked = this.booked[d][c];
    td.setAttribute("aria-selected", String(this.cells[d][c]));
    td.classList.toggle("is-open", this.cells[d][c]);
    td.classList.toggle("is-booked", Boolean(booked));
    if (booked) {
      td.setAttribute("aria-readonly", "true");
      td.title = booked.label + " (" + booked.initials + ")";
      td.setAttribute("aria-label", dayLabel(this.dates[d]) + ", " + timeLabel(c) + ", booked: " + td.title);
      td.textContent = booked.first ? booked.initials : "";
    }
  };

  Editor.prototype.renderStatus = function () {
    var dirty = this.isDirty();
    this.status.textContent = dirty ? "You have unsaved changes." : "All changes saved.";
    this.root.classList.toggle("is-dirty", dirty);
    document.querySelectorAll(".dirty-hint").forEach(function (hint) { hint.hidden = !dirty; });
  };

  Editor.prototype.renderList = function (d) {
    var self = this;
    var ul = this.lists[d];
    var label = dayLabel(this.dates[d]);
    ul.textContent = "";
    var runs = runsOf(this.cells[d]);
    runs.forEach(function (run, i) { ul.appendChild(self.rangeItem(d, run, i, label)); });
    var seen = {};
    this.booked[d].forEach(function (booked) {
      if (!booked || seen[booked.label]) return;
      seen[booked.label] = true;
      ul.appendChild(element("li", "range range-booked", "Booked: " + booked.label + " (" + booked.initials + ")"));
    });
    if (!runs.length) ul.appendChild(element("li", "range range-empty muted", "Not available"));
  };

  Editor.prototype.rangeItem = function (d, run, i, dayText) {
    var li = element("li", "range");
    var name = " (" + dayText + ", range " + (i + 1) + ")";
    li.appendChild(this.timeSelect(d, i, "from", name, run.start, 0, CELLS - 1));
    li.appendChild(this.timeSelect(d, i, "to", name, run.end, 1, CELLS));
    var remove = element("button", "btn btn-secondary btn-small", "Remove");
    remove.type = "button";
    remove.dataset.action = "remove-range";
    remove.dataset.day = d;
    remove.dataset.start = run.start;
    remove.dataset.end = run.end;
    remove.appendChild(element("span", "visually-hidden", " " + timeLabel(run.start) + " to " + timeLabel(run.end) + " on " + dayText));
    li.appendChild(remove);
    return li;
  };

  Editor.prototype.timeSelect = function (d, i, which, name, value, first, last) {
    var id = "range-" + d + "-" + i + "-" + which;
    var wrap = element("div", "range-field");
    var label = element("label", "", which === "from" ? "From" : "To");
    label.htmlFor = id;
    label.appendChild(element("span", "visually-hidden", name));
    var select = element("select");
    select.id = id;
    select.dataset.day = d;
    select.dataset.range = i;
    select.dataset.which = which;
    for (var c = first; c <= last; c++) {
      var option = element("option", "", c === CELLS ? "12:00 am (midnight)" : timeLabel(c));
      option.value = c;
      option.selected = c === value;
      select.appendChild(option);
    }
    wrap.appendChild(label);
    wrap.appendChild(select);
    return wrap;
  };

  // --- painting --------------------------------------------------------------------------

  Editor.prototype.startGesture = function (d, c, mode) {
    this.gesture = { day: d, cell: c, mode: mode, snapshot: copyWeek(this.cells) };
    this.extendGesture(d, c);
  };

  // Paint (or erase) the rectangle from the gesture's anchor to (d, c); cells outside it
  // return to how they were when the gesture began. Booked cells never change.
  Editor.prototype.extendGesture = function (d, c) {
    var g = this.gesture;
    var days = [Math.min(g.day, d), Math.max(g.day, d)];
    var cells = [Math.min(g.cell, c), Math.max(g.cell, c)];
    var changedDays = {};
    for (var day = 0; day < DAYS; day++) {
      for (var cell = 0; cell < CELLS; cell++) {
        var inside = day >= days[0] && day <= days[1] && cell >= cells[0] && cell <= cells[1];
        var value = inside && !this.booked[day][cell] ? g.mode : g.snapshot[day][cell];
        if (this.cells[day][cell] !== value) {
          this.cells[day][cell] = value;
          this.renderCell(day, cell);
          changedDays[day] = true;
        }
      }
    }
    for (var key in changedDays) this.renderList(+key);
    this.renderStatus();
  };

  Editor.prototype.placeFocus = function (d, c, move) {
    var rows = this.rows();
    c = Math.min(Math.max(c, rows[0]), rows[1] - 1);
    d = Math.min(Math.max(d, 0), DAYS - 1);
    var current = this.cellEls[this.focus.day][this.focus.cell];
    current.tabIndex = -1;
    this.focus = { day: d, cell: c };
    var next = this.cellEls[d][c];
    next.tabIndex = 0;
    if (move) next.focus();
    return this.focus;
  };

  Editor.prototype.bindGrid = function () {
    var self = this;
    var grid = this.grid;
    var moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

    grid.addEventListener("keydown", function (event) {
      var td = event.target.closest("td.cell");
      if (!td) return;
      var d = +td.dataset.day;
      var c = +td.dataset.cell;
      if (moves[event.key]) {
        event.preventDefault();
        if (event.shiftKey && !self.gesture) self.startGesture(d, c, !self.cells[d][c] || Boolean(self.booked[d][c]));
        if (!event.shiftKey) self.gesture = null;
        var to = self.placeFocus(d + moves[event.key][0], c + moves[event.key][1], true);
        if (event.shiftKey) self.extendGesture(to.day, to.cell);
      } else if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        if (self.booked[d][c]) {
          self.status.textContent = "That half hour is booked, so it stays open.";
          return;
        }
        self.startGesture(d, c, !self.cells[d][c]);
      }
    });

    grid.addEventListener("pointerdown", function (event) {
      var td = event.target.closest("td.cell");
      if (!td || event.button !== 0) return;
      event.preventDefault(); // no text selection, no scrolling: this is a paint stroke
      var d = +td.dataset.day;
      var c = +td.dataset.cell;
      self.placeFocus(d, c, true);
      self.dragging = true;
      grid.setPointerCapture(event.pointerId);
      self.startGesture(d, c, !self.cells[d][c] || Boolean(self.booked[d][c]));
    });

    grid.addEventListener("pointermove", function (event) {
      if (!self.dragging) return;
      // Pointer capture sends every move to the grid: find the cell under the pointer.
      var under = document.elementFromPoint(event.clientX, event.clientY);
      var td = under && under.closest ? under.closest("td.cell") : null;
      if (!td || !grid.contains(td)) return;
      var at = { day: +td.dataset.day, cell: +td.dataset.cell };
      if (at.day === self.focus.day && at.cell === self.focus.cell) return;
      self.placeFocus(at.day, at.cell, false);
      self.extendGesture(at.day, at.cell);
    });

    function endDrag() {
      self.dragging = false;
      self.gesture = null;
    }
    grid.addEventListener("pointerup", endDrag);
    grid.addEventListener("pointercancel", endDrag);
  };

  // --- the phone list --------------------------------------------------------------------

  Editor.prototype.setRange = function (d, start, end, value) {
    for (var c = start; c < end; c++) {
      if (!this.booked[d][c]) this.cells[d][c] = value;
    }
  };

  Editor.prototype.afterListEdit = function (d, focusCell, which) {
    for (var c = 0; c < CELLS; c++) this.renderCell(d, c);
    this.renderList(d);
    this.renderStatus();
    var runs = runsOf(this.cells[d]);
    var index = runs.findIndex(function (run) { return focusCell >= run.start && focusCell < run.end; });
    var target = index >= 0
      ? document.getElementById("range-" + d + "-" + index + "-" + which)
      : this.root.querySelector("[data-action=add-range][data-day='" + d + "']");
    if (target) target.focus();
  };

  Editor.prototype.bindList = function () {
    var self = this;
    this.root.querySelector(".day-list").addEventListener("change", function (event) {
      var select = event.target;
      if (!select.dataset.which) return;
      var d = +select.dataset.day;
      var run = runsOf(self.cells[d])[+select.dataset.range];
      var value = +select.value;
      var start = select.dataset.which === "from" ? value : run.start;
      var end = select.dataset.which === "to" ? value : run.end;
      if (end <= start) {
        if (select.dataset.which === "from") end = Math.min(start + 2, CELLS);
        else start = Math.max(end - 2, 0);
      }
      self.setRange(d, run.start, run.end, false);
      self.setRange(d, start, end, true);
      self.afterListEdit(d, select.dataset.which === "from" ? start : end - 1, select.dataset.which);
    });
    this.root.querySelector(".day-list").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var d = +button.dataset.day;
      if (button.dataset.action === "remove-range") {
        self.setRange(d, +button.dataset.start, +button.dataset.end, false);
        self.afterListEdit(d, -1, "from");
      } else if (button.dataset.action === "add-range") {
        var start = self.freeHour(d);
        if (start < 0) {
          self.status.textContent = "This day is already open all day.";
          return;
        }
        self.setRange(d, start, start + 2, true);
        self.afterListEdit(d, start, "from");
      }
    });
  };

  // Where "Add range" puts a new hour: after the day's last range, else from 9:00 am, else
  // in the first free hour of the day.
  Editor.prototype.freeHour = function (d) {
    var day = this.cells[d];
    var runs = runsOf(day);
    var preferred = runs.length ? runs[runs.length - 1].end : 18;
    var candidates = [preferred];
    for (var c = 0; c < CELLS - 1; c++) candidates.push(c);
    for (var i = 0; i < candidates.length; i++) {
      var s = candidates[i];
      if (s + 2 <= CELLS && !day[s] && !day[s + 1]) return s;
    }
    return -1;
  };

  // --- saving ----------------------------------------------------------------------------

  Editor.prototype.payload = function () {
    var self = this;
    return {
      days: this.dates.map(function (date, d) {
        return {
          date: date,
          windows: runsOf(self.cells[d]).map(function (run) {
            return { start: hhmm(run.start), end: run.end === CELLS ? "24:00" : hhmm(run.end) };
          }),
        };
      }),
    };
  };

  Editor.prototype.request = function (method, url, body, headers) {
    var all = { Accept: "application/json", "X-CSRFToken": this.csrf };
    if (body) all["Content-Type"] = "application/json";
    for (var key in headers || {}) all[key] = headers[key];
    return fetch(url, { method: method, headers: all, credentials: "same-origin", body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          return { status: response.status, body: json, etag: response.headers.get("ETag") };
        });
      });
  };

  Editor.prototype.save = function (ifMatch) {
    var self = this;
    if (this.saving) return;
    this.saving = true;
    this.status.textContent = "Saving…";
    this.hideAlert();
    this.request("PUT", this.urls.week, this.payload(), { "If-Match": ifMatch })
      .then(function (result) { self.afterSave(result); })
      .catch(function () { self.showAlert("We could not reach InstaInstru. Check your connection and save again."); })
      .then(function () { self.saving = false; self.renderStatus(); });
  };

  Editor.prototype.afterSave = function (result) {
    var error = (result.body && result.body.error) || {};
    if (result.status === 200) {
      this.loadWeek(result.body);
      this.render();
      toast("Week saved.");
    } else if (result.status === 409 && error.code === "stale_version") {
      this.conflict = error;
      this.dialog.showModal();
    } else if (result.status === 409 && error.code === "booked_time") {
      this.keepBookedOpen(error.bookings || []);
      this.showAlert(error.message + " We put the booked time back; save again when ready.");
    } else if (result.status === 401 || result.status === 403) {
      this.showAlert("Your session has ended. Log in again in another tab, then save.");
    } else {
      var details = Object.keys(error.fields || {}).map(function (key) { return error.fields[key].join(" "); });
      this.showAlert([error.message || "Saving failed. Try again."].concat(details).join(" "));
    }
  };

  Editor.prototype.keepBookedOpen = function (bookings) {
    this.setBooked(bookings);
    for (var d = 0; d < DAYS; d++) {
      for (var c = 0; c < CELLS; c++) {
        if (this.booked[d][c]) this.cells[d][c] = true;
      }
    }
    this.render();
  };

  Editor.prototype.showAlert = function (text) {
    this.alertBox.textContent = text;
    this.alertBox.hidden = false;
  };

  Editor.prototype.hideAlert = function () {
    this.alertBox.hidden = true;
    this.alertBox.textContent = "";
  };

  // --- actions: hours toggle, save, conflict dialog, copy, apply ---------------------------

  Editor.prototype.bindActions = function () {
    var self = this;
    this.root.querySelector("[data-action=toggle-hours]").addEventListener("click", function () {
      self.showAll = !self.showAll;
      self.render();
    });
    this.root.querySelector("[data-action=save]").addEventListener("click", function () {
      self.save(self.etag);
    });
    this.dialog.querySelector("[data-action=reload]").addEventListener("click", function () {
      self.loadWeek(self.conflict.week);
      self.dialog.close();
      self.render();
      toast("Loaded the version saved elsewhere.", "info");
    });
    this.dialog.querySelector("[data-action=keep-mine]").addEventListener("click", function () {
      self.dialog.close();
      self.save(self.conflict.etag); // overwrite: the version we were told about
    });
    this.dialog.addEventListener("close", function () {
      self.root.querySelector("[data-action=save]").focus();
    });
    window.addEventListener("beforeunload", function (event) {
      if (!self.isDirty()) return;
      event.preventDefault();
      event.returnValue = ""; // older browsers need a value to show the prompt
    });
    this.bindForm("copy-form", this.urls.copy, { target: "copy-target-error" }, function (result) {
      return "Copied to the week of " + dayLabel(result.body.week_start) + ".";
    });
    this.bindForm("apply-form", this.urls.apply, { from: "apply-from-error", to: "apply-to-error" }, function (result) {
      var changed = result.body.days_changed;
      return "Applied from " + dayLabel(result.body.date_from) + " to " + dayLabel(result.body.date_to) +
        ": " + changed + " day" + (changed === 1 ? "" : "s") + " changed.";
    });
  };

  // Copy and apply work from the saved week, so unsaved edits must be saved first.
  Editor.prototype.bindForm = function (formId, url, errorIds, success) {
    var self = this;
    var form = document.getElementById(formId);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      var missing = false;
      Object.keys(errorIds).forEach(function (name) {
        var input = form.elements[name];
        body[name] = input.value;
        var message = input.value ? "" : "Pick a date.";
        document.getElementById(errorIds[name]).textContent = message;
        input.setAttribute("aria-invalid", String(Boolean(message)));
        missing = missing || Boolean(message);
      });
      if (missing) return;
      if (self.isDirty()) {
        self.showAlert("Save your changes first: copying and repeating use the saved week.");
        return;
      }
      self.hideAlert();
      self.request("POST", url, body).then(function (result) {
        if (result.status === 200) {
          toast(success(result));
          return;
        }
        var error = result.body.error || {};
        var placed = false;
        Object.keys(error.fields || {}).forEach(function (name) {
          if (!errorIds[name]) return;
          document.getElementById(errorIds[name]).textContent = error.fields[name].join(" ");
          form.elements[name].setAttribute("aria-invalid", "true");
          placed = true;
        });
        if (!placed) self.showAlert(error.message || "That did not work. Try again.");
      });
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("week-editor");
    var data = document.getElementById("week-data");
    if (root && data) new Editor(root, JSON.parse(data.textContent)).start();
  });
})();

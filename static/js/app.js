/* RepoHealth: the toast, the "reconnecting..." state and the stall stop of progress panels, the
   live refresh of the page while a scan runs, and the selection's bulk actions. htmx does the
   rest. Untrusted text only ever goes in with textContent. */
(function () {
  "use strict";
  var RepoHealth = (window.RepoHealth = window.RepoHealth || {});
  RepoHealth.toastMs = RepoHealth.toastMs || 12000;

  function toast(text, kind) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var item = document.createElement("div");
    item.className = "toast toast--" + (kind || "info");
    item.setAttribute("role", "status");
    var message = document.createElement("span");
    message.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { item.remove(); });
    item.append(message, close);
    box.append(item);
    setTimeout(function () { item.remove(); }, RepoHealth.toastMs);
  }
  RepoHealth.toast = toast;

  // The server sends HX-Trigger: {"scanFinished": {"summary": ..., "status": ...}} on the first poll
  // that finds a scan finished.
  document.addEventListener("scanFinished", function (event) {
    toast(event.detail && event.detail.summary, event.detail && event.detail.status);
  });

  // Stall stop. The server cannot say "no progress for 30 minutes" when it is the thing that is
  // down, so the browser keeps, per scan, when its panel last changed (status, count or message)
  // and stops polling once that is longer ago than data-stall-after-ms (30 minutes). A panel that
  // says it is waiting out a rate limit counts as alive. Tests may set RepoHealth.stallAfterMs.
  var lastChange = {};

  function notePanel(panel) {
    var id = panel.dataset.jobId, key = panel.dataset.progress, seen = lastChange[id];
    if (!seen || seen.key !== key || panel.dataset.waiting) lastChange[id] = { key: key, at: Date.now() };
  }

  function stopPanel(panel, text) {
    // htmx stops polling an element that has left the page: put a copy without the trigger there.
    var copy = panel.cloneNode(true);
    copy.removeAttribute("hx-trigger");
    copy.removeAttribute("hx-get");
    copy.classList.remove("is-reconnecting");
    copy.classList.add("is-stalled");
    copy.querySelector(".scan-panel__reconnecting").hidden = true;
    var note = copy.querySelector(".scan-panel__stalled");
    note.textContent = text;
    note.hidden = false;
    panel.replaceWith(copy);
    if (window.htmx) window.htmx.process(copy); // the Cancel button keeps working
  }

  function pollingPanel(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.matches && elt.matches(".scan-panel[hx-trigger]") ? elt : null;
  }

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (!root || !root.querySelectorAll) return;
    if (root.matches(".scan-panel")) notePanel(root);
    root.querySelectorAll(".scan-panel").forEach(notePanel);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var panel = pollingPanel(event);
    if (!panel) return;
    var limit = RepoHealth.stallAfterMs || Number(panel.dataset.stallAfterMs) || 30 * 60 * 1000;
    var seen = lastChange[panel.dataset.jobId];
    if (seen && Date.now() - seen.at > limit) {
      event.preventDefault();
      var minutes = Math.round(limit / 60000);
      stopPanel(panel, "No progress for " + (minutes >= 1 ? minutes + " minute" + (minutes === 1 ? "" : "s") : "a while") +
        ": stopped checking. Reload the page to look again.");
    }
  });

  function reconnecting(event) {
    var panel = pollingPanel(event);
    if (!panel) return;
    var xhr = event.detail.xhr;
    if (xhr && (xhr.status === 404 || xhr.status === 403)) {
      stopPanel(panel, "This scan is no longer available.");
      return;
    }
    panel.classList.add("is-reconnecting");
    panel.querySelector(".scan-panel__reconnecting").hidden = false;
  }
  ["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, reconnecting);
  });

  // "Select every repository on this page".
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    document.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });

  // The bulk actions say how many repositories are selected.
  function countSelected() {
    var count = document.querySelectorAll('input[type=checkbox][name="ids"]:checked').length;
    document.querySelectorAll("[data-selected-count]").forEach(function (label) {
      label.textContent = count ? count.toLocaleString("en-US") + " repositor" + (count === 1 ? "y" : "ies") : "No repository";
      var bar = label.closest(".bulk");
      if (bar) bar.classList.toggle("has-selection", count > 0);
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('input[type=checkbox][name="ids"], [data-select-all]')) countSelected();
  });
  document.addEventListener("htmx:load", countSelected);

  // Enter in the bulk label field adds the label (the form's first button would start a scan).
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches("[data-enter-clicks]")) return;
    event.preventDefault();
    var button = document.getElementById(field.dataset.enterClicks);
    if (button) button.click();
  });

  // Live refresh while a scan runs: at most every liveEveryMs, one panel poll also asks for what
  // else on the page follows the scan (the health cards and donut, the catalog rows, the scans
  // list's rows); the server answers them as out-of-band swaps (scans/live.py). A row's checkbox
  // is hx-preserve'd, so a selection survives its row's refresh.
  RepoHealth.liveEveryMs = RepoHealth.liveEveryMs || 2000;
  var lastLive = 0;

  function ids(selector, key) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (elt) { return elt.dataset[key]; })
      .join(",");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches(".scan-panel[hx-trigger]")) return;
    if (Date.now() - lastLive < RepoHealth.liveEveryMs) return;
    var wanted = {};
    if (document.getElementById("donut")) wanted.health = "1";
    var rows = ids("[data-live-row]", "liveRow"), scans = ids("[data-live-scan]", "liveScan");
    if (rows) wanted.rows = rows;
    if (scans) wanted.scans = scans;
    if (!Object.keys(wanted).length) return;
    lastLive = Date.now();
    event.detail.parameters.live = "1";
    Object.keys(wanted).forEach(function (name) { event.detail.parameters[name] = wanted[name]; });
  });
})();

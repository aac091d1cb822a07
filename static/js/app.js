/* RepoHealth: the toast, the "reconnecting..." state and the stall stop of progress panels.
   htmx does the rest. Untrusted text only ever goes in with textContent. */
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
})();

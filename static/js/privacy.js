// /me/privacy/: while a data export is being prepared, poll its state and show the progress;
// when it is ready (or failed), reload so the page shows the download link. Without script,
// a <noscript> refresh does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-export-status-url][data-export-active]");
  if (!box) return;
  var url = box.getAttribute("data-export-status-url");
  var bar = box.querySelector("[data-export-progress]");
  var percent = box.querySelector("[data-export-percent]");
  var label = box.querySelector("[data-export-label]");
  var delay = 1500;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var state = data && data.export;
        if (!state) return;
        if (state.status === "pending" || state.status === "running") {
          if (bar) bar.value = state.progress;
          if (percent) percent.textContent = state.progress;
          if (label) label.textContent = state.status_label;
          delay = Math.min(delay * 1.3, 10000);
          window.setTimeout(poll, delay);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, delay);
})();

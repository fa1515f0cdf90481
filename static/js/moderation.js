// Moderation page: keyboard shortcuts, bulk selection and lease renewal.
(function () {
  "use strict";
  var typing = function (el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.isContentEditable);
  };
  var click = function (id) {
    var el = document.getElementById(id);
    if (el) { el.click(); return true; }
    return false;
  };

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var key = ev.key.toLowerCase();
    var reason = document.getElementById("reason");
    if (key === "a") { if (click("approve")) ev.preventDefault(); }
    else if (key === "r") {
      if (reason && !reason.value) { reason.focus(); ev.preventDefault(); return; }
      if (click("reject")) ev.preventDefault();
    }
    else if (key === "n") {
      var next = document.querySelector("#next-form button, #claim-next");
      if (next) { next.click(); ev.preventDefault(); }
    }
    else if (reason && /^[1-8]$/.test(key)) {
      reason.selectedIndex = parseInt(key, 10);
      ev.preventDefault();
    }
  });

  var reasonSelect = document.getElementById("reason");
  if (reasonSelect) {
    // After picking a reason with the keyboard, R submits; Escape returns to shortcuts.
    reasonSelect.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { reasonSelect.blur(); }
      if (ev.key.toLowerCase() === "r" && reasonSelect.value) { ev.preventDefault(); click("reject"); }
      if (/^[1-8]$/.test(ev.key)) { ev.preventDefault(); reasonSelect.selectedIndex = parseInt(ev.key, 10); }
    });
  }

  var bulk = document.getElementById("bulk-form");
  if (bulk) {
    bulk.addEventListener("submit", function () {
      var ids = Array.prototype.map.call(document.querySelectorAll(".bulk-pick:checked"), function (el) { return el.value; });
      document.getElementById("bulk-ids").value = ids.join(",");
    });
  }

  // Renew the 10-minute lease every 4 minutes while the page is open.
  var section = document.querySelector(".mod-case[data-holds-lease='1']");
  if (section) {
    var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;
    setInterval(function () {
      fetch(section.dataset.renewUrl, { method: "POST", headers: { "X-CSRFToken": csrf, "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { var lease = document.getElementById("lease"); if (lease) lease.textContent = lease.dataset.lost || "Lease lost"; }
        });
    }, 4 * 60 * 1000);
  }
})();

// Moderation pages: keyboard shortcuts, bulk selection count and lease renewal.
// Every action is a plain form post; this file only adds keys and small niceties.
//   Queue:  N claims the next item.
//   Item:   A approves; 1-8 picks a reject reason, then R rejects; N goes to the next item.
(function () {
  "use strict";

  var busy = false; // one decision per page: a second key press never posts twice

  function typing(el) {
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return true;
    if (el.tagName !== "INPUT") return false;
    return !/^(checkbox|radio|button|submit|reset)$/i.test(el.type || "");
  }

  function press(el) {
    if (!el || busy) return false;
    busy = true;
    el.click();
    return true;
  }

  var form = document.getElementById("decide-form");
  var hint = document.getElementById("reason-hint");

  function pickReason(n) {
    var radio = form && form.querySelector("input[name=reason][data-key='" + n + "']");
    if (!radio) return false;
    radio.checked = true;
    if (hint) hint.hidden = true;
    return true;
  }

  function reject() {
    if (!form) return false;
    if (!form.querySelector("input[name=reason]:checked")) {
      if (hint) hint.hidden = false;
      var first = form.querySelector("input[name=reason]");
      if (first) first.focus();
      return true;
    }
    return press(document.getElementById("reject"));
  }

  if (form) {
    form.addEventListener("submit", function (ev) {
      var submitter = ev.submitter || document.activeElement;
      if (submitter && submitter.value === "reject" && !form.querySelector("input[name=reason]:checked")) {
        ev.preventDefault(); // the server would refuse too; say it here without a round trip
        busy = false;
        if (hint) hint.hidden = false;
        return;
      }
      busy = true;
    });
    form.addEventListener("change", function () { if (hint) hint.hidden = true; });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || typing(document.activeElement)) return;
    var key = (ev.key || "").toLowerCase();
    var handled = false;
    if (key === "a") {
      handled = press(document.getElementById("approve"));
    } else if (key === "r") {
      handled = reject();
    } else if (/^[1-8]$/.test(key)) {
      handled = pickReason(key);
    } else if (key === "n") {
      handled = press(document.querySelector("#next-form button, #claim-next"));
    } else if (key === "escape" && hint) {
      hint.hidden = true;
    }
    if (handled) ev.preventDefault();
  });

  // Bulk selection: show how many items are picked (the bar itself appears through CSS :has()).
  var counter = document.querySelector("[data-bulk-count]");
  if (counter) {
    document.addEventListener("change", function (ev) {
      if (!ev.target.classList || !ev.target.classList.contains("bulk-pick")) return;
      counter.textContent = document.querySelectorAll(".bulk-pick:checked").length;
    });
  }

  // Renew the 10-minute lease every 4 minutes while the item is open.
  var section = document.querySelector(".mod-case[data-holds-lease='1']");
  if (section && section.dataset.state === "queued") {
    var csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = setInterval(function () {
      fetch(section.dataset.renewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfInput ? csrfInput.value : "", Accept: "application/json" },
      }).then(function (r) {
        if (r.ok) return;
        clearInterval(timer);
        var lease = document.getElementById("lease");
        if (lease) {
          lease.textContent = lease.dataset.lost;
          lease.className = "stat stat-bad";
        }
      });
    }, 4 * 60 * 1000);
  }
})();

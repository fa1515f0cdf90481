// Quality audit page: G good, A acceptable, L low, S skip. Each key presses a plain
// form button or link, so the page works the same without JavaScript.
(function () {
  "use strict";
  var busy = false; // one label per page load: a second key press never posts twice

  function typing(el) {
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/i.test(el.type || "");
  }

  var form = document.getElementById("audit-form");
  if (!form) return;
  form.addEventListener("submit", function () { busy = true; });

  document.addEventListener("keydown", function (ev) {
    if (busy || ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || typing(document.activeElement)) return;
    var key = (ev.key || "").toLowerCase();
    var target = key === "s" ? document.getElementById("audit-skip")
      : form.querySelector("button[data-key='" + key + "']");
    if (!target) return;
    ev.preventDefault();
    busy = true;
    target.click();
  });
})();

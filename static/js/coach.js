/* Writing coach: while the shopper types a review or a challenge entry, ask
   /api/quality/coach/ (debounced, ~400 ms after the last keystroke) and show the current
   quality band and hints in place. The panel says what the draft is: data-product (a
   review's product slug) or data-challenge (an entry's challenge id). Without JavaScript
   the panel stays hidden; the author's own review or entry shows its band and hints after
   submission instead. */
(function () {
  "use strict";

  var DELAY = 400;

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function setup(panel) {
    if (panel.dataset.coachReady) return;
    panel.dataset.coachReady = "1";
    var form = panel.closest("form");
    if (!form || !window.fetch) return;
    var textarea = form.querySelector("textarea[name=text]");
    if (!textarea) return;
    var bandEl = panel.querySelector("[data-coach-band]");
    var hintsEl = panel.querySelector("[data-coach-hints]");
    var timer = null;
    var inflight = null;
    var lastBody = "";

    function payload() {
      var challenge = parseInt(panel.dataset.challenge || "", 10);
      if (challenge > 0) {
        // An entry: no stars or tags; its images count as its photos.
        var images = form.querySelector("input[type=file][name=images]");
        return { text: textarea.value, challenge: challenge, photos: images && images.files ? images.files.length : 0 };
      }
      var checked = form.querySelector("input[name=rating]:checked");
      var rating = checked ? parseInt(checked.value, 10) : parseInt(panel.dataset.rating || "", 10);
      var tags = Array.prototype.map.call(form.querySelectorAll("input[name=tags]:checked"), function (el) {
        return parseInt(el.value, 10);
      });
      var files = form.querySelector("input[type=file][name=photos]");
      var body = { text: textarea.value, tags: tags, photos: files && files.files ? files.files.length : 0 };
      if (rating >= 1 && rating <= 5) body.rating = rating;
      if (panel.dataset.product) body.product = panel.dataset.product;
      return body;
    }

    function render(data) {
      panel.hidden = false;
      panel.className = panel.className.replace(/\bband-\S+/g, "").trim() + " band-" + data.band;
      bandEl.textContent = data.band_label + " · " + data.score + "/100";
      hintsEl.textContent = "";
      (data.hints || []).forEach(function (hint) {
        var li = document.createElement("li");
        li.textContent = hint.message;
        li.dataset.code = hint.code;
        hintsEl.appendChild(li);
      });
    }

    function ask() {
      var body = payload();
      if (!body.text.trim()) {
        panel.hidden = true;
        return;
      }
      var json = JSON.stringify(body);
      if (json === lastBody) return;
      lastBody = json;
      if (inflight && inflight.abort) inflight.abort();
      inflight = window.AbortController ? new AbortController() : null;
      fetch(panel.dataset.coachUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(form) },
        body: json,
        signal: inflight ? inflight.signal : undefined,
      })
        .then(function (resp) {
          return resp.ok ? resp.json() : null;
        })
        .then(function (data) {
          if (data) render(data);
        })
        .catch(function () {
          /* offline, throttled or aborted: the coach is a nicety, say nothing */
        });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    }

    textarea.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    if (textarea.value.trim()) schedule();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-coach]"), setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

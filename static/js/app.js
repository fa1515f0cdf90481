/* Cocreate progressive enhancement. Vanilla JS, no frameworks.
   Every form here works without JavaScript (plain POST + redirect); with it,
   the star tap, helpful votes, entry votes and reports post with fetch and update
   the page in place. */
(function () {
  "use strict";

  var toastTimer = null;

  // The toast sits at the bottom of the screen unless it would cover a button the shopper
  // needs there (a form's Save button on a phone): then it moves to the top. Re-checked
  // while the page scrolls under it.
  var TOAST_AVOID = "form .btn-primary, [data-toast-avoid]";

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function coversButton(el) {
    var box = el.getBoundingClientRect();
    return Array.prototype.some.call(document.querySelectorAll(TOAST_AVOID), function (button) {
      var r = button.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && overlaps(box, r);
    });
  }

  function placeToast() {
    var el = document.getElementById("toast");
    if (!el || el.hidden) return;
    el.classList.remove("toast-top");
    if (coversButton(el)) {
      el.classList.add("toast-top");
      if (coversButton(el)) el.classList.remove("toast-top");
    }
  }

  var placeQueued = false;
  function queuePlaceToast() {
    if (placeQueued) return;
    placeQueued = true;
    window.requestAnimationFrame(function () {
      placeQueued = false;
      placeToast();
    });
  }
  window.addEventListener("scroll", queuePlaceToast, { passive: true });
  window.addEventListener("resize", queuePlaceToast);
  // Content that grows or shrinks (a photo loading, a form opening) moves the buttons without
  // a scroll event: re-check then too.
  if (window.ResizeObserver) {
    new window.ResizeObserver(queuePlaceToast).observe(document.documentElement);
  }

  function toast(text, isError) {
    var el = document.getElementById("toast");
    if (!el || !text) return;
    el.textContent = text;
    el.classList.toggle("is-error", !!isError);
    el.hidden = false;
    placeToast();
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      el.hidden = true;
    }, 4000);
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Remember which submit button was used (older Safari lacks event.submitter).
  var lastSubmitter = null;
  document.addEventListener(
    "click",
    function (event) {
      var button = event.target.closest && event.target.closest("button[type=submit], button:not([type])");
      if (button && button.form) lastSubmitter = button;
    },
    true
  );

  function postJSON(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (payload) {
          return { response: response, payload: payload };
        });
    });
  }

  // If fetch itself fails (offline, server error page), fall back to the plain form post.
  function submitPlain(form, submitter) {
    form.dataset.plain = "1";
    if (form.requestSubmit) {
      form.requestSubmit(submitter || undefined);
    } else {
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.submit();
    }
  }

  // --- one-click review ------------------------------------------------------------

  function handleRate(form, submitter) {
    if (!submitter || submitter.name !== "rating") return false;
    var rating = parseInt(submitter.value, 10);
    form.classList.add("is-busy");
    postJSON(form, submitter)
      .then(function (result) {
        form.classList.remove("is-busy");
        var payload = result.payload || {};
        if (result.response.status === 401 && payload.login_url) {
          window.location.assign(payload.login_url);
          return;
        }
        if (!result.response.ok || !payload.ok) {
          if (!payload.error) return submitPlain(form, submitter);
          toast(payload.error, true);
          return;
        }
        showRating(form, payload.review ? payload.review.rating : rating);
        var status = document.querySelector("[data-rate-status]");
        if (status) status.textContent = payload.message || "";
        toast(payload.message);
        revealDetails();
      })
      .catch(function () {
        form.classList.remove("is-busy");
        submitPlain(form, submitter);
      });
    return true;
  }

  function showRating(form, rating) {
    form.querySelectorAll("button[name=rating]").forEach(function (button) {
      var value = parseInt(button.value, 10);
      button.classList.toggle("is-on", value <= rating);
      button.setAttribute("aria-pressed", value === rating ? "true" : "false");
      button.classList.remove("pop");
      if (value === rating) {
        void button.offsetWidth; // restart the animation
        button.classList.add("pop");
      }
    });
  }

  function revealDetails() {
    var panel = document.getElementById("details");
    if (!panel) return;
    var wasHidden = panel.hidden;
    panel.hidden = false;
    if (wasHidden) {
      panel.classList.add("is-new");
      var heading = panel.querySelector("h2");
      if (heading) heading.focus({ preventScroll: true });
      panel.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  }

  // --- votes in place (helpful votes, entry votes): one answer handler ----------------------

  // Posts the vote with its buttons disabled; on a JSON answer with ok, calls ``apply(payload)``
  // and shows the message; a sign-in answer goes to the login page, an error is a toast, and
  // anything else falls back to the plain form post.
  function voteInPlace(form, submitter, buttons, apply) {
    function enable(on) {
      buttons.forEach(function (b) {
        b.disabled = !on;
      });
    }
    enable(false);
    postJSON(form, submitter)
      .then(function (result) {
        enable(true);
        var payload = result.payload || {};
        if (result.response.status === 401 && payload.login_url) {
          window.location.assign(payload.login_url);
          return;
        }
        if (!result.response.ok || !payload.ok) {
          if (!payload.error) return submitPlain(form, submitter);
          toast(payload.error, true);
          return;
        }
        apply(payload);
        toast(payload.message);
      })
      .catch(function () {
        enable(true);
        submitPlain(form, submitter);
      });
    return true;
  }

  function handleVote(form, submitter) {
    if (!submitter || submitter.name !== "helpful") return false;
    var buttons = form.querySelectorAll("button[name=helpful]");
    return voteInPlace(form, submitter, buttons, function (payload) {
      buttons.forEach(function (button) {
        var kind = button.dataset.vote; // "1" helpful, "0" not helpful
        var pressed = payload.my_vote !== null && String(payload.my_vote ? 1 : 0) === kind;
        button.setAttribute("aria-pressed", pressed ? "true" : "false");
        // Tapping a pressed button again withdraws the vote.
        button.value = pressed ? "" : kind;
      });
      var count = form.querySelector("[data-count=helpful]");
      if (count) count.textContent = payload.helpful_count;
    });
  }

  // Entry votes: one button that toggles, with its count.
  function handleToggleVote(form, submitter) {
    var button = form.querySelector("button[data-vote-toggle]");
    if (!button) return false;
    return voteInPlace(form, submitter, [button], function (payload) {
      button.setAttribute("aria-pressed", payload.voted ? "true" : "false");
      var label = button.querySelector("[data-vote-label]");
      if (label) label.textContent = payload.voted ? button.dataset.labelOn : button.dataset.labelOff;
      var count = button.querySelector("[data-count=votes]");
      if (count) count.textContent = payload.vote_count;
    });
  }

  // Poll votes: a tap moves every option's share, so the whole poll is updated from the answer.
  function handlePollVote(form, submitter) {
    var poll = form.closest(".poll");
    var button = form.querySelector("button[type=submit]");
    if (!poll || !button) return false;
    return voteInPlace(form, submitter, [button], function (payload) {
      var total = poll.querySelector("[data-poll-total]");
      if (total && payload.total_text) total.textContent = payload.total_text;
      (payload.options || []).forEach(function (option) {
        var item = poll.querySelector('[data-poll-option="' + option.id + '"]');
        if (!item) return;
        item.classList.toggle("is-voted", option.voted);
        var fill = item.querySelector(".bar-fill");
        if (fill) fill.className = "bar-fill pct-" + option.percent;
        var percent = item.querySelector("[data-poll-percent]");
        if (percent) percent.textContent = option.percent + "%";
        var votes = item.querySelector("[data-poll-votes]");
        if (votes) votes.textContent = option.votes_text;
        var vote = item.querySelector("button[type=submit]");
        if (vote) {
          vote.setAttribute("aria-pressed", option.voted ? "true" : "false");
          vote.textContent = option.voted ? vote.dataset.labelOn : vote.dataset.labelOff;
        }
      });
    });
  }

  // --- reports: the answer replaces the report control, where the person is looking -----------

  function showInPlace(anchor, text, isError) {
    var old = anchor.parentNode.querySelector(".message-in-place");
    if (old) old.remove();
    var note = document.createElement("p");
    note.className = "message message-in-place " + (isError ? "message-error" : "message-success");
    note.setAttribute("role", isError ? "alert" : "status");
    note.textContent = text;
    anchor.parentNode.insertBefore(note, anchor);
    note.scrollIntoView({ block: "nearest" });
    return note;
  }

  function handleReport(form, submitter) {
    var control = form.closest("details") || form;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    postJSON(form, submitter)
      .then(function (result) {
        if (button) button.disabled = false;
        var payload = result.payload || {};
        if (!payload.message && !payload.error) return submitPlain(form, submitter);
        showInPlace(control, payload.message || payload.error, !payload.ok);
        if (payload.ok) control.remove();
      })
      .catch(function () {
        if (button) button.disabled = false;
        submitPlain(form, submitter);
      });
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.plain || !window.fetch) return;
    var submitter = event.submitter || lastSubmitter;
    var handled = false;
    if (form.dataset.js === "rate") handled = handleRate(form, submitter);
    else if (form.dataset.js === "vote") handled = handleVote(form, submitter);
    else if (form.dataset.js === "toggle-vote") handled = handleToggleVote(form, submitter);
    else if (form.dataset.js === "poll-vote") handled = handlePollVote(form, submitter);
    else if (form.dataset.js === "report") handled = handleReport(form, submitter);
    if (handled) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    // Filters apply as soon as a brand or category is picked.
    if (input.matches && input.matches("select[data-autosubmit]") && input.form) {
      input.form.submit();
    }
  });
})();

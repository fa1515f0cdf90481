/* The review form's photo picker: square tiles with previews, a "+" tile that opens the
   file input, and remove / move-left / move-right on every tile.

   The form still posts as a plain multipart form. The file input holds the new photos in
   the order of their tiles (rebuilt with DataTransfer), a "Remove" box is ticked for each
   stored photo taken away, and the hidden photo_order field lists the tiles: "p<id>" for a
   stored photo, "n<i>" for the i-th new file. The server checks every photo again (type,
   size, pixels, count); the checks here only save a wasted upload.

   Without JavaScript, or without DataTransfer (old browsers), nothing here runs: the page
   shows the plain file input and a "Remove" box on each stored photo. */
(function () {
  "use strict";

  var TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];

  function canSetFiles() {
    try {
      return typeof DataTransfer === "function" && !!new DataTransfer().items;
    } catch (e) {
      return false;
    }
  }

  // Messages come translated from the page, with {name} placeholders.
  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? values[key] : whole;
    });
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function Picker(field) {
    var input = field.querySelector("input[type=file]");
    var grid = field.querySelector("[data-photo-grid]");
    var addTile = field.querySelector("[data-photo-add]");
    var orderInput = field.querySelector("[data-photo-order]");
    var message = field.querySelector("[data-photo-message]");
    if (!input || !grid || !addTile || !orderInput) return;
    var max = parseInt(field.dataset.max, 10) || 9;
    var maxBytes = parseInt(field.dataset.maxBytes, 10) || 0;
    var items = []; // in display order: {tile, box} for a stored photo, {tile, file, url} for a new one

    function say(texts) {
      if (!message) return;
      message.textContent = texts.join(" ");
      message.hidden = !texts.length;
    }

    function move(item, step) {
      var from = items.indexOf(item);
      var to = from + step;
      if (from < 0 || to < 0 || to >= items.length) return;
      items.splice(from, 1);
      items.splice(to, 0, item);
      render();
      // Keep the focus on the same control of the moved photo.
      var again = item.tile.querySelector(step < 0 ? "[data-move=left]" : "[data-move=right]");
      (again && !again.disabled ? again : item.tile.querySelector("[data-remove]")).focus();
    }

    function remove(item) {
      var at = items.indexOf(item);
      if (at < 0) return;
      items.splice(at, 1);
      if (item.box) {
        item.box.checked = true; // the stored photo is removed when the form is saved
        item.tile.hidden = true;
      } else {
        URL.revokeObjectURL(item.url);
        item.tile.remove();
      }
      say([]);
      render();
      var next = items[Math.min(at, items.length - 1)];
      (next ? next.tile.querySelector("[data-remove]") : addTile.querySelector("button")).focus();
    }

    function addTools(item) {
      var tools = document.createElement("div");
      tools.className = "photo-tools";
      var left = button("‹", function () {
        move(item, -1);
      });
      left.dataset.move = "left";
      var gone = button("×", function () {
        remove(item);
      });
      gone.dataset.remove = "";
      var right = button("›", function () {
        move(item, 1);
      });
      right.dataset.move = "right";
      tools.appendChild(left);
      tools.appendChild(gone);
      tools.appendChild(right);
      item.tile.appendChild(tools);
    }

    function render() {
      var files = new DataTransfer();
      var tokens = [];
      items.forEach(function (item, i) {
        grid.insertBefore(item.tile, addTile);
        if (item.file) {
          tokens.push("n" + files.items.length);
          files.items.add(item.file);
        } else {
          tokens.push(item.tile.dataset.token);
        }
        var n = { n: i + 1, total: items.length };
        item.tile.querySelector("img").alt = fill(field.dataset.labelPhoto, n);
        var left = item.tile.querySelector("[data-move=left]");
        var right = item.tile.querySelector("[data-move=right]");
        left.disabled = i === 0;
        right.disabled = i === items.length - 1;
        left.setAttribute("aria-label", fill(field.dataset.labelLeft, n));
        right.setAttribute("aria-label", fill(field.dataset.labelRight, n));
        item.tile.querySelector("[data-remove]").setAttribute("aria-label", fill(field.dataset.labelRemove, n));
      });
      input.files = files.files;
      orderInput.value = tokens.join(",");
      addTile.hidden = items.length >= max;
    }

    function addFiles(list) {
      var problems = [];
      var tooMany = false;
      Array.prototype.forEach.call(list, function (file) {
        if (TYPES.indexOf(file.type) < 0) {
          problems.push(fill(field.dataset.msgType, { name: file.name }));
          return;
        }
        if (maxBytes && file.size > maxBytes) {
          problems.push(fill(field.dataset.msgSize, { name: file.name, mb: Math.round(maxBytes / 1048576) }));
          return;
        }
        if (items.length >= max) {
          tooMany = true;
          return;
        }
        var item = { file: file, url: URL.createObjectURL(file) };
        item.tile = document.createElement("li");
        item.tile.className = "photo-tile is-new";
        var img = document.createElement("img");
        img.src = item.url;
        img.alt = "";
        item.tile.appendChild(img);
        addTools(item);
        items.push(item);
      });
      if (tooMany) problems.push(fill(field.dataset.msgCount, { n: max }));
      say(problems);
      render();
    }

    grid.querySelectorAll("[data-token]").forEach(function (tile) {
      var item = { tile: tile, box: tile.querySelector("input[name=remove_photos]") };
      addTools(item);
      items.push(item);
    });
    input.addEventListener("change", function () {
      // The browser replaced the input's files with the new pick; the picker keeps the rest.
      addFiles(input.files || []);
    });
    addTile.querySelector("button").addEventListener("click", function () {
      input.click();
    });
    input.tabIndex = -1;
    field.classList.add("is-enhanced");
    addTile.hidden = false;
    render();
  }

  if (!canSetFiles()) return;
  document.querySelectorAll("[data-photo-picker]").forEach(Picker);
})();

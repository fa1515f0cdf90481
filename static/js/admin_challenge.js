// The challenge form in the brand admin: sections marked "kind-for kind-<kind>" belong to those
// challenge kinds only. The server hides the ones that do not fit the kind on load; this shows
// and hides them when the kind select changes (community/cocreation/admin.py).
(function () {
  "use strict";
  function apply(kind) {
    document.querySelectorAll(".kind-for").forEach(function (section) {
      // A section with an error stays in sight, whatever the kind, so it can be corrected.
      var hidden = !section.classList.contains("kind-" + kind) && !section.querySelector(".errorlist");
      section.classList.toggle("kind-hidden", hidden);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_kind");
    if (!select) {
      return; // a published challenge: its kind is fixed
    }
    apply(select.value);
    select.addEventListener("change", function () {
      apply(select.value);
    });
  });
})();

// The challenge form in the brand admin: sections marked "kind-for kind-<kind>" belong to those
// challenge kinds only. The server hides the ones that do not fit the kind on load; this shows
// and hides them when the kind select changes (community/cocreation/admin.py).
(function () {
  "use strict";
  function apply(kind) {
    document.querySelectorAll(".kind-for").forEach(function (section) {
      section.classList.toggle("kind-hidden", !section.classList.contains("kind-" + kind));
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

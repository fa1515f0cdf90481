// The challenge form in the brand admin: sections marked "kind-for kind-<kind>" belong to those
// challenge kinds only. The server hides the ones that do not fit the kind on load; this shows
// and hides them when the kind select changes (community/cocreation/admin.py).
(function () {
  "use strict";
  function apply(kind) {
    document.querySelectorAll(".kind-for").forEach(function (section) {
      var hidden = !section.classList.contains("kind-" + kind);
      section.classList.toggle("kind-hidden", hidden);
      // The inline's wrapper (heading, "add another") follows its fieldset.
      var group = section.closest(".inline-group");
      if (group) {
        group.classList.toggle("kind-hidden", hidden);
      }
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

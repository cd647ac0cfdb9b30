// The case start form: a registered room fills the resident's name and phone from the household register.
(function () {
  var form = document.querySelector("form[data-household-lookup]");
  if (!form) return;
  var room = form.querySelector("[name=building_room]");
  if (!room) return;
  function fill(name, value) {
    var input = form.querySelector("[name=" + name + "]");
    if (input && value && !input.value) input.value = value;
  }
  room.addEventListener("change", function () {
    if (!room.value.trim()) return;
    fetch(form.getAttribute("data-household-lookup") + "?room=" + encodeURIComponent(room.value.trim()),
          { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (found) {
        if (!found) return;
        fill("resident_name", found.resident_name);
        fill("contact_phone", found.contact_phone);
        fill("resident_type", found.resident_type);
        var note = document.getElementById("household-found");
        if (note) note.hidden = false;
      })
      .catch(function () {});
  });
})();

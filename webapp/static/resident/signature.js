// The sign-off pad: draw with a finger (or mouse); the form sends the drawing as a PNG data URL.
(function () {
  var canvas = document.getElementById("signature-pad");
  if (!canvas) return;
  var form = document.getElementById("signoff-form");
  var field = document.getElementById("signature");
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false;
  function fit() {
    var width = Math.min(canvas.parentElement.clientWidth, 600);
    canvas.width = width; canvas.height = Math.round(width * 0.45);
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#1f2933";
    drawn = false;
  }
  function point(e) {
    var r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true; canvas.setPointerCapture(e.pointerId);
    var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; e.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (type) {
    canvas.addEventListener(type, function () { drawing = false; });
  });
  document.getElementById("signature-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false;
  });
  form.addEventListener("submit", function () {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
  });
  fit();
})();

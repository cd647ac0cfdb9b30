// Folding for small screens: <details data-fold-narrow> starts closed on a phone, open elsewhere;
// <details data-open-wide> starts open on a wide screen. A folded case diagram is drawn when first opened
// (bpmn-js cannot measure a hidden canvas): its data-bpmn-diagram is held back until then.
(function () {
  const narrow = window.matchMedia("(max-width: 640px)").matches;
  document.querySelectorAll("details[data-open-wide]").forEach((d) => { if (!narrow) d.open = true; });
  document.querySelectorAll("details[data-fold-narrow]").forEach((d) => {
    if (!narrow) { d.open = true; return; }
    d.open = false;
    const held = Array.from(d.querySelectorAll("[data-bpmn-diagram]"));
    if (!held.length) return;
    held.forEach((el) => el.removeAttribute("data-bpmn-diagram"));
    d.addEventListener("toggle", function draw() {
      if (!d.open) return;
      d.removeEventListener("toggle", draw);
      held.forEach((el) => el.setAttribute("data-bpmn-diagram", ""));
      const script = document.createElement("script");
      script.src = d.dataset.diagramScript;
      document.body.appendChild(script);
    });
  });
  // the user menu closes when one taps elsewhere
  document.addEventListener("click", (event) => {
    document.querySelectorAll("details.usermenu[open]").forEach((m) => { if (!m.contains(event.target)) m.open = false; });
  });
})();

// Shows the names of the files chosen in a file input styled as a button (the camera on a phone).
document.querySelectorAll("[data-chosen-for]").forEach((note) => {
  const input = document.getElementById(note.dataset.chosenFor);
  if (!input) return;
  input.addEventListener("change", () => {
    const names = Array.from(input.files).map((f) => f.name);
    note.textContent = names.length ? names.join("、") : note.dataset.none;
  });
});

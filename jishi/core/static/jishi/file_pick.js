// The chosen file's name beside a file input's Chinese button (core/_file_input.html); one listener for the page, so
// a form htmx swaps in works too.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.matches("[data-file-pick]")) return;
  const shown = input.closest(".file-pick")?.querySelector("[data-file-name]");
  if (!shown) return;
  shown.textContent = input.files.length ? Array.from(input.files, (file) => file.name).join("、") : shown.dataset.none;
});

// Kring's one script. Pages work without it; it only adds small conveniences.
// (Chat arrives here later.) No external requests, no tracking.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// The dossier's 打印 button (a script file: the Content-Security-Policy allows no inline handler).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) window.print();
});
// On paper every folded part is shown: the dossier's summaries, the evidence's sections.
window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll(".assessment details:not([open])")) {
    details.open = true;
    details.dataset.openedForPrint = "1";
  }
});
window.addEventListener("afterprint", () => {
  for (const details of document.querySelectorAll("[data-opened-for-print]")) {
    details.open = false;
    delete details.dataset.openedForPrint;
  }
});

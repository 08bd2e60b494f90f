// Progressive enhancement only: every page works without this file.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// Upload progress for large evidence files (htmx posts the form; without JavaScript it posts normally).
document.body.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest("form[data-upload-progress]");
  const bar = form && form.querySelector("progress.portal-upload-progress");
  if (bar && event.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});

// Someone typing into a long form stays signed in: the idle timeout counts from the last request, so while they
// type a request goes now and then (portal/auth/sessions.py). Without JavaScript it counts from the page load.
const keepAliveUrl = document.body.dataset.keepAlive;
const KEEP_ALIVE_EVERY_MS = 4 * 60 * 1000;
let keptAliveAt = Date.now();
function keepAlive() {
  if (!keepAliveUrl || Date.now() - keptAliveAt < KEEP_ALIVE_EVERY_MS) return;
  keptAliveAt = Date.now();
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  fetch(keepAliveUrl, { method: "POST", headers, credentials: "same-origin" }).catch(() => {});
}
for (const kind of ["input", "keydown", "pointerdown"]) {
  document.addEventListener(kind, keepAlive, { passive: true });
}

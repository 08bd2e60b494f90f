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

// Files are sent as soon as they are chosen, each as a request's whole body (evidence.upload_file): nothing to
// parse, so big files arrive faster, and each is kept while the rest of the form is filled in. A
// file that could not be sent (the connection dropped, the session ended) stays chosen and goes with the form, as
// it does without JavaScript.
function sendFile(input, file, progress) {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", input.dataset.uploadUrl);
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => resolve({ status: request.status, text: request.responseText }));
    request.addEventListener("error", () => resolve({ status: 0 }));
    request.addEventListener("abort", () => resolve({ status: 0 }));
    request.send(file);
  });
}

function showRefusals(input, refusals) {
  const group = input.closest(".govuk-form-group");
  const messageId = `${input.id}-upload-error`;
  const describedBy = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== messageId);
  group.querySelector("[data-upload-refusals]")?.remove();
  group.classList.toggle("govuk-form-group--error", refusals.length > 0 || !!group.querySelector(".govuk-error-message"));
  input.setAttribute("aria-describedby", [...describedBy, ...(refusals.length ? [messageId] : [])].join(" "));
  if (!refusals.length) return;
  const message = document.createElement("p");
  message.className = "govuk-error-message";
  message.id = messageId;
  message.dataset.uploadRefusals = "";
  message.setAttribute("role", "alert");
  const hidden = document.createElement("span");
  hidden.className = "govuk-visually-hidden";
  hidden.textContent = "Error: ";
  message.append(hidden, refusals.join(". "));
  input.before(message);
}

// Each kept file can be taken off the form again: it is then not attached (the upload itself waits, unattached,
// until the retention rules remove it). Without JavaScript a kept file goes with the form.
function offerRemoval(line) {
  if (line.querySelector("[data-remove-kept]")) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "portal-link-button govuk-link govuk-!-margin-left-2";
  button.dataset.removeKept = "";
  const hidden = document.createElement("span");
  hidden.className = "govuk-visually-hidden";
  hidden.textContent = ` ${line.dataset.keptFile}`;
  button.append("Remove", hidden);
  line.append(button);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-kept]");
  if (!button) return;
  const box = button.closest("[data-kept-files]");
  button.closest("li").remove();
  box.hidden = box.querySelector("ul").children.length === 0;
});

function offerRemovals(root) {
  root.querySelectorAll("[data-kept-files] li[data-kept-file]").forEach(offerRemoval);
}
offerRemovals(document);
document.body.addEventListener("htmx:load", (event) => offerRemovals(event.detail.elt)); // a form shown again

async function sendChosenFiles(input) {
  const box = input.form && input.form.querySelector("[data-kept-files]");
  if (!box || !input.files.length) return;
  const list = box.querySelector("ul");
  const buttons = input.form.querySelectorAll("[type=submit]");
  const unsent = [];
  const refusals = [];
  buttons.forEach((button) => { button.disabled = true; });
  box.hidden = false;
  for (const file of Array.from(input.files)) {
    if (file.size > Number(input.dataset.maxBytes)) {
      refusals.push(`${file.name} ${input.dataset.tooBig}`);
      continue;
    }
    const line = document.createElement("li");
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.className = "portal-upload-progress";
    progress.setAttribute("aria-label", `Uploading ${file.name}`);
    line.append(`${file.name} `, progress);
    list.append(line);
    const answer = await sendFile(input, file, progress);
    if (answer.status === 201) {
      line.insertAdjacentHTML("afterend", answer.text);
      offerRemoval(line.nextElementSibling);
      line.remove();
    } else {
      line.remove();
      if (answer.status === 422 || answer.status === 415) refusals.push(answer.text);
      else unsent.push(file);
    }
  }
  const stillChosen = new DataTransfer();
  unsent.forEach((file) => stillChosen.items.add(file));
  input.files = stillChosen.files;
  box.hidden = list.children.length === 0;
  showRefusals(input, refusals);
  buttons.forEach((button) => { button.disabled = false; });
}

document.addEventListener("change", (event) => {
  if (event.target.matches("input[type=file][data-upload-url]")) sendChosenFiles(event.target);
});

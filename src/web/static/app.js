// The protection page: pick or drop a photo, choose a strength, follow the progress,
// compare, confirm and download. Plain browser JavaScript, no dependencies, no third-party
// requests; the photo only ever goes to this page's own server.
"use strict";

const $ = (id) => document.getElementById(id);

const els = {
  file: $("file"),
  drop: $("drop"),
  fileName: $("file-name"),
  preview: $("preview"),
  limitsHint: $("limits-hint"),
  presets: $("presets"),
  protect: $("protect"),
  error: $("error"),
  working: $("working"),
  progress: $("progress"),
  progressText: $("progress-text"),
  cancel: $("cancel"),
  result: $("result"),
  before: $("before"),
  after: $("after"),
  beforeClip: $("before-clip"),
  divider: $("divider"),
  slider: $("slider"),
  summary: $("summary"),
  download: $("download"),
  again: $("again"),
  confirm: $("confirm"),
  confirmDownload: $("confirm-download"),
  confirmCancel: $("confirm-cancel"),
  resultMinutes: $("result-minutes"),
};

const state = {
  config: null,
  file: null,
  beforeUrl: null,
  afterUrl: null,
  previewUrl: null,
  format: null,
  jobId: null,
  source: null,
  upload: null,
};

/** A server message ("the photo is too large ...") as a sentence for the page. */
function sentence(text) {
  const trimmed = String(text).trim();
  if (!trimmed) return "Something went wrong.";
  const first = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

function showError(message) {
  els.error.textContent = sentence(message);
  els.error.hidden = false;
}

function clearError() {
  els.error.hidden = true;
  els.error.textContent = "";
}

function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body.error === "string") return body.error;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `the server answered ${response.status} ${response.statusText}`;
}

async function loadConfig() {
  const response = await fetch("/api/config");
  if (!response.ok) throw new Error(await errorOf(response));
  const config = await response.json();
  state.config = config;
  const { limits } = config;
  els.limitsHint.textContent = `${limits.formats.join(", ")}; up to ${limits.maxUpload} and ` +
    `${limits.maxMegapixels} megapixels`;
  els.resultMinutes.textContent = String(limits.resultMinutes);
  for (const preset of config.presets) {
    const label = document.createElement("label");
    label.className = "preset";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "preset";
    input.value = preset.id;
    input.checked = preset.id === config.defaultPreset;
    const name = document.createElement("span");
    name.className = "preset-label";
    name.textContent = preset.label;
    const description = document.createElement("span");
    description.className = "preset-description";
    description.textContent = preset.description;
    label.append(input, name, description);
    els.presets.append(label);
  }
}

function selectedPreset() {
  const checked = els.presets.querySelector("input[name=preset]:checked");
  return checked ? checked.value : state.config?.defaultPreset;
}

function setFile(file) {
  clearError();
  hideResult();
  state.file = null;
  els.fileName.textContent = "";
  els.preview.hidden = true;
  if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
  state.previewUrl = null;
  if (!file) {
    updateButtons();
    return;
  }
  els.fileName.textContent = `${file.name} (${formatBytes(file.size)})`;
  const max = state.config?.limits.maxUploadBytes;
  if (max && file.size > max) {
    showError(
      `the photo is too large (${
        formatBytes(file.size)
      }): at most ${state.config.limits.maxUpload}`,
    );
  } else if (file.size === 0) {
    showError("the photo is empty (0 bytes)");
  } else {
    state.file = file;
    // Shown from the browser's own copy: nothing is uploaded before "Protect photo".
    state.previewUrl = URL.createObjectURL(file);
    els.preview.src = state.previewUrl;
    els.preview.hidden = false;
  }
  updateButtons();
}

function updateButtons() {
  const busy = state.jobId !== null || state.upload !== null;
  els.protect.disabled = !state.file || busy;
  els.file.disabled = busy;
}

function showWorking(text, fraction) {
  els.working.hidden = false;
  els.progressText.textContent = text;
  if (fraction === null) els.progress.removeAttribute("value");
  else els.progress.value = fraction;
}

function hideWorking() {
  els.working.hidden = true;
}

function hideResult() {
  els.result.hidden = true;
  for (const key of ["beforeUrl", "afterUrl"]) {
    if (state[key]) URL.revokeObjectURL(state[key]);
    state[key] = null;
  }
  els.before.removeAttribute("src");
  els.after.removeAttribute("src");
  els.summary.replaceChildren();
}

function finishJob() {
  if (state.source) state.source.close();
  state.source = null;
  state.jobId = null;
  state.upload = null;
  updateButtons();
}

async function protect() {
  if (!state.file) return;
  clearError();
  hideResult();
  const form = new FormData();
  form.append("image", state.file, state.file.name);
  form.append("preset", selectedPreset());
  state.upload = new AbortController();
  updateButtons();
  showWorking("Uploading…", null);
  let response;
  try {
    response = await fetch("/api/jobs", {
      method: "POST",
      body: form,
      signal: state.upload.signal,
    });
  } catch {
    finishJob();
    hideWorking();
    if (!els.error.hidden) return;
    showError("the upload failed: check the connection and try again");
    return;
  }
  if (!response.ok) {
    finishJob();
    hideWorking();
    showError(await errorOf(response));
    return;
  }
  const { id, position } = await response.json();
  state.upload = null;
  state.jobId = id;
  showQueued(position);
  follow(id);
}

function showQueued(position) {
  if (position > 0) {
    const photos = position === 1 ? "1 photo" : `${position} photos`;
    showWorking(`Waiting: ${photos} ahead of yours.`, null);
  } else {
    showWorking("Starting…", null);
  }
}

function follow(id) {
  const source = new EventSource(`/api/jobs/${id}/events`);
  state.source = source;
  source.addEventListener("queued", (event) => showQueued(JSON.parse(event.data).position));
  source.addEventListener("progress", (event) => {
    const { progress } = JSON.parse(event.data);
    showWorking(sentence(progress.message), progress.fraction);
  });
  source.addEventListener("done", (event) => {
    source.close();
    receiveResult(id, JSON.parse(event.data).summary);
  });
  source.addEventListener("failed", (event) => {
    const { error } = JSON.parse(event.data);
    finishJob();
    hideWorking();
    showError(error);
  });
  source.onerror = () => {
    // EventSource reconnects by itself; once it gives up, the job is gone.
    if (source.readyState === EventSource.CLOSED && state.source === source) {
      finishJob();
      hideWorking();
      showError("lost contact with the server; please try again");
    }
  };
}

async function receiveResult(id, summary) {
  showWorking("Receiving the protected photo…", 1);
  let blob;
  try {
    const response = await fetch(`/api/jobs/${id}/result`);
    if (!response.ok) throw new Error(await errorOf(response));
    blob = await response.blob();
  } catch (error) {
    finishJob();
    hideWorking();
    showError(error.message || "the protected photo could not be received");
    return;
  }
  finishJob();
  hideWorking();
  state.format = summary.format;
  state.beforeUrl = URL.createObjectURL(state.file);
  state.afterUrl = URL.createObjectURL(blob);
  els.before.src = state.beforeUrl;
  els.after.src = state.afterUrl;
  setComparison(Number(els.slider.value));
  renderSummary(summary);
  els.result.hidden = false;
  els.result.scrollIntoView({ behavior: "smooth", block: "start" });
}

function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

function faces(n) {
  return n === 1 ? "1 face" : `${n} faces`;
}

function renderSummary(summary) {
  const report = summary.report;
  const items = [];
  if (report.layers.perturbation) {
    const seen = report.attacked.filter((id) =>
      report.faces[id] && report.faces[id].output + report.faces[id].after_jpeg75 > 0
    );
    items.push(
      report.fully_protected
        ? "Protected: none of the attacked detectors finds a face, also after JPEG re-compression"
        : `Not fully protected: ${seen.join(", ")} still ${seen.length === 1 ? "finds" : "find"} ` +
          "a face. A stronger preset may hide it, at a more visible cost.",
    );
    const tried = report.budget.tried.map((r) => r.eps).join(", ");
    items.push(
      `Change needed: ${report.eps} of at most ${report.budget.ceiling} grey levels` +
        (report.budget.tried.length > 1 ? ` (tried ${tried})` : ""),
    );
  }
  for (const [id, counts] of Object.entries(report.faces)) {
    const role = report.attacked.includes(id) ? "attacked" : "not attacked";
    items.push(
      `${id} (${role}): ${faces(counts.clean)} before, ${faces(counts.output)} after, ` +
        `${faces(counts.after_jpeg75)} after JPEG re-compression`,
    );
  }
  if (report.stego) {
    const reading = report.stego.output;
    items.push(
      reading.message
        ? `Hidden message: readable (confidence ${reading.confidence.toFixed(2)})`
        : "Hidden message: could not be read back",
    );
  }
  if (report.layers.metadata) {
    items.push(
      report.metadata.dataMiningProhibited
        ? "Metadata: IPTC \u201cdata mining prohibited\u201d and a rights statement are set"
        : "Metadata: the marks could not be read back",
    );
  }
  items.push(
    report.removed_metadata.length
      ? `Removed from the metadata: ${report.removed_metadata.join(", ")}`
      : "No location, camera serial number or other identifying metadata is kept",
  );
  items.push(
    `Visible change: SSIM ${report.ssim}, PSNR ${report.psnr_db} dB, ` +
      `at most ${report.linf} of 255 levels per pixel`,
  );
  // The report's notes (a visible change, a skipped badge, a grey last resort) as it says
  // them; its verdict note is the first line of this list already.
  for (const note of report.notes ?? []) {
    if (note !== report.verdict_note) items.push(`Note: ${note}`);
  }
  items.push(
    `Took ${Math.round(report.seconds)} s; ${report.format.toUpperCase()}, ` +
      formatBytes(summary.size),
  );
  els.summary.replaceChildren(...items.map(item));
}

function setComparison(percent) {
  els.beforeClip.style.clipPath = `inset(0 ${100 - percent}% 0 0)`;
  els.divider.style.left = `${percent}%`;
}

function downloadName() {
  const base = (state.file?.name ?? "photo").replace(/\.[^.]*$/, "") || "photo";
  const extension = state.format === "jpeg" ? "jpg" : state.format;
  return `${base}-protected.${extension}`;
}

function saveResult() {
  const link = document.createElement("a");
  link.href = state.afterUrl;
  link.download = downloadName();
  document.body.append(link);
  link.click();
  link.remove();
}

async function cancel() {
  if (state.upload) state.upload.abort();
  const id = state.jobId;
  finishJob();
  hideWorking();
  if (id) await fetch(`/api/jobs/${id}`, { method: "DELETE" }).catch(() => {});
  showError("cancelled: nothing was kept on the server");
}

function reset() {
  hideResult();
  clearError();
  els.file.value = "";
  setFile(null);
  els.drop.scrollIntoView({ behavior: "smooth", block: "center" });
}

function wire() {
  els.file.addEventListener("change", () => setFile(els.file.files[0] ?? null));
  // Dropping a file anywhere must not make the browser navigate to it.
  for (const type of ["dragover", "drop"]) {
    globalThis.addEventListener(type, (event) => event.preventDefault());
  }
  els.drop.addEventListener("dragover", () => els.drop.classList.add("dragging"));
  els.drop.addEventListener("dragleave", () => els.drop.classList.remove("dragging"));
  els.drop.addEventListener("drop", (event) => {
    els.drop.classList.remove("dragging");
    if (state.jobId || state.upload) return;
    setFile(event.dataTransfer?.files[0] ?? null);
  });
  els.protect.addEventListener("click", protect);
  els.cancel.addEventListener("click", cancel);
  els.slider.addEventListener("input", () => setComparison(Number(els.slider.value)));
  els.download.addEventListener("click", () => els.confirm.showModal());
  els.confirmCancel.addEventListener("click", () => els.confirm.close());
  els.confirmDownload.addEventListener("click", () => {
    els.confirm.close();
    saveResult();
  });
  els.again.addEventListener("click", reset);
  // A page closed mid-way cancels its job instead of leaving it to run.
  globalThis.addEventListener("pagehide", () => {
    if (state.jobId) fetch(`/api/jobs/${state.jobId}`, { method: "DELETE", keepalive: true });
  });
}

wire();
loadConfig().catch((error) => showError(`the page could not load its settings: ${error.message}`));

// ItkWasmCluster's job dashboard: live progress of one job from its server-sent events, and refreshes of the parts
// of a page marked data-live. The pages work without this script; it only keeps them current.
"use strict";

// Replaces each [data-live] region with the same region of a fresh copy of the page, unless the reader is using it
// (focus inside, or an item's stderr open).
async function refreshLive() {
  const regions = [...document.querySelectorAll("[data-live]")];
  if (regions.some((r) => r.contains(document.activeElement) || r.querySelector("details[open]"))) return;
  const response = await fetch(location.href, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of regions) {
    const next = fresh.querySelector(`[data-live="${region.dataset.live}"]`);
    if (next) region.innerHTML = next.innerHTML;
  }
}

function watchJob(section) {
  const progress = section.querySelector("progress");
  const pct = section.querySelector(".pct");
  const counts = document.getElementById("counts");
  const svg = document.getElementById("throughput");
  const samples = []; // [seconds since the page opened, items finished]
  const opened = performance.now();
  let lastRefresh = 0;

  function draw() {
    const now = (performance.now() - opened) / 1000;
    const bins = new Array(120).fill(0);
    for (let i = 1; i < samples.length; i++) {
      const age = Math.floor(now - samples[i][0]);
      if (age >= 0 && age < 120) bins[119 - age] += samples[i][1] - samples[i - 1][1];
    }
    const max = Math.max(1, ...bins);
    const points = bins.map((v, i) => `${(i * 600) / 119},${115 - (v / max) * 100}`).join(" ");
    svg.innerHTML = `<polyline points="${points}" fill="none" stroke="currentColor" stroke-width="2"></polyline>` +
      `<text x="4" y="14">${max} items/s</text><text x="4" y="118">0</text><text x="560" y="118">now</text>`;
    svg.setAttribute("aria-label", `Items finished per second over the last two minutes; the latest second: ${bins[119]}, the most: ${max}`);
  }

  function show(job) {
    const c = job.counts;
    const done = c.succeeded + c.failed;
    progress.max = Math.max(1, c.total);
    progress.value = done;
    pct.textContent = `${c.total ? Math.floor((100 * done) / c.total) : 0}%`;
    counts.textContent = `${c.succeeded} succeeded, ${c.failed} failed, ${c.running} running, ${c.pending} pending, of ${c.total} items.`;
    samples.push([(performance.now() - opened) / 1000, done]);
    draw();
  }

  const events = new EventSource(`/api/jobs/${encodeURIComponent(section.dataset.job)}/events`);
  events.addEventListener("progress", (e) => {
    show(JSON.parse(e.data));
    if (performance.now() - lastRefresh > 3000) {
      lastRefresh = performance.now();
      refreshLive();
    }
  });
  events.addEventListener("end", (e) => {
    events.close();
    show(JSON.parse(e.data));
    location.reload();
  });
  setInterval(draw, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  const job = document.querySelector("section[data-job]");
  if (job) {
    if (job.dataset.state === "running") watchJob(job);
  } else if (document.querySelector("[data-live]")) {
    setInterval(refreshLive, 3000);
  }

  // A chosen spec file is shown in the text box before it is sent.
  const file = document.getElementById("spec-file");
  if (file) {
    file.addEventListener("change", async () => {
      if (file.files.length) document.getElementById("spec").value = await file.files[0].text();
    });
  }
});

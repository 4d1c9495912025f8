// A session's recording on the delegate's own page: hls.js over the signed URLs of the delegate's
// site (its relays first, the origin last), from a topic's start (?t=), and a report of what was
// played every 30 s and when the page is left. The report is the media element's `played` ranges:
// a snapshot the server merges (sending it twice adds nothing) and credits no faster than the
// clock, so it cannot be inflated from here.

const cfg = JSON.parse(document.getElementById("catchup-config").textContent);
const video = document.getElementById("catchup-video");
const line = document.getElementById("catchup-state");
const percent = document.getElementById("catchup-percent");
const words = {};
for (const el of document.getElementById("catchup-words").content.querySelectorAll("[data-k]")) {
  words[el.dataset.k] = el.textContent.trim();
}
const state = { urls: [], index: 0, hls: null, sent: "", reports: 0, last: null };

function played() {
  const out = [];
  for (let i = 0; i < video.played.length; i++) {
    const start = video.played.start(i);
    const end = video.played.end(i);
    if (end - start >= 0.5) out.push([Math.round(start * 10) / 10, Math.round(end * 10) / 10]);
  }
  return out;
}

async function report(leaving = false) {
  const ranges = played();
  const body = JSON.stringify({ ranges });
  if (!ranges.length || body === state.sent) return;
  try {
    const response = await fetch(cfg.watched, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body,
      keepalive: leaving,
    });
    if (!response.ok) return;
    state.sent = body;
    state.reports += 1;
    state.last = await response.json();
    if (percent) percent.textContent = `${Math.floor(state.last.percent)}%`;
  } catch (error) {
    // offline: the same ranges (and more) go with the next report
  }
}

function play(index) {
  if (state.hls) state.hls.destroy();
  state.index = index;
  const url = state.urls[index];
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({ startPosition: cfg.start });
    state.hls = hls;
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (index + 1 < state.urls.length) play(index + 1);
      else line.textContent = words.failed;
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
    hls.attachMedia(video);
    hls.loadSource(url);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    video.addEventListener("loadedmetadata", () => { video.currentTime = cfg.start; }, { once: true });
    video.play().catch(() => {});
  } else {
    line.textContent = words.no_player;
  }
}

async function begin() {
  try {
    const response = await fetch(cfg.playback, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    state.urls = data.urls;
    play(0);
  } catch (error) {
    line.textContent = words.failed;
  }
}

video.addEventListener("playing", () => { line.textContent = words.playing; });
for (const link of document.querySelectorAll("#catchup-topics a[data-offset]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    video.currentTime = Number(link.dataset.offset);
    video.play().catch(() => {});
  });
}
setInterval(report, cfg.report_s * 1000);
document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && report(true));
video.addEventListener("pause", () => report());
window.diemcauCatchup = { state, report, played };
begin();

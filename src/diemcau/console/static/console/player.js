// The live stream in the site console: hls.js (or the browser's own HLS, e.g. Safari) playing the
// site's signed URLs in failover order — its province's relay, another relay, the origin.
//
// A source is left on a fatal error or when the picture stops advancing for STALL_MS; after a
// while on a fallback the first source is probed and taken back. The signed URLs are fetched
// again before they expire; hls.js then carries on with the new token (rewritten into every
// request) without reloading. health() is what the heartbeat reports.

const card = document.getElementById("c-player");
const video = document.getElementById("c-video");
const line = document.getElementById("c-player-state");
const HLS_SRC = new URL("./vendor/hls.min.js", import.meta.url).href;
const STALL_MS = 8_000; // no progress while it should play: the source is failing us
const START_MS = 15_000; // a source that shows no picture within this is failing too
const NO_STREAM_MS = 30_000; // 11,000 consoles waiting for the broadcast: not too often
const ROUND_PAUSE_MS = 5_000; // every source failed: wait, then ask the server again…
const ROUND_PAUSE_MAX_MS = 60_000; // …longer each time: before the broadcast all 11,000 sites fail
const BACK_TO_FIRST_MS = 120_000;
const REFRESH_MARGIN_S = 600; // new URLs this long before the old ones expire
const SIGNED = /^(https?:\/\/[^/]+\/live\/)([^/]+\/[^/]+)(\/.*)$/; // …/live/<token>/<expires>/…

const words = {};
const wordList = document.getElementById("c-player-words");
for (const el of wordList ? wordList.content.querySelectorAll("[data-k]") : []) words[el.dataset.k] = el.textContent.trim();
const fmt = (key, values = {}) => (words[key] || key).replace(/%\((\w+)\)s/g, (_m, k) => String(values[k]));

const state = {
  urls: [],
  stream: "",
  signature: "", // <token>/<expires> of the newest URLs
  index: -1,
  hls: null,
  gen: 0, // bumped on every (re)start: callbacks of an abandoned source do nothing
  failedInRound: 0,
  failedRounds: 0,
  lastTime: -1,
  progressAt: 0,
  switchedAt: 0,
  mediaRecoveries: 0,
  timers: {},
};

const TONE = { playing: "ok", all_failed: "bad", no_player: "bad", forbidden: "bad", offline: "bad" };

function show(key, values, kind) {
  if (!line) return;
  line.textContent = fmt(key, values);
  line.dataset.state = kind || key;
  line.className = TONE[key] || "muted";
}

function later(name, ms, fn) {
  clearTimeout(state.timers[name]);
  state.timers[name] = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
}

function source() {
  const url = state.urls[state.index];
  return url ? new URL(url).host : "";
}

// The newest signature in place of an older one: hls.js keeps the URLs it started with.
function fresh(url) {
  const m = SIGNED.exec(url);
  if (!m || !state.signature || m[2] === state.signature) return url;
  return m[1] + state.signature + m[3];
}

let hlsLoading = null;
function loadHls() {
  if (window.Hls) return Promise.resolve(window.Hls);
  if (!hlsLoading) {
    hlsLoading = new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = HLS_SRC;
      script.onload = () => resolve(window.Hls || null);
      script.onerror = () => resolve(null); // scripts/vendor not run: native HLS or nothing
      document.head.appendChild(script);
    });
  }
  return hlsLoading;
}

async function fetchSources() {
  try {
    const response = await fetch(card.dataset.api, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    });
    const data = response.ok ? await response.json() : null;
    return { status: response.status, data };
  } catch (error) {
    return { status: 0, data: null };
  }
}

function useSources(data) {
  const changed = data.stream !== state.stream;
  state.urls = data.urls;
  state.stream = data.stream;
  const m = SIGNED.exec(data.urls[0] || "");
  state.signature = m ? m[2] : "";
  const refreshIn = Math.max(10, (data.expires_in_s || 0) - REFRESH_MARGIN_S);
  later("refresh", refreshIn * 1000, refresh);
  return changed;
}

// Ask the server for the site's URLs and start from the first; wait while nothing is live.
async function begin() {
  const res = await fetchSources();
  if (res.data && res.data.urls && res.data.urls.length) {
    useSources(res.data);
    state.failedInRound = 0;
    play(0);
    return;
  }
  stop();
  if (res.status === 401 || res.status === 403) show("forbidden");
  else if (res.status === 404) show("waiting");
  else show("offline");
  later("begin", NO_STREAM_MS * (0.8 + Math.random() * 0.4), begin);
}

// New URLs before the old ones expire; the current source carries on with the new token.
async function refresh() {
  const res = await fetchSources();
  if (!res.data || !res.data.urls || !res.data.urls.length) {
    later("refresh", 60_000, refresh);
    return;
  }
  const current = state.urls[state.index];
  const streamChanged = useSources(res.data);
  const index = state.urls.findIndex((u) => current && new URL(u).host === new URL(current).host);
  if (streamChanged || index < 0) play(0);
  else if (!state.hls) play(index); // native HLS cannot rewrite its requests: reload the URL
  else state.index = index;
}

function stop() {
  state.gen += 1;
  if (state.hls) {
    state.hls.destroy();
    state.hls = null;
  }
  clearTimeout(state.timers.back);
  video.removeAttribute("src");
  video.load();
}

function startPlayback() {
  const attempt = video.play();
  if (!attempt) return;
  attempt.catch((error) => {
    if (error && error.name === "NotAllowedError" && !video.muted) {
      // Autoplay with sound needs a click: start muted and say so.
      video.muted = true;
      video.play().catch(() => {});
    }
  });
}

async function play(index) {
  stop();
  const gen = state.gen;
  state.index = index;
  state.lastTime = -1;
  state.progressAt = performance.now() + START_MS - STALL_MS;
  state.switchedAt = performance.now();
  state.mediaRecoveries = 0;
  const url = state.urls[index];
  const values = { n: index + 1, total: state.urls.length, host: source() };
  show(index === 0 ? "connecting" : "switching", values, "connecting");
  const Hls = await loadHls();
  if (gen !== state.gen) return;
  if (Hls && Hls.isSupported()) {
    const hls = new Hls(hlsConfig());
    state.hls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (gen !== state.gen || !data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && state.mediaRecoveries < 1) {
        state.mediaRecoveries += 1;
        hls.recoverMediaError();
        return;
      }
      failover(gen);
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => gen === state.gen && startPlayback());
    hls.attachMedia(video);
    hls.loadSource(url);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    startPlayback();
  } else {
    show("no_player");
    return;
  }
  if (index > 0) later("back", BACK_TO_FIRST_MS, recheck);
}

// The current source failed: the next one, or after a full round a pause and fresh URLs.
function failover(gen) {
  if (gen !== state.gen) return;
  state.failedInRound += 1;
  if (state.failedInRound >= state.urls.length) {
    stop();
    state.failedInRound = 0;
    state.failedRounds += 1;
    const pause = Math.min(ROUND_PAUSE_MAX_MS, ROUND_PAUSE_MS * 2 ** (state.failedRounds - 1));
    show("all_failed");
    later("begin", pause * (0.8 + Math.random() * 0.4), begin);
    return;
  }
  play((state.index + 1) % state.urls.length);
}

// On a fallback source: is the first one (in the server's current order) answering again?
export async function recheck() {
  if (state.index <= 0) return false;
  const res = await fetchSources();
  if (res.data && res.data.urls && res.data.urls.length) useSources(res.data);
  const first = state.urls[0];
  let ok = false;
  try {
    ok = (await fetch(first, { cache: "no-store" })).ok;
  } catch (error) {
    ok = false;
  }
  if (ok && state.index !== 0) {
    state.failedInRound = 0;
    play(0);
  } else if (state.index > 0) {
    later("back", BACK_TO_FIRST_MS, recheck);
  }
  return ok;
}

function hlsConfig() {
  const policy = (ttfb, load, retries) => ({
    default: {
      maxTimeToFirstByteMs: ttfb,
      maxLoadTimeMs: load,
      timeoutRetry: { maxNumRetry: 1, retryDelayMs: 0, maxRetryDelayMs: 0 },
      errorRetry: { maxNumRetry: retries, retryDelayMs: 500, maxRetryDelayMs: 2000 },
    },
  });
  return {
    capLevelToPlayerSize: true, // a commune's link carries only what the screen shows
    liveSyncDurationCount: 3,
    manifestLoadPolicy: policy(5000, 8000, 1),
    playlistLoadPolicy: policy(5000, 8000, 2),
    fragLoadPolicy: policy(8000, 20000, 3),
    xhrSetup(xhr, url) {
      const target = fresh(url);
      if (target !== url) xhr.open("GET", target, true);
    },
  };
}

// Stall watchdog: hls.js rides out short gaps itself; a picture frozen this long is a dead source.
function watch() {
  const now = performance.now();
  if (state.index >= 0 && (state.hls || video.src)) {
    if (video.currentTime !== state.lastTime && !video.paused && video.readyState > 2) {
      state.lastTime = video.currentTime;
      state.progressAt = now;
      state.failedInRound = 0;
      state.failedRounds = 0;
      const values = { n: state.index + 1, total: state.urls.length, host: source() };
      if (video.muted) show("muted", values);
      else show("playing", values);
    } else if (!video.paused || video.readyState < 3) {
      if (now - state.progressAt > STALL_MS) {
        failover(state.gen);
      } else if (now - state.progressAt > 2000 && state.lastTime >= 0) {
        show("buffering", { host: source() });
      }
    }
  }
}

function level() {
  const hls = state.hls;
  if (!hls || !hls.levels || !hls.levels.length) return null;
  const index = hls.currentLevel >= 0 ? hls.currentLevel : hls.loadLevel;
  return hls.levels[index] || null;
}

// What the heartbeat reports: the server flags sites that are not playing, buffer-starved,
// dropping frames or far behind live.
export function health() {
  if (!video) return { playing: false, buffer: 0, bitrate: 0, dropped_total: 0, latency: 0, source: null };
  const playing =
    !video.paused && !video.ended && video.readyState > 2 && performance.now() - state.progressAt < STALL_MS;
  let buffer = 0;
  if (video.buffered.length) buffer = Math.max(0, video.buffered.end(video.buffered.length - 1) - video.currentTime);
  let latency = 0;
  if (state.hls && Number.isFinite(state.hls.latency)) latency = state.hls.latency;
  else if (video.seekable.length) latency = Math.max(0, video.seekable.end(video.seekable.length - 1) - video.currentTime);
  const current = level();
  let dropped = 0;
  if (typeof video.getVideoPlaybackQuality === "function") dropped = video.getVideoPlaybackQuality().droppedVideoFrames;
  return {
    playing,
    buffer: Math.round(buffer * 10) / 10,
    bitrate: current && current.bitrate ? Math.round(current.bitrate / 1000) : 0,
    dropped_total: dropped,
    latency: Math.min(3_600_000, Math.round(latency * 1000)),
    source: state.urls[state.index] ? { index: state.index, host: source() } : null,
  };
}

// The console's link came back: a "cannot reach the server" line would otherwise stay up to the
// next retry (30 s or more); ask again soon, spread over a few seconds (11,000 sites reconnect).
export function reconnected() {
  if (!line || !card || !card.dataset.api) return;
  if (line.dataset.state === "offline" || line.dataset.state === "all_failed") {
    show("waiting");
    later("begin", 500 + Math.random() * 2500, begin);
  }
}

export { state };

if (card && video && card.dataset.api) {
  setInterval(watch, 1000);
  video.addEventListener("volumechange", () => video.muted || watch());
  begin();
}

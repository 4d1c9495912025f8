// The live stream in the site console: hls.js (or the browser's own HLS, e.g. Safari) playing the
// site's signed URLs in failover order — its province's relay, another relay, the origin.
//
// A source is left on a fatal error or when the picture stops advancing for STALL_MS; after a
// while on a fallback the first source is probed and taken back. The signed URLs are fetched
// again before they expire; hls.js then carries on with the new token (rewritten into every
// request) without reloading. health() is what the heartbeat reports.
//
// A weak link (issue 22). The ladder's lowest rung is "audio": sound plus a still picture every
// few seconds (~90 kbit/s), an ordinary level for hls.js. When the picture stalls on every video
// rung — a fragment loading slower than it plays, or the picture frozen with an empty buffer, on
// the lowest video rung (hls.js has already come down to it) — the player pins the audio rung,
// says so under the video, and every PROBE_MS measures the link on a segment of the lowest video
// rung (a bounded read: at most PROBE_BYTES or PROBE_TIME_MS); when it would carry that rung with
// a margin, hls.js's own switching takes over again from that rung.
//
// The DVR window. The moment the picture was lost (its programme date-time, the origin's clock)
// is kept; when video plays again the player offers "Xem lại từ lúc mất tín hiệu": it loads the
// DVR playlist (dvr.m3u8, the last two hours) from that moment, says how far behind live it is
// (the heartbeat's `behind`), and "Về trực tiếp" goes back to the live playlist.

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
const WEAK_WINDOW_MS = 30_000; // a rung that failed within this is still "stalling"
const SLOW_LOAD = 1.2; // a fragment loading this many times longer than it plays: the rung is too heavy
const STALL_WEAK_MS = 2_500; // the picture frozen this long with (almost) nothing buffered
const PROBE_FIRST_MS = 8_000; // on the audio rung: first look at the link after this…
const PROBE_MS = 10_000; // …then this often; doubled after each climb that fell back at once
const PROBE_MAX_MS = 120_000;
const PROBE_BYTES = 64_000; // a probe reads at most this much of a video segment…
const PROBE_TIME_MS = 2_500; // …or for this long: it must not starve the sound
const CLIMB_MARGIN = 1.5; // the link must carry the lowest video rung this many times over
const RELAPSE_MS = 60_000; // back on the audio rung this soon after a climb: probe less often
const MEASURE_MS = 1_500; // a fragment in flight this long tells the line's rate
const LOSS_MIN_MS = 4_000; // a gap in the picture shorter than this is not worth a rewind
const LIVE_SLACK_S = 15; // on the DVR playlist and closer than this to live: counted as live
const DVR_MARGIN_S = 30; // the moment must be this far inside the window to be offered

const words = {};
for (const id of ["c-player-words", "c-player-more"]) {
  const list = document.getElementById(id);
  for (const el of list ? list.content.querySelectorAll("[data-k]") : []) words[el.dataset.k] = el.textContent.trim();
}
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
  dvrUrls: [],
  dvrWindowS: 0,
  clockSkewMs: 0, // server clock − this PC's clock (a commune PC may be minutes off)
  audioOnly: false, // pinned to the audio rung by the weak-link rule
  climbing: false,
  pinnedLow: 0, // when the weak-link rule pinned the lowest video rung (0: not pinned)
  weakLine: false, // the line was found weak and has not yet carried video again
  weak: {}, // level → when it last failed to keep up (performance.now())
  loading: null, // the main fragment in flight: { level, duration, at }
  probeMs: PROBE_MS,
  probeKbps: 0,
  climbedAt: -Infinity,
  goodPdt: 0, // programme date-time (ms, origin clock) of the picture last seen moving on video
  goodWall: 0,
  lost: null, // { pdt, wall }: where the picture was lost, for "Xem lại từ lúc mất tín hiệu"
  rewind: null, // { pdt } while the DVR playlist plays
  recording: null, // { id, title, urls, start } while a session's recording plays
  events: [], // [{ at: Date.now(), kind }] for tests and benches: audio, video, lost, rewind, live
};

const TONE = { playing: "ok", all_failed: "bad", no_player: "bad", forbidden: "bad", offline: "bad", audio_only: "warn" };
const notice = document.getElementById("c-player-notice");
const noticeText = document.getElementById("c-player-notice-text");
const rewindButton = document.getElementById("c-rewind");
const liveButton = document.getElementById("c-go-live");

function note(kind) {
  state.events.push({ at: Date.now(), kind });
  if (state.events.length > 200) state.events.shift();
}

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
  // A recording's token covers the recording's path, not the live stream's: left as it is.
  if (!m || !state.signature || m[2] === state.signature || state.recording) return url;
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
  state.dvrUrls = Array.isArray(data.dvr_urls) ? data.dvr_urls : [];
  state.dvrWindowS = data.dvr_window_s || 0;
  if (data.server_time) state.clockSkewMs = Date.parse(data.server_time) - Date.now();
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
  if (state.recording) return; // back to live later takes the new URLs
  if (streamChanged || index < 0) play(0);
  else if (!state.hls && !state.rewind) play(index); // native HLS cannot rewrite its requests: reload the URL
  else state.index = index;
}

function stop() {
  state.gen += 1;
  if (state.hls) {
    state.hls.destroy();
    state.hls = null;
  }
  clearTimeout(state.timers.back);
  clearTimeout(state.timers.probe);
  state.audioOnly = false;
  state.climbing = false;
  state.pinnedLow = 0;
  state.weak = {};
  state.loading = null;
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
  const wasGood = state.goodWall && performance.now() - state.progressAt < STALL_MS;
  stop();
  if (wasGood && !state.rewind) lose(); // a source change is a gap in the picture too
  const gen = state.gen;
  state.index = index;
  state.lastTime = -1;
  state.progressAt = performance.now() + START_MS - STALL_MS;
  state.switchedAt = performance.now();
  state.mediaRecoveries = 0;
  const rewind = state.rewind && state.dvrUrls[index] ? state.rewind : null;
  const recording = state.recording && state.recording.urls[index] ? state.recording : null;
  let url = rewind ? state.dvrUrls[index] : state.urls[index];
  if (recording) url = recording.urls[index];
  const values = { n: index + 1, total: state.urls.length, host: source() };
  show(index === 0 ? "connecting" : "switching", values, "connecting");
  const Hls = await loadHls();
  if (gen !== state.gen) return;
  if (Hls && Hls.isSupported()) {
    const config = hlsConfig();
    if (rewind) {
      const at = await dvrPosition(url, rewind.pdt);
      if (gen !== state.gen) return;
      if (at !== null) config.startPosition = at;
    }
    if (recording) config.startPosition = recording.start;
    const hls = new Hls(config);
    state.hls = hls;
    watchLink(hls, Hls, gen);
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (gen !== state.gen || !data.fatal) return;
      note(`fatal:${data.details}`);
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && state.mediaRecoveries < 1) {
        state.mediaRecoveries += 1;
        hls.recoverMediaError();
        return;
      }
      failover(gen);
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      if (gen !== state.gen) return;
      // Still on a weak line (another source, the same line): straight to the audio rung.
      const audio = audioLevel(hls);
      if (state.weakLine && audio >= 0 && !recording && !rewind) {
        hls.startLevel = audio;
        hls.currentLevel = audio;
        state.audioOnly = true;
        later("probe", PROBE_FIRST_MS, probe);
      }
      startPlayback();
    });
    hls.attachMedia(video);
    hls.loadSource(url);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    // Safari's own HLS: its adaptive switching is its own; a rewind plays the DVR playlist.
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
  note("failover");
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
// A shorter freeze with an empty buffer on a video rung is a weak link: the audio rung first.
function watch() {
  const now = performance.now();
  if (state.index >= 0 && (state.hls || video.src)) {
    if (video.currentTime !== state.lastTime && !video.paused && video.readyState > 2) {
      state.lastTime = video.currentTime;
      state.progressAt = now;
      state.failedInRound = 0;
      state.failedRounds = 0;
      const values = { n: state.index + 1, total: state.urls.length, host: source() };
      const pdt = playingPdt();
      if (onVideo() && !state.rewind && !state.recording) {
        if (pdt) state.goodPdt = pdt;
        state.goodWall = Date.now();
      }
      if (state.rewind && pdt && !state.rewind.corrected) {
        // The start position came from our own read of the playlist: put right what slid since.
        state.rewind.corrected = true;
        const off = (state.rewind.pdt - pdt) / 1000;
        if (Math.abs(off) > 4) video.currentTime = Math.max(0, video.currentTime + off);
      }
      if (onAudioRung()) show("audio_only", values); // the notice under the video says why
      else if (video.muted) show("muted", values);
      else show("playing", values);
    } else if (!video.paused || video.readyState < 3) {
      if (now - state.progressAt > LOSS_MIN_MS) lose();
      if (now - state.progressAt > STALL_MS) {
        failover(state.gen);
      } else if (now - state.progressAt > STALL_WEAK_MS && ahead() < 0.5 && state.hls) {
        markWeak(state.loading ? state.loading.level : state.hls.loadLevel); // the rung it waits for
      } else if (now - state.progressAt > 2000 && state.lastTime >= 0) {
        show("buffering", { host: source() });
      }
    }
    release();
    const l = state.loading;
    if (l && state.hls && ahead() < 2 * l.duration) {
      const took = now - l.at;
      if (took > MEASURE_MS && l.stats && thinner((l.stats.loaded * 8) / took)) {
        markWeak(l.level, true); // the line carries less than the lowest video rung needs
      } else if (took / 1000 > SLOW_LOAD * l.duration) {
        markWeak(l.level); // still loading a fragment it should already be playing
      }
    }
  }
  renderNotice();
}

function ahead() {
  const b = video.buffered;
  for (let i = 0; i < b.length; i++) {
    if (b.start(i) <= video.currentTime + 0.2 && video.currentTime < b.end(i)) return b.end(i) - video.currentTime;
  }
  return 0;
}

// -- weak link: the audio rung and back --------------------------------------------------------
function levelUri(l) {
  return (l && (l.uri || (Array.isArray(l.url) ? l.url[0] : l.url))) || "";
}

// The contract with the origin: the audio rung's playlist is …/audio/index.m3u8 (dvr.m3u8).
function isAudioLevel(l) {
  return Boolean(l) && (/\/audio\/[^/]*$/.test(levelUri(l)) || (!l.videoCodec && !l.height && !l.width));
}

function audioLevel(hls) {
  return hls && hls.levels ? hls.levels.findIndex(isAudioLevel) : -1;
}

function videoLevels(hls) {
  return hls && hls.levels ? hls.levels.map((l, i) => (isAudioLevel(l) ? -1 : i)).filter((i) => i >= 0) : [];
}

function lowestVideo(hls) {
  const ids = videoLevels(hls);
  return ids.length ? ids.reduce((a, b) => (hls.levels[b].bitrate < hls.levels[a].bitrate ? b : a)) : -1;
}

function onAudioRung() {
  const hls = state.hls;
  if (!hls) return false;
  const index = hls.currentLevel >= 0 ? hls.currentLevel : hls.loadLevel;
  return index >= 0 && index === audioLevel(hls);
}

function onVideo() {
  return !onAudioRung();
}

function watchLink(hls, Hls, gen) {
  const E = Hls.Events;
  hls.on(E.FRAG_LOADING, (_e, data) => {
    if (gen !== state.gen || data.frag.type !== "main") return;
    const stats = data.frag.stats || null; // the loader keeps its `loaded` up to date
    state.loading = { level: data.frag.level, duration: data.frag.duration || 2, at: performance.now(), stats };
  });
  hls.on(E.FRAG_LOADED, (_e, data) => {
    if (gen !== state.gen || data.frag.type !== "main") return;
    state.loading = null;
    const stats = data.frag.stats || data.stats;
    const took = stats && stats.loading ? stats.loading.end - stats.loading.start : 0;
    if (took > SLOW_LOAD * 1000 * (data.frag.duration || 2)) markWeak(data.frag.level);
  });
  hls.on(E.ERROR, (_e, data) => {
    if (gen !== state.gen) return;
    if (data.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR && ahead() < 0.5) {
      markWeak(state.loading ? state.loading.level : hls.loadLevel);
    }
  });
  hls.on(E.LEVEL_SWITCHED, (_e, data) => {
    if (gen !== state.gen) return;
    const audio = data.level === audioLevel(hls);
    if (audio) lose();
    if (state.climbing && !audio) {
      state.climbing = false;
      hls.loadLevel = -1; // automatic switching again, from the lowest video rung up
    }
    note(audio ? "audio" : "video");
    renderNotice();
  });
}

// A rung that cannot keep up. A higher video rung failing sends the player straight to the
// lowest video rung (hls.js's own switching comes down one rung per failed fragment, seconds
// each on a thin line); the lowest failing too pins the audio rung. Every video rung has then
// stalled within WEAK_WINDOW_MS.
function markWeak(levelIndex, everyRung = false) {
  const hls = state.hls;
  if (!hls || state.audioOnly || state.climbing || state.rewind || state.recording) return;
  if (globalThis.diemcauWeakLinkRule === false) return; // bench/bench_player_fallback.py's baseline
  const audio = audioLevel(hls);
  if (audio < 0 || levelIndex < 0 || levelIndex === audio) return;
  const now = performance.now();
  if (!state.weak[levelIndex] || now - state.weak[levelIndex] > 1000) note(`weak:${levelIndex}`);
  state.weak[levelIndex] = now;
  if (everyRung) for (const i of videoLevels(hls)) state.weak[i] = now;
  const low = lowestVideo(hls);
  const all = videoLevels(hls).every((i) => now - (state.weak[i] ?? -Infinity) < WEAK_WINDOW_MS);
  if (all || levelIndex === low) {
    toAudio();
  } else if (!state.pinnedLow && hls.loadLevel !== low) {
    // Once: switching again would abort the lowest rung's fragment on its way.
    state.pinnedLow = now;
    state.loading = null;
    hls.currentLevel = low; // now: the picture is already starving
    state.progressAt = Math.max(state.progressAt, now + STALL_MS / 2 - STALL_MS);
  }
}

// Measured kbit/s below what the lowest video rung needs: every video rung would stall.
function thinner(kbps) {
  const hls = state.hls;
  const low = lowestVideo(hls);
  return low >= 0 && kbps < hls.levels[low].bitrate / 1000;
}

// Pinned to the lowest video rung and it keeps up: hls.js's own switching again.
function release() {
  const hls = state.hls;
  if (!hls || !state.pinnedLow || state.audioOnly) return;
  const low = lowestVideo(hls);
  if (performance.now() - Math.max(state.pinnedLow, state.weak[low] ?? 0) > WEAK_WINDOW_MS) {
    state.pinnedLow = 0;
    hls.loadLevel = -1;
  }
}

function toAudio() {
  const hls = state.hls;
  const audio = audioLevel(hls);
  if (audio < 0) return;
  lose();
  state.audioOnly = true;
  state.weakLine = true;
  state.pinnedLow = 0;
  state.loading = null;
  if (performance.now() - state.climbedAt < RELAPSE_MS) state.probeMs = Math.min(PROBE_MAX_MS, state.probeMs * 2);
  hls.currentLevel = audio; // now, not at the next fragment: the picture is frozen already
  // The sound of now, not of when the picture froze (the rewind offer covers the gap).
  const live = hls.liveSyncPosition;
  if (Number.isFinite(live) && live - video.currentTime > 3 * (state.loading ? state.loading.duration : 2)) {
    video.currentTime = live;
  }
  state.progressAt = performance.now() + STALL_MS / 2; // the rung's first fragment gets its chance
  later("probe", PROBE_FIRST_MS, probe);
  renderNotice();
}

// On the audio rung: would the link carry the lowest video rung now?
async function probe() {
  const hls = state.hls;
  if (!hls || !state.audioOnly) return;
  const gen = state.gen;
  const low = lowestVideo(hls);
  const kbps = low >= 0 ? await measure(levelUri(hls.levels[low])) : 0;
  if (gen !== state.gen || !state.audioOnly) return;
  state.probeKbps = kbps;
  note(`probe:${Math.round(kbps)}`);
  if (low >= 0 && kbps >= (CLIMB_MARGIN * hls.levels[low].bitrate) / 1000) climb(low);
  else later("probe", state.probeMs, probe);
}

// kbit/s over a bounded read of the newest segment of a rendition (its playlist first).
async function measure(playlist) {
  try {
    const url = fresh(playlist);
    const text = await (await fetch(url, { cache: "no-store" })).text();
    const uris = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    if (!uris.length) return 0;
    const started = performance.now();
    const response = await fetch(new URL(uris[uris.length - 1], url).href, { cache: "no-store" });
    if (!response.ok || !response.body) return 0;
    const reader = response.body.getReader();
    let bytes = 0;
    for (;;) {
      const left = started + PROBE_TIME_MS - performance.now();
      if (left <= 0 || bytes >= PROBE_BYTES) break;
      const timer = new Promise((resolve) => setTimeout(() => resolve({ timeout: true }), left));
      const chunk = await Promise.race([reader.read(), timer]);
      if (chunk.timeout || chunk.done) break;
      bytes += chunk.value.length;
    }
    reader.cancel().catch(() => {});
    return (bytes * 8) / Math.max(1, performance.now() - started); // bits per ms = kbit/s
  } catch (error) {
    return 0;
  }
}

function climb(low) {
  const hls = state.hls;
  state.audioOnly = false;
  state.weakLine = false;
  state.climbing = true;
  state.weak = {};
  state.climbedAt = performance.now();
  hls.currentLevel = low; // the lowest video rung now; automatic switching once it plays
  state.progressAt = performance.now() + STALL_MS / 2;
  renderNotice();
}

// -- the DVR window: where the picture was lost, and back to live -------------------------------
function playingPdt() {
  const date = state.hls && state.hls.playingDate;
  return date ? date.getTime() : 0;
}

// The picture stopped (a stall, the audio rung, another source): keep the first such moment.
function lose() {
  if (state.lost || state.rewind || state.recording || !state.goodPdt) return;
  state.lost = { pdt: state.goodPdt, wall: state.goodWall };
  note("lost");
}

function serverNow() {
  return Date.now() + state.clockSkewMs;
}

function canRewind() {
  const lost = state.lost;
  if (!lost || state.rewind || !state.dvrUrls.length || !state.dvrWindowS) return false;
  if (Date.now() - lost.wall < LOSS_MIN_MS) return false;
  return (serverNow() - lost.pdt) / 1000 < state.dvrWindowS - DVR_MARGIN_S;
}

// Seconds into the DVR playlist of the rendition hls.js will start on, for a wall time.
async function dvrPosition(master, pdt) {
  try {
    const masterText = await (await fetch(master, { cache: "no-store" })).text();
    const variant = masterText.split("\n").map((l) => l.trim()).find((l) => l && !l.startsWith("#"));
    if (!variant) return null;
    const url = new URL(variant, master).href;
    const text = await (await fetch(url, { cache: "no-store" })).text();
    let position = 0;
    let duration = 0;
    let at = null;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line.startsWith("#EXTINF:")) duration = parseFloat(line.slice(8));
      else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) at = Date.parse(line.slice(25));
      else if (line && !line.startsWith("#")) {
        if (at !== null && pdt < at + duration * 1000) return position + Math.max(0, (pdt - at) / 1000);
        position += duration;
        if (at !== null) at += duration * 1000;
      }
    }
    return null; // the moment is past the playlist's end: live is where it is
  } catch (error) {
    return null;
  }
}

// "Xem lại từ lúc mất tín hiệu": the DVR playlist from the moment the picture was lost.
export function rewindToLoss() {
  if (!canRewind()) return false;
  state.rewind = { pdt: state.lost.pdt };
  state.lost = null;
  note("rewind");
  play(Math.max(0, state.index));
  renderNotice();
  return true;
}

// "Về trực tiếp": the live playlist again.
export function goLive() {
  if (!state.rewind && !state.recording) return false;
  state.rewind = null;
  state.recording = null;
  state.lost = null;
  note("live");
  play(Math.max(0, state.index));
  renderNotice();
  return true;
}

// Seconds behind the live edge while the DVR playlist plays; 0 when following live.
function behind() {
  if (!state.rewind || !state.hls) return 0;
  const pdt = playingPdt();
  const hls = state.hls;
  const current = hls.levels && hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : hls.loadLevel];
  const details = current && current.details;
  const last = details && details.fragments.length ? details.fragments[details.fragments.length - 1] : null;
  if (!pdt || !last || !last.programDateTime) return 0;
  const edge = last.programDateTime + last.duration * 1000;
  const seconds = Math.round((edge - pdt) / 1000);
  return seconds > LIVE_SLACK_S ? seconds : 0;
}

function spoken(seconds) {
  const m = Math.floor(seconds / 60);
  const values = { h: Math.floor(m / 60), m: m % 60, s: seconds % 60 };
  if (values.h) return fmt("hours", values);
  return m ? fmt("minutes", values) : fmt("seconds", values);
}

function renderNotice() {
  if (!notice) return;
  let text = "";
  let mode = "";
  if (state.recording) {
    mode = "behind";
    text = fmt("recording", { title: state.recording.title });
  } else if (state.rewind) {
    const late = behind();
    mode = "behind";
    text = late ? fmt("behind", { time: spoken(late) }) : fmt("rewinding");
  } else if (state.hls && (state.audioOnly || onAudioRung())) {
    mode = "audio";
    text = fmt("audio_notice");
  } else if (canRewind() && performance.now() - state.progressAt < 2000) {
    mode = "lost";
    text = fmt("lost", { time: spoken(Math.max(1, Math.round((Date.now() - state.lost.wall) / 1000))) });
  }
  notice.hidden = !mode;
  notice.dataset.mode = mode;
  if (noticeText) noticeText.textContent = text;
  if (rewindButton) rewindButton.hidden = mode !== "lost";
  if (liveButton) liveButton.hidden = mode !== "behind";
}

// -- session recordings in the console ----------------------------------------------------------
function recordingsBase() {
  return card.dataset.api.replace(/sites\/[^/]+\/playback$/, "recordings");
}

// A session's recording (or one topic of it) in the console's player, through the site's relays.
export async function playRecording(id, offset = 0, title = "") {
  const site = (card.dataset.api.match(/sites\/([^/]+)\/playback$/) || [])[1] || "";
  let data = null;
  try {
    const response = await fetch(`${recordingsBase()}/${id}/playback?site=${site}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    data = response.ok ? await response.json() : null;
  } catch (error) {
    data = null;
  }
  if (!data || !data.urls || !data.urls.length) return false;
  state.rewind = null;
  state.lost = null;
  state.recording = { id, title, urls: data.urls, start: Math.max(0, Number(offset) || 0) };
  note("recording");
  play(0);
  renderNotice();
  return true;
}

const clockText = (s) => `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;

// The recordings of the sessions on the console's programme, each topic a button.
async function listRecordings() {
  const list = document.getElementById("c-recordings");
  const box = document.getElementById("c-recordings-card");
  if (!list || !box) return;
  let found = [];
  try {
    const response = await fetch(recordingsBase(), { credentials: "same-origin", headers: { Accept: "application/json" } });
    found = response.ok ? await response.json() : [];
  } catch (error) {
    found = [];
  }
  const mine = new Set((box.dataset.sessions || "").split(",").filter(Boolean).map(Number));
  const shown = found.filter((r) => !mine.size || mine.has(r.session)).slice(0, 20);
  list.replaceChildren();
  for (const r of shown) {
    const item = document.createElement("li");
    item.dataset.recording = String(r.id);
    const head = document.createElement("button");
    head.type = "button";
    head.className = "secondary";
    head.textContent = `${r.session_title} (${clockText(Math.round(r.duration_s))})`;
    head.addEventListener("click", () => playRecording(r.id, 0, r.session_title));
    item.append(head);
    const topics = document.createElement("ol");
    for (const t of r.topics || []) {
      const li = document.createElement("li");
      const go = document.createElement("button");
      go.type = "button";
      go.className = "c-topic-link";
      go.dataset.offset = String(t.offset_s);
      go.textContent = `${clockText(t.offset_s)} · ${t.title}`;
      go.addEventListener("click", () => playRecording(r.id, t.offset_s, `${r.session_title} · ${t.title}`));
      li.append(go);
      topics.append(li);
    }
    item.append(topics);
    list.append(item);
  }
  box.hidden = !shown.length;
}

export function events() {
  return state.events.slice();
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
  if (!video)
    return { playing: false, buffer: 0, bitrate: 0, dropped_total: 0, latency: 0, behind: 0, audio_only: false, source: null };
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
    behind: Math.min(86_400, behind()),
    audio_only: Boolean(state.hls) && onAudioRung(),
    rewinding: Boolean(state.rewind),
    recording: state.recording ? state.recording.id : null,
    probe_kbps: Math.round(state.probeKbps),
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
  if (rewindButton) rewindButton.addEventListener("click", rewindToLoss);
  if (liveButton) liveButton.addEventListener("click", goLive);
  setInterval(watch, 1000);
  listRecordings();
  setInterval(listRecordings, 300_000);
  video.addEventListener("volumechange", () => video.muted || watch());
  begin();
}

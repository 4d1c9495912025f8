// The technical check (kiểm tra kỹ thuật): during a rehearsal window the operator confirms that
// the picture plays and the sound is clear; the server records that it was reached at all. Sent
// directly, not queued: a check made offline would prove nothing about the link.

import { call } from "./net.js";

export async function setUpRehearsal(cfg, site, t) {
  const card = document.getElementById("c-rehearsal");
  const res = await call("GET", `${cfg.api.rehearsals}?open=true`);
  if (!res.ok || !Array.isArray(res.data) || !res.data.length) return;
  const rehearsal = res.data[0];
  card.hidden = false;
  document.getElementById("c-rehearsal-title").textContent = rehearsal.title;
  const result = document.getElementById("c-rehearsal-result");
  document.getElementById("c-rehearsal-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      site,
      stream_ok: document.getElementById("c-stream-ok").checked,
      sound_ok: document.getElementById("c-sound-ok").checked,
      note: document.getElementById("c-rehearsal-note").value.trim(),
    };
    const sent = await call("POST", `${cfg.api.rehearsals}/${rehearsal.id}/checks`, body);
    if (sent.ok && sent.data) {
      result.textContent = sent.data.ready ? t.ready : t.not_ready;
      result.dataset.state = sent.data.ready ? "ready" : "not-ready";
    } else {
      const why = (sent.data && sent.data.detail) || (sent.status ? `HTTP ${sent.status}` : t.offline);
      result.textContent = t.check_failed.replace("%(why)s", why);
      result.dataset.state = "failed";
    }
  });
}

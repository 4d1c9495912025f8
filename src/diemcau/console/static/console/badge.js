// Recognising a scan offline (mirrors delegates/codes.py and delegates/badge_token.py).
// A badge carries "DC1:<code>:<mac>"; the roster gives each delegate of this site the first 20 hex
// characters of SHA-256(payload). A match means a genuine badge of this site; anything else is
// queued all the same and the server decides when the network returns.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const WIDTH = 7;
const PAYLOAD = /^DC1:([^:]+):([0-9A-Z]{16})$/;

export function normaliseCode(text) {
  const cleaned = text.trim().toUpperCase().replace(/[-\s]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (cleaned.length !== WIDTH + 1) return null;
  let total = 0;
  for (let i = 0; i < cleaned.length; i += 1) {
    const value = ALPHABET.indexOf(cleaned[i]);
    if (value < 0) return null;
    if (i < WIDTH) total += (2 * i + 1) * value;
  }
  return ALPHABET[total % 32] === cleaned[WIDTH] ? cleaned : null;
}

async function digest(text) {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 20);
}

// → {state, code, person}: state is genuine | mismatch | unverified | unknown | typed | unreadable.
export async function recognise(text, roster) {
  const upper = text.trim().toUpperCase();
  const match = PAYLOAD.exec(upper);
  if (match) {
    const code = normaliseCode(match[1]);
    const person = code ? roster.get(code) : undefined;
    if (!person) return { state: "unknown", code, person: null };
    if (!(globalThis.crypto && crypto.subtle)) return { state: "unverified", code, person };
    const ok = (await digest(`DC1:${code}:${match[2]}`)) === person.badge_digest;
    return { state: ok ? "genuine" : "mismatch", code, person };
  }
  const code = normaliseCode(upper);
  if (code) return { state: roster.has(code) ? "typed" : "unknown", code, person: roster.get(code) || null };
  return { state: "unreadable", code: null, person: null };
}

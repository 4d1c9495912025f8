// Recognising a scan offline (mirrors delegates/codes.py and delegates/badge_token.py).
// A badge's QR code holds its web address, "<public URL>/d/<code>.<mac>" (a phone camera opens
// the delegate's page); badges printed before carry "DC1:<code>:<mac>". Both name the same badge,
// whose canonical form is the DC1 one: the roster gives each delegate of this site the first 20
// hex characters of SHA-256 of it. A match means a genuine badge of this site; anything else is
// queued all the same and the server decides when the network returns.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const WIDTH = 7;
const PAYLOAD = /^DC1:([^:]+):([0-9A-Z]{16})$/;
// Any host: the MAC makes a badge genuine, not the address (which may change or be typed by a
// scanner on another keyboard layout, hence the upper case).
const ADDRESS = /(?:^|\/D\/)([0-9A-Z]{8})\.([0-9A-Z]{16})\/?$/;

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

// A scan → {code, mac} for a badge (either form), {code, mac: null} for a typed code, or null.
export function parseScan(text) {
  const upper = text.trim().toUpperCase();
  const match = PAYLOAD.exec(upper) || (upper.includes(".") ? ADDRESS.exec(upper) : null);
  if (match) {
    const code = normaliseCode(match[1]);
    return code ? { code, mac: match[2] } : null;
  }
  if (upper.includes(".")) return null;
  const code = normaliseCode(upper);
  return code ? { code, mac: null } : null;
}

// What to send the server: a badge in its canonical form (the check-in batch's fast path).
export function canonical(text) {
  const parsed = parseScan(text);
  return parsed && parsed.mac ? `DC1:${parsed.code}:${parsed.mac}` : text.trim();
}

async function digest(text) {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 20);
}

// → {state, code, person}: state is genuine | mismatch | unverified | unknown | typed | unreadable.
export async function recognise(text, roster) {
  const parsed = parseScan(text);
  if (parsed && parsed.mac) {
    const person = roster.get(parsed.code);
    if (!person) return { state: "unknown", code: parsed.code, person: null };
    if (!(globalThis.crypto && crypto.subtle)) return { state: "unverified", code: parsed.code, person };
    const ok = (await digest(`DC1:${parsed.code}:${parsed.mac}`)) === person.badge_digest;
    return { state: ok ? "genuine" : "mismatch", code: parsed.code, person };
  }
  if (parsed) {
    const person = roster.get(parsed.code) || null;
    return { state: person ? "typed" : "unknown", code: parsed.code, person };
  }
  return { state: "unreadable", code: null, person: null };
}

/**
 * The zone abbreviation Go prints for the `MST` layout token. Go takes it from the tz database file of the
 * local zone (found as Go finds it: `$TZ`, else /etc/localtime), and ICU's names differ from it (Intl says
 * "GMT+8" where tzdata says "CST"), so the file is read here too. Without a readable zone file (Windows,
 * a minimal container) the name falls back to Intl's en-US name, or to tzdata's numeric style (`+08`,
 * `+0530`) where Intl only knows a GMT offset.
 */
import { readFileSync } from 'node:fs';

/** Where Go looks for a relative `$TZ` (time/zoneinfo_unix.go platformZoneSources). */
const ZONE_DIRS = [
  '/usr/share/zoneinfo/',
  '/usr/share/lib/zoneinfo/',
  '/usr/lib/locale/TZ/',
  '/etc/zoneinfo/',
];
const SYSTEM_LOCAL_ZONE = '/etc/localtime';
const TZIF_MAGIC = 'TZif';
const TZIF_HEADER_BYTES = 44;
const TZIF_COUNTS_AT = 20;
const TTINFO_BYTES = 6;
const SECONDS_PER_HOUR = 3600;

interface ZoneType {
  readonly abbrev: string;
}

/** The std/dst names and UTC offsets (seconds east) of a TZif footer rule such as `CET-1CEST,M3.5.0,...`. */
interface RuleNames {
  readonly std: string;
  readonly dst?: string;
  readonly dstOffset?: number;
}

interface ZoneData {
  readonly transitions: readonly number[];
  readonly typeIndex: readonly number[];
  readonly types: readonly ZoneType[];
  readonly rule?: RuleNames;
}

const cache = new Map<string, ZoneData | null>();

export function localZoneName(date: Date): string {
  const tz = process.env.TZ;
  if (tz === '' || tz === 'UTC') return 'UTC';
  const key = tz ?? '';
  let zone = cache.get(key);
  if (zone === undefined) {
    zone = loadZone(tz);
    cache.set(key, zone);
  }
  const offset = -date.getTimezoneOffset() * 60;
  return (zone && nameAt(zone, date, offset)) || fallbackName(date, offset);
}

function loadZone(tz: string | undefined): ZoneData | null {
  const candidates: string[] = [];
  if (tz === undefined) candidates.push(SYSTEM_LOCAL_ZONE);
  else {
    const name = tz.startsWith(':') ? tz.slice(1) : tz;
    if (name.startsWith('/')) candidates.push(name);
    else if (name !== '') for (const dir of ZONE_DIRS) candidates.push(dir + name);
  }
  for (const file of candidates) {
    try {
      const zone = parseTzif(readFileSync(file));
      if (zone) return zone;
    } catch {
      // Not there or unreadable: try the next place, as Go does.
    }
  }
  return null;
}

function nameAt(zone: ZoneData, date: Date, offset: number): string | undefined {
  const seconds = Math.floor(date.getTime() / 1000);
  const { transitions } = zone;
  const last = transitions.length - 1;
  if (last < 0 || seconds < transitions[0]) return zone.types[0]?.abbrev;
  if (seconds >= transitions[last] && zone.rule) {
    const { rule } = zone;
    return rule.dst !== undefined && offset === rule.dstOffset ? rule.dst : rule.std;
  }
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (transitions[mid] <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return zone.types[zone.typeIndex[lo]]?.abbrev;
}

function fallbackName(date: Date, offset: number): string {
  const intl = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((part) => part.type === 'timeZoneName')?.value;
  if (intl !== undefined && !intl.startsWith('GMT')) return intl;
  if (offset === 0) return intl ?? 'UTC';
  const abs = Math.abs(offset);
  const hours = Math.floor(abs / SECONDS_PER_HOUR);
  const minutes = Math.floor((abs % SECONDS_PER_HOUR) / 60);
  const sign = offset < 0 ? '-' : '+';
  return `${sign}${pad2(hours)}${minutes === 0 ? '' : pad2(minutes)}`;
}

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** RFC 8536 TZif, versions 1 to 4; undefined when the bytes are not a zone file. */
function parseTzif(buf: Buffer): ZoneData | undefined {
  try {
    if (buf.toString('latin1', 0, 4) !== TZIF_MAGIC) return undefined;
    const version = buf[4];
    let pos = 0;
    let timeBytes = 4;
    if (version >= 0x32) {
      // Skip the 32-bit block: the 64-bit one that follows carries the same data and the footer.
      pos = TZIF_HEADER_BYTES + dataBytes(buf, pos, timeBytes);
      if (buf.toString('latin1', pos, pos + 4) !== TZIF_MAGIC) return undefined;
      timeBytes = 8;
    }
    const [isUtCount, isStdCount, leapCount, timeCount, typeCount, charCount] = counts(buf, pos);
    pos += TZIF_HEADER_BYTES;
    const transitions: number[] = [];
    for (let i = 0; i < timeCount; i++, pos += timeBytes) {
      transitions.push(timeBytes === 8 ? Number(buf.readBigInt64BE(pos)) : buf.readInt32BE(pos));
    }
    const typeIndex = Array.from(buf.subarray(pos, pos + timeCount));
    pos += timeCount;
    const typesAt = pos;
    pos += typeCount * TTINFO_BYTES;
    const chars = buf.toString('latin1', pos, pos + charCount);
    pos += charCount;
    const types: ZoneType[] = [];
    for (let i = 0; i < typeCount; i++) {
      const start = buf[typesAt + i * TTINFO_BYTES + 5];
      const end = chars.indexOf('\0', start);
      types.push({ abbrev: chars.slice(start, end < 0 ? undefined : end) });
    }
    pos += leapCount * (timeBytes + 4) + isStdCount + isUtCount;
    let rule: RuleNames | undefined;
    if (timeBytes === 8 && buf[pos] === 0x0a) {
      const end = buf.indexOf(0x0a, pos + 1);
      if (end > pos) rule = parseRuleNames(buf.toString('latin1', pos + 1, end));
    }
    return { transitions, typeIndex, types, rule };
  } catch {
    return undefined;
  }
}

function counts(buf: Buffer, headerAt: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 6; i++) out.push(buf.readUInt32BE(headerAt + TZIF_COUNTS_AT + i * 4));
  return out;
}

function dataBytes(buf: Buffer, headerAt: number, timeBytes: number): number {
  const [isUtCount, isStdCount, leapCount, timeCount, typeCount, charCount] = counts(buf, headerAt);
  return (
    timeCount * (timeBytes + 1) +
    typeCount * TTINFO_BYTES +
    charCount +
    leapCount * (timeBytes + 4) +
    isStdCount +
    isUtCount
  );
}

/** The names in a POSIX TZ rule: `std offset [dst [offset]][,start,end]`; offsets count west of UTC. */
function parseRuleNames(rule: string): RuleNames | undefined {
  const match = /^(<[^>]*>|[A-Za-z]+)([+-]?[\d:]+)(<[^>]*>|[A-Za-z]+)?([+-]?[\d:]+)?/.exec(rule);
  if (!match) return undefined;
  const std = unquote(match[1]);
  if (match[3] === undefined) return { std };
  const stdOffset = -posixSeconds(match[2]);
  const dstOffset = match[4] === undefined ? stdOffset + SECONDS_PER_HOUR : -posixSeconds(match[4]);
  return { std, dst: unquote(match[3]), dstOffset };
}

function unquote(name: string): string {
  return name.startsWith('<') ? name.slice(1, -1) : name;
}

function posixSeconds(text: string): number {
  const negative = text.startsWith('-');
  const [h = 0, m = 0, s = 0] = text.replace(/^[+-]/, '').split(':').map(Number);
  const total = h * SECONDS_PER_HOUR + m * 60 + s;
  return negative ? -total : total;
}

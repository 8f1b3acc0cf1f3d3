/**
 * Go's time.Format for a local time: kcptun formats the file-name part of `-snmplog` with it, so
 * `snmp-20060102.log` rotates daily and any digit in the name is a layout token (docs/protocol.md §8.3, pitfall 20).
 * Tokens are recognised left to right exactly where Go's layout scanner recognises them, e.g. `Jan` only
 * when not followed by a lower-case letter, `.000` only when no digit follows the run of zeros.
 * Dates carry milliseconds, so fractional-second digits past the third are zeros.
 *
 * One difference: `MST`, the zone abbreviation, is what ICU's en-US names give (UTC, GMT, the US zones'
 * EST/PDT...), else the numeric form tzdata itself uses for most zones (`+08`, `+0530`). Go reads the
 * abbreviation from the tz database file, which would take a TZif parser here, for a token nobody puts in
 * an SNMP log file name; so Europe's CET or Asia/Shanghai's CST print as `+01` and `+08`.
 */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NANOS_PER_MILLI = 1_000_000;
const FRACTION_DIGITS_MAX = 9;
const MS_PER_DAY = 86_400_000;
const SECONDS_PER_HOUR = 3600;

/** Go's numeric zone layouts, longest first as Go tries them; Z forms print `Z` for UTC. */
const ZONE_LAYOUTS: readonly { text: string; colon: boolean; minutes: boolean; seconds: boolean }[] = [
  { text: '070000', colon: false, minutes: true, seconds: true },
  { text: '07:00:00', colon: true, minutes: true, seconds: true },
  { text: '0700', colon: false, minutes: true, seconds: false },
  { text: '07:00', colon: true, minutes: true, seconds: false },
  { text: '07', colon: false, minutes: false, seconds: false },
];

/** Go's appendInt: a sign for negatives, then the magnitude zero-padded to `width`. */
function goInt(value: number, width: number): string {
  const digits = Math.abs(value).toString().padStart(width, '0');
  return value < 0 ? `-${digits}` : digits;
}

function isLower(ch: string | undefined): boolean {
  return ch !== undefined && ch >= 'a' && ch <= 'z';
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** Local calendar and clock fields of one instant, computed once per format call. */
class LocalTime {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly nanos: number;
  readonly weekday: number;
  readonly yearDay: number; // 1..366
  readonly offset: number; // seconds east of UTC

  constructor(readonly date: Date) {
    this.year = date.getFullYear();
    this.month = date.getMonth() + 1;
    this.day = date.getDate();
    this.hour = date.getHours();
    this.minute = date.getMinutes();
    this.second = date.getSeconds();
    this.nanos = date.getMilliseconds() * NANOS_PER_MILLI;
    this.weekday = date.getDay();
    const startOfYear = Date.UTC(this.year, 0, 1);
    this.yearDay = (Date.UTC(this.year, this.month - 1, this.day) - startOfYear) / MS_PER_DAY + 1;
    this.offset = -date.getTimezoneOffset() * 60;
  }

  get hour12(): number {
    return this.hour % 12 === 0 ? 12 : this.hour % 12;
  }
}

/** The zone abbreviation for `MST`: ICU's en-US short name when it is one, else tzdata's numeric style. */
function zoneName(t: LocalTime): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(t.date)
    .find((part) => part.type === 'timeZoneName')?.value;
  if (name !== undefined && !/^GMT[+-]/.test(name)) return name;
  if (t.offset === 0) return 'UTC'; // ICU's name for an unknown zone (TZ=''), which Go calls UTC
  const abs = Math.abs(t.offset);
  const minutes = Math.floor(abs / 60) % 60;
  return (
    (t.offset < 0 ? '-' : '+') +
    goInt(Math.floor(abs / SECONDS_PER_HOUR), 2) +
    (minutes === 0 ? '' : goInt(minutes, 2))
  );
}

/** The numeric zone for the layout at `at` (which starts with '-' or 'Z'), or undefined if none matches. */
function zoneToken(layout: string, at: number, t: LocalTime): { text: string; length: number } | undefined {
  const iso = layout[at] === 'Z';
  for (const form of ZONE_LAYOUTS) {
    if (!layout.startsWith(form.text, at + 1)) continue;
    const length = form.text.length + 1;
    if (iso && t.offset === 0) return { text: 'Z', length };
    const abs = Math.abs(t.offset);
    let text = (t.offset < 0 ? '-' : '+') + goInt(Math.floor(abs / 3600), 2);
    if (form.minutes) text += (form.colon ? ':' : '') + goInt(Math.floor(abs / 60) % 60, 2);
    if (form.seconds) text += (form.colon ? ':' : '') + goInt(abs % 60, 2);
    return { text, length };
  }
  return undefined;
}

/** `.000`/`,999`-style fractional seconds at `at`, or undefined when the run is followed by a digit. */
function fractionToken(
  layout: string,
  at: number,
  t: LocalTime,
): { text: string; length: number } | undefined {
  const fill = layout[at + 1];
  if (fill !== '0' && fill !== '9') return undefined;
  let end = at + 1;
  while (layout[end] === fill) end++;
  if (isDigit(layout[end])) return undefined;
  let digits = t.nanos.toString().padStart(FRACTION_DIGITS_MAX, '0');
  digits = digits.slice(0, Math.min(end - at - 1, FRACTION_DIGITS_MAX));
  if (fill === '9') {
    digits = digits.replace(/0+$/, '');
    if (digits === '') return { text: '', length: end - at };
  }
  return { text: layout[at] + digits, length: end - at };
}

/** One token at `at`: its text and how many layout characters it consumes, or undefined for a literal. */
function token(layout: string, at: number, t: LocalTime): { text: string; length: number } | undefined {
  const rest = (n: number): string => layout.slice(at, at + n);
  switch (layout[at]) {
    case 'J':
      if (rest(7) === 'January') return { text: MONTHS[t.month - 1], length: 7 };
      if (rest(3) === 'Jan' && !isLower(layout[at + 3]))
        return { text: MONTHS[t.month - 1].slice(0, 3), length: 3 };
      return undefined;
    case 'M':
      if (rest(6) === 'Monday') return { text: WEEKDAYS[t.weekday], length: 6 };
      if (rest(3) === 'Mon' && !isLower(layout[at + 3]))
        return { text: WEEKDAYS[t.weekday].slice(0, 3), length: 3 };
      if (rest(3) === 'MST') return { text: zoneName(t), length: 3 };
      return undefined;
    case '0': {
      const next = layout[at + 1];
      if (next !== undefined && next >= '1' && next <= '6') return { text: zeroPadded(next, t), length: 2 };
      if (rest(3) === '002') return { text: goInt(t.yearDay, 3), length: 3 };
      return undefined;
    }
    case '1':
      if (rest(2) === '15') return { text: goInt(t.hour, 2), length: 2 };
      return { text: goInt(t.month, 0), length: 1 };
    case '2':
      if (rest(4) === '2006') return { text: goInt(t.year, 4), length: 4 };
      return { text: goInt(t.day, 0), length: 1 };
    case '_':
      // `_2006` is a literal underscore followed by the year; the '2006' is matched on the next step.
      if (rest(2) === '_2' && rest(5) !== '_2006') {
        return { text: (t.day < 10 ? ' ' : '') + goInt(t.day, 0), length: 2 };
      }
      if (rest(3) === '__2') return { text: goInt(t.yearDay, 0).padStart(3, ' '), length: 3 };
      return undefined;
    case '3':
      return { text: goInt(t.hour12, 0), length: 1 };
    case '4':
      return { text: goInt(t.minute, 0), length: 1 };
    case '5':
      return { text: goInt(t.second, 0), length: 1 };
    case 'P':
      return rest(2) === 'PM' ? { text: t.hour >= 12 ? 'PM' : 'AM', length: 2 } : undefined;
    case 'p':
      return rest(2) === 'pm' ? { text: t.hour >= 12 ? 'pm' : 'am', length: 2 } : undefined;
    case '-':
    case 'Z':
      return zoneToken(layout, at, t);
    case '.':
    case ',':
      return fractionToken(layout, at, t);
    default:
      return undefined;
  }
}

/** `01`..`06`: month, day, 12-hour, minute, second, two-digit year. */
function zeroPadded(which: string, t: LocalTime): string {
  switch (which) {
    case '1':
      return goInt(t.month, 2);
    case '2':
      return goInt(t.day, 2);
    case '3':
      return goInt(t.hour12, 2);
    case '4':
      return goInt(t.minute, 2);
    case '5':
      return goInt(t.second, 2);
    default:
      return goInt(Math.abs(t.year) % 100, 2);
  }
}

/** Go's `date.Format(layout)` for `date` in the local time zone. */
export function formatGoTime(layout: string, date: Date): string {
  const t = new LocalTime(date);
  let out = '';
  let at = 0;
  while (at < layout.length) {
    const tok = token(layout, at, t);
    if (tok === undefined) {
      out += layout[at];
      at++;
    } else {
      out += tok.text;
      at += tok.length;
    }
  }
  return out;
}

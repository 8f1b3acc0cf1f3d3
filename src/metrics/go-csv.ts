/**
 * One record as Go's encoding/csv Writer writes it with its defaults (comma separator, `\n` line end):
 * a field is quoted only when it contains a comma, a quote, CR or LF, starts with a space character
 * (Go's unicode.IsSpace), or is exactly `\.`; quotes inside are doubled. kcptun writes its snmplog this way.
 */

/** The code points Go's unicode.IsSpace accepts. */
const GO_SPACES = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

const NEEDS_QUOTES = /[,"\r\n]/;

function fieldNeedsQuotes(field: string): boolean {
  if (field === '') return false;
  if (field === '\\.' || NEEDS_QUOTES.test(field)) return true;
  return GO_SPACES.has(field.codePointAt(0)!);
}

export function formatCsvRecord(fields: readonly string[]): string {
  const out: string[] = [];
  for (const field of fields) {
    out.push(fieldNeedsQuotes(field) ? `"${field.replaceAll('"', '""')}"` : field);
  }
  return `${out.join(',')}\n`;
}

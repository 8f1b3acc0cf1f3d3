import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCsvRecord } from '../../src/metrics/go-csv.js';

describe('formatCsvRecord (Go encoding/csv rules)', () => {
  it('writes plain fields bare, comma separated, with a \\n line end', () => {
    assert.equal(formatCsvRecord(['Unix', 'BytesSent', '0', '']), 'Unix,BytesSent,0,\n');
  });

  it('quotes fields with a comma, quote, CR or LF, doubling quotes', () => {
    assert.equal(formatCsvRecord(['a,b', 'say "hi"', 'x\ny', 'r\r']), '"a,b","say ""hi""","x\ny","r\r"\n');
  });

  it('quotes a leading space and the lone \\. field, not inner spaces', () => {
    assert.equal(
      formatCsvRecord([' lead', '\u00a0nbsp', 'in side', '\\.']),
      '" lead","\u00a0nbsp",in side,"\\."\n',
    );
  });
});

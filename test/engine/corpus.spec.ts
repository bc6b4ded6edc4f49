import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  batchify,
  CorpusError,
  loadCorpus,
  readCorpusText,
  tokenize,
  unigramPerplexity,
  Vocabulary,
  window,
  windowCount,
} from '../../src-main/engine/tasks/language/corpus';

const WIKITEXT = resolve(__dirname, '../../../shared/data/wikitext-2');
const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('corpus loading', () => {
  it('tokenises like the reference: whitespace split plus <eos> per line, blank lines give a lone <eos>', () => {
    const v = new Vocabulary();
    const ids = tokenize(' = Title = \n\n the cat <unk> sat \n', v);
    expect(Array.from(ids).map((i) => v.words[i])).toEqual(['=', 'Title', '=', '<eos>', '<eos>', 'the', 'cat', '<unk>', 'sat', '<eos>']);
  });

  it('reads the real WikiText-2 validation and test splits with the reference token counts', () => {
    const c = loadCorpus({ train: join(WIKITEXT, 'valid.txt'), valid: join(WIKITEXT, 'valid.txt'), test: join(WIKITEXT, 'test.txt') });
    expect(c.valid.length).toBe(217646);
    expect(c.test.length).toBe(245569);
    expect(c.vocab.id('<unk>')).toBeDefined();
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.txt'), /not found/],
    ['an empty file', () => file('empty.txt', ''), /is empty/],
    ['a binary file', () => file('bin.txt', new Uint8Array([0x61, 0x00, 0x62])), /looks binary \(NUL byte at offset 1\)/],
    ['invalid UTF-8', () => file('latin1.txt', new Uint8Array([0x61, 0xff, 0xfe, 0x62])), /not valid UTF-8/],
    ['only whitespace', () => file('ws.txt', '  \n\n '), /only whitespace/],
    ['a directory', () => dir, /not a regular file/],
  ])('rejects %s with a specific error', (_what, path, message) => {
    expect(() => readCorpusText(path())).toThrow(CorpusError);
    expect(() => readCorpusText(path())).toThrow(message);
  });

  it('batchify lays the stream out as contiguous columns and trims the remainder', () => {
    const b = batchify(Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 2);
    expect(b.rows).toBe(3);
    // Column 0 = tokens 0..2, column 1 = tokens 3..5 (row-major [rows, batch]).
    expect(Array.from(b.data)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => batchify(Int32Array.from([1, 2]), 2)).toThrow(/too short/);
  });

  it('BPTT windows shift targets by one row and shorten at the end', () => {
    const b = batchify(
      Int32Array.from({ length: 20 }, (_, i) => i),
      2,
    );
    expect(windowCount(b.rows, 4)).toBe(3);
    const last = window(b, 8, 4);
    expect(last.length).toBe(1);
    expect(Array.from(window(b, 0, 4).targets.subarray(0, 2))).toEqual([1, 11]);
  });

  it('unigram perplexity equals the vocabulary size for a uniform stream', () => {
    const s = Int32Array.from({ length: 400 }, (_, i) => i % 4);
    expect(unigramPerplexity(s, s, 4)).toBeCloseTo(4, 1);
  });
});

// Word-level corpus (reference word_example/data.py): each line split on whitespace plus '<eos>' (blank
// lines become a lone '<eos>'); '<unk>' is an ordinary token; one vocabulary grown over train, valid, test.
import { readFileSync, statSync } from 'node:fs';
import { InvalidInputError } from '../../../schema/errors';

export const EOS = '<eos>';

export class CorpusError extends InvalidInputError {}

/**
 * Before a language-model run is created or resumed: every split file exists, is a regular non-empty file and
 * starts as UTF-8 text (the full read happens in the worker). The message says what to provide.
 */
export function checkCorpusFiles(corpus: { train: string; valid: string; test: string }): void {
  for (const split of ['train', 'valid', 'test'] as const) {
    const path = corpus[split];
    let ok = false;
    try {
      const st = statSync(path);
      ok = st.isFile() && st.size > 0;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new CorpusError(
        `language model: the ${split} split '${path}' (task.corpus.${split}) is missing or empty. Pass --corpus DIR with train.txt, valid.txt and test.txt ` +
          `(WikiText-2 as whitespace-tokenised text, one paragraph per line; see the README, "Language-model data"), or set task.corpus.${split} to a file`,
      );
    }
  }
}

export class Vocabulary {
  readonly words: string[] = [];
  private readonly index = new Map<string, number>();

  add(word: string): number {
    let id = this.index.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.index.set(word, id);
    }
    return id;
  }

  id(word: string): number | undefined {
    return this.index.get(word);
  }

  get size(): number {
    return this.words.length;
  }
}

/** Reads a token file with specific errors for missing, empty, binary and non-UTF-8 files. */
export function readCorpusText(path: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CorpusError(`corpus file '${path}' is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof CorpusError) throw e;
    throw new CorpusError(`corpus file '${path}' not found`);
  }
  if (size === 0) throw new CorpusError(`corpus file '${path}' is empty`);
  const bytes = readFileSync(path);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new CorpusError(`corpus file '${path}' looks binary (NUL byte at offset ${nul}); expected a UTF-8 token file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CorpusError(`corpus file '${path}' is not valid UTF-8 text`);
  }
  if (text.trim().length === 0) throw new CorpusError(`corpus file '${path}' holds only whitespace`);
  return text;
}

/** Tokenises like the reference: line.split() + ['<eos>'] for every line. */
export function tokenize(text: string, vocab: Vocabulary): Int32Array {
  const lines = text.split('\n');
  // A trailing newline does not start another line (Python's file iteration).
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const ids: number[] = [];
  for (const line of lines) {
    for (const w of line.split(/\s+/)) if (w) ids.push(vocab.add(w));
    ids.push(vocab.add(EOS));
  }
  return Int32Array.from(ids);
}

export interface Corpus {
  vocab: Vocabulary;
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

export function loadCorpus(paths: { train: string; valid: string; test: string }): Corpus {
  const vocab = new Vocabulary();
  const train = tokenize(readCorpusText(paths.train), vocab);
  const valid = tokenize(readCorpusText(paths.valid), vocab);
  const test = tokenize(readCorpusText(paths.test), vocab);
  return { vocab, train, valid, test };
}

/** Lays tokens out as `batch` columns (time × batch), trimming the remainder (reference batchify). */
export function batchify(ids: Int32Array, batch: number): { data: Int32Array; rows: number; batch: number } {
  const rows = Math.floor(ids.length / batch);
  if (rows < 2) throw new CorpusError(`corpus split too short: ${ids.length} tokens for batch size ${batch}`);
  const data = new Int32Array(rows * batch);
  for (let c = 0; c < batch; c++) for (let r = 0; r < rows; r++) data[r * batch + c] = ids[c * rows + r];
  return { data, rows, batch };
}

/** BPTT window starting at row i: inputs rows i..i+L−1, targets rows i+1..i+L, L = min(bptt, rows−1−i). */
export function window(
  b: { data: Int32Array; rows: number; batch: number },
  i: number,
  bptt: number,
): { inputs: Int32Array; targets: Int32Array; length: number } {
  const length = Math.min(bptt, b.rows - 1 - i);
  return {
    inputs: b.data.subarray(i * b.batch, (i + length) * b.batch),
    targets: b.data.subarray((i + 1) * b.batch, (i + 1 + length) * b.batch),
    length,
  };
}

export function windowCount(rows: number, bptt: number): number {
  return Math.ceil((rows - 1) / bptt);
}

/** Perplexity of `test` under the add-one-smoothed unigram distribution of `train`. */
export function unigramPerplexity(train: Int32Array, test: Int32Array, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  for (const id of train) counts[id]++;
  const total = train.length + vocabSize;
  let nll = 0;
  for (const id of test) nll -= Math.log((counts[id] + 1) / total);
  return Math.exp(nll / test.length);
}

/**
 * bench/results.md, written a section at a time: each benchmark replaces only its own
 * section (between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`), so running one part
 * (`npx tsx bench/run.ts --only stack`) keeps the figures of the others.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The results file, beside this one. */
export const RESULTS_FILE = join(import.meta.dirname, 'results.md');

const TITLE = '# Benchmark results';

/**
 * Writes `body` (markdown) as the section `id` of `file`: in place of the section's previous
 * text, or appended when the file has none yet (the title is added to a new file).
 */
export function writeResultsSection(id: string, body: string, file = RESULTS_FILE): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (!text.trimStart().startsWith(TITLE)) text = `${TITLE}\n\n${text.trimStart()}`;
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text =
    from !== -1 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

// The flood bench's backend (bench/flood.ts): answers GET /health with 200 on PORT, and on
// GET /flood writes FLOOD_LINES lines of exactly FLOOD_LINE_BYTES bytes (newline included)
// to stdout as fast as the pipe takes them: `flood <i> xxx…`. Nothing else goes to stdout.
// MARK_FILE gets `start <ms>` before the first write and `end <ms>` once the last write was
// taken by the pipe (wall clock, Date.now()).
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const lines = Number(process.env.FLOOD_LINES ?? 1_000_000);
const bytes = Number(process.env.FLOOD_LINE_BYTES ?? 100);
const mark = process.env.MARK_FILE;
const pad = 'x'.repeat(bytes);
// Many lines per write, as a program whose stdout is a pipe writes them (a block buffer).
const PER_WRITE = 64;

function flood() {
  if (mark) appendFileSync(mark, `start ${Date.now()}\n`);
  let i = 0;
  const pump = () => {
    while (i < lines) {
      let chunk = '';
      for (let k = 0; k < PER_WRITE && i < lines; k++, i++) {
        const head = `flood ${i} `;
        chunk += head + pad.slice(0, bytes - 1 - head.length) + '\n';
      }
      if (!process.stdout.write(chunk)) return process.stdout.once('drain', pump);
    }
    process.stdout.write('', () => {
      if (mark) appendFileSync(mark, `end ${Date.now()}\n`);
    });
  };
  pump();
}

let started = false;
createServer((req, res) => {
  if (req.url === '/flood' && !started) {
    started = true;
    res.end('flooding\n');
    flood();
    return;
  }
  res.end('ok\n');
}).listen(Number(process.env.PORT), '127.0.0.1');

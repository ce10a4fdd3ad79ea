/**
 * Reads a Prometheus text exposition: its metric families (`# TYPE name type`) and its
 * samples (`name value`; a labelled one under its whole `name{labels}`).
 */
export function parseExposition(text: string): { types: Map<string, string>; values: Map<string, number> } {
  const types = new Map<string, string>();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] ?? '', type[2] ?? '');
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (sample) values.set(sample[1] ?? '', Number(sample[2]));
  }
  return { types, values };
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { makeIncident } from '../helpers/incidents';
import { freePort, testConfig } from '../helpers/supervise';

const incident = (n: number) => makeIncident({ id: `i${n}`, summary: `crash ${n}` });

let runtime: SupervisorRuntime | null = null;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = null;
});

describe('runtime: incidents the disk refuses', () => {
  it('says once in the log that incidents cannot be saved, and keeps them in memory', async () => {
    const config = testConfig(await freePort());
    // A folder where the file should be: every write is refused.
    mkdirSync(join(config.dataDir, 'incidents.jsonl'), { recursive: true });
    runtime = createRuntime(config);
    runtime.supervisor.emit('incident', incident(1));
    runtime.supervisor.emit('incident', incident(2));
    const said = runtime.logs
      .tail(50)
      .filter((l) => l.stream === 'supervisor' && l.text.startsWith('cannot save incidents to disk'));
    expect(said).toHaveLength(1);
    expect(said[0]?.text).toContain('incidents.jsonl');
    expect(runtime.incidents.list().map((i) => i.id)).toEqual(['i2', 'i1']);
  });
});

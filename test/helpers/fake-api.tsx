import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import {
  ApiError,
  type Channel,
  type ChannelArgs,
  type ChannelResult,
  type EventName,
  type EventPayload,
  type SupervisorApi,
} from '../../src/shared/contract';
import { ApiProvider } from '../../src/renderer/src/api';
import { createQueryClient } from '../../src/renderer/src/app';

/** A canned answer for one channel. */
export type Answer<C extends Channel> = (...args: ChannelArgs<C>) => Promise<ChannelResult<C>>;

/**
 * The fake SupervisorApi of the renderer's component tests: canned answers per channel
 * (`answers`), a log of every call (`calls`, `count`, `argsOf`), and `emit` to push events
 * to the subscribed components. A channel without an answer rejects with ApiError INTERNAL.
 */
export class FakeSupervisorApi implements SupervisorApi {
  answers: Partial<{ [C in Channel]: Answer<C> }> = {};
  calls: { channel: Channel; args: unknown[] }[] = [];
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  async invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    this.calls.push({ channel, args });
    const answer = this.answers[channel] as Answer<C> | undefined;
    if (answer) return answer(...args);
    throw new ApiError({ code: 'INTERNAL', message: `no fake answer for ${channel}` });
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener as (payload: unknown) => void);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }

  /** How many times `channel` was called. */
  count(channel: Channel): number {
    return this.calls.filter((call) => call.channel === channel).length;
  }

  /** The arguments of the first call of `channel`. */
  argsOf(channel: Channel): unknown[] | undefined {
    return this.calls.find((call) => call.channel === channel)?.args;
  }
}

/**
 * Renders `node` as the app does: Mantine, a fresh query client, and `api` as the transport.
 * `env: 'test'` turns off Mantine's transitions and portals (menus and modals render in place).
 */
export function renderWithApi(api: SupervisorApi, node: ReactNode, options: { env?: 'test' } = {}) {
  return render(
    <MantineProvider env={options.env}>
      <QueryClientProvider client={createQueryClient()}>
        <ApiProvider api={api}>{node}</ApiProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

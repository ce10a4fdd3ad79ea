/**
 * The names of the live events the main process pushes to the renderer: the one list.
 * Kept apart from src/shared/contract.ts (which pairs each name with its zod payload schema
 * and must list exactly these) so the sandboxed preload can import it without bundling zod.
 */
export const EVENT_NAMES = ['backend:state', 'backend:log', 'backend:incident'] as const;

/** Every live event name. */
export type EventName = (typeof EVENT_NAMES)[number];

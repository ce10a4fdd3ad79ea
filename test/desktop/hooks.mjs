// Module resolution hook (registered by register.mjs): `electron` is the stand-in, for the
// built main process and for the packages it imports (electron-store).
const STAND_IN = new URL('./electron-stand-in.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  // Resolved by the next hooks (tsx's), which then compile it.
  if (specifier === 'electron') return next(STAND_IN, context);
  return next(specifier, context);
}

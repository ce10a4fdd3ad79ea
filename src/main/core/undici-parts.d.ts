// The two parts of undici the health probe imports by path (see health-probe.ts): undici's
// package has no export map, and these are the files its index takes Agent and request from.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export default Agent;
}
declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  /** Dispatcher.prototype.request, called on any dispatcher (undici's index adds it to the prototype). */
  const request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  export default request;
}

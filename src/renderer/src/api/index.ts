/**
 * The renderer's only door to the supervisor. Nothing outside this folder touches
 * `window.api` or the HTTP routes.
 */
export { ApiProvider, isLive, useConnection, useConnectionState, useSupervisorApi } from './api-context';
export { createSupervisorClient } from './create-client';
export { createHttpClient, type HttpClientOptions } from './http-client';
export { createIpcClient } from './ipc-client';
export { CLIENT_ERROR_CODES, errorMessage } from './envelope';
export { DetailedApiError, errorCode, errorDetails, type ErrorDetails } from './errors';
export { TOKEN_STORAGE_KEY } from './token-store';
export { staticConnection, type ConnectionSource, type ConnectionState, type SupervisorClient } from './types';

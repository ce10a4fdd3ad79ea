/// <reference types="vite/client" />
import type { PreloadBridge } from '../../shared/contract';

declare global {
  /** The preload's bridge; present only in the Electron window (absent in a browser). */
  interface Window {
    api?: PreloadBridge;
  }
}

export {};

import type { BackendKind, DigitSource, ModelInfo, Net, ReadyInfo } from '../protocol.js';
import type { EngineClient } from './client.js';

/** What the panels share: the engine (replaced when the backend changes) and page-wide state. */
export interface App {
  /** The engine client in use now. */
  engine(): EngineClient;
  ready(): ReadyInfo;
  /** The digit the Attack panel has selected (the Loss landscape panel uses it too). */
  currentDigit(): DigitSource;
  /** Restart the engine on another backend, keeping both networks. */
  switchBackend(kind: BackendKind): Promise<void>;
  /** Called when a network is retrained, rebuilt or loaded. */
  modelsChanged(models: Partial<Record<Net, ModelInfo>>): void;
}

/** Message text of anything thrown (engine errors carry the worker's message). */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

import type { Server } from 'node:http';

export declare const ISOLATION_HEADERS: Record<string, string>;
export declare function serveStatic(opts: { dir: string; port?: number; isolated?: boolean }): Promise<{ server: Server; origin: string }>;

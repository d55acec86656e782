/**
 * Progress is reported through callbacks with typed events; library code never prints.
 * Each stage defines its own event union and accepts `onProgress?: ProgressCallback<E>`.
 */
export type ProgressCallback<E> = (event: E) => void;

/** Options every long-running library call accepts. */
export interface OperationOptions<E = unknown> {
  signal?: AbortSignal;
  onProgress?: ProgressCallback<E>;
}

/** A warning that does not stop the operation but belongs in the report. */
export interface Warning {
  code: string;
  message: string;
  file?: string;
  line?: number;
}

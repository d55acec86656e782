/** Progress events of the pin stage (see src/progress.ts). */
export type PinProgress =
  | { type: 'import'; path: string; files: number; totalFiles: number }
  | { type: 'car'; blocks: number; bytes: number }
  | { type: 'remote'; target: string; stage: 'connect' | 'upload' | 'pin' | 'verify' | 'ipns' | 'mfs' | 'unpin' | 'done'; detail?: string; bytes?: number };

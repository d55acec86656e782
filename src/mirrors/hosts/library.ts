import { HostError } from '../errors.ts';

/**
 * A host type's client library, imported on first use: the registry imports every host type
 * for its schema, and importing all their clients up front cost `samizdat pin` of one file
 * 0.85 s (kubo-rpc-client alone 0.4 s). `load` must be `() => import('the-package')`, written
 * out so that bundlers and readers see the dependency.
 *
 * A library that cannot be loaded (a broken or partial install) rejects with a HostError that
 * names the mirror and the package, never with the bare import error.
 */
export function lazyLibrary<T>(pkg: string, load: () => Promise<T>): (host: string) => Promise<T> {
  let loading: Promise<T> | undefined;
  return (host) => {
    loading ??= load();
    return loading.catch((err: unknown) => {
      loading = undefined; // try again next time: the install may have been repaired meanwhile
      const detail = (err as { code?: string; message?: string } | undefined)?.code ?? String((err as Error | undefined)?.message ?? err);
      throw new HostError('HOST_LIBRARY_MISSING', host, `cannot load the client library ${pkg} (${detail})`, {
        hint: "Reinstall samizdat's dependencies (npm install in its folder).",
        retryable: false,
        cause: err,
      });
    });
  };
}

// An archiver format, "samizdat-zip", through archiver's documented registerFormat: archiver's
// own zip engine (zip-stream), except that entries handed over already deflated (with their
// CRC-32 and size) are written as they are. archiver deflates one entry at a time through a
// fresh zlib stream; deflating ahead, several entries at once on the thread pool, is what lets
// a bundle of ten thousand small pages pack as fast as Info-ZIP.
import { createRequire } from 'node:module';
import type { Archiver, ArchiverOptions } from 'archiver';

const requireHere = createRequire(import.meta.url);
const archiver = requireHere('archiver') as ((format: string, options?: ArchiverOptions & Record<string, unknown>) => Archiver) & {
  registerFormat(name: string, module: unknown): void;
  isRegisteredFormat(name: string): boolean;
};
// archiver's own copy of zip-stream, whatever version archiver depends on.
const requireFromArchiver = createRequire(requireHere.resolve('archiver'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ZipStream = requireFromArchiver('zip-stream') as any;

/** A deflated entry, made ahead of its turn. */
export interface Predeflated {
  /** Raw DEFLATE data (no zlib or gzip header). */
  data: Buffer;
  /** CRC-32 of the uncompressed bytes. */
  crc: number;
  /** Uncompressed size. */
  size: number;
}

const METHOD_DEFLATED = 8;

// Written in the prototype style of archiver's plugins, which archiver instantiates with `new`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function PredeflatedZipStream(this: any, options: unknown) {
  ZipStream.call(this, options);
}
PredeflatedZipStream.prototype = Object.create(ZipStream.prototype);
PredeflatedZipStream.prototype.constructor = PredeflatedZipStream;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
PredeflatedZipStream.prototype._appendBuffer = function (this: any, ae: any, source: Buffer, callback: (err: Error | null, ae?: unknown) => void) {
  const pre: Predeflated | undefined = this.options.predeflated?.get(ae.getName());
  if (!pre || ae.getMethod() !== METHOD_DEFLATED || source.length !== pre.size) {
    return ZipStream.prototype._appendBuffer.call(this, ae, source, callback);
  }
  this.options.predeflated.delete(ae.getName());
  // Sizes and CRC are known, so they go in the local header and no data descriptor follows.
  ae.getGeneralPurposeBit().useDataDescriptor(false);
  ae.setSize(pre.size);
  ae.setCompressedSize(pre.data.length);
  ae.setCrc(pre.crc >>> 0);
  this._writeLocalFileHeader(ae);
  this.write(pre.data);
  this._afterAppend(ae);
  callback(null, ae);
};

// The module archiver drives: the same shape as archiver's lib/plugins/zip.js.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function SamizdatZip(this: any, options: Record<string, unknown>) {
  this.options = { comment: '', forceUTC: false, namePrependSlash: false, store: false, ...options };
  this.supports = { directory: true, symlink: true };
  this.engine = new (PredeflatedZipStream as any)(this.options);
}
SamizdatZip.prototype.append = function (this: any, source: unknown, data: unknown, callback: unknown) {
  this.engine.entry(source, data, callback);
};
SamizdatZip.prototype.finalize = function (this: any) {
  this.engine.finalize();
};
for (const method of ['on', 'pipe', 'unpipe'] as const) {
  SamizdatZip.prototype[method] = function (this: any, ...args: unknown[]) {
    return this.engine[method](...args);
  };
}

const FORMAT = 'samizdat-zip';

/** An archiver instance writing zips whose entries may come pre-deflated through `predeflated`. */
export function createZipArchive(options: ArchiverOptions, predeflated: Map<string, Predeflated>): Archiver {
  if (!archiver.isRegisteredFormat(FORMAT)) archiver.registerFormat(FORMAT, SamizdatZip);
  return archiver(FORMAT, { ...options, predeflated });
}

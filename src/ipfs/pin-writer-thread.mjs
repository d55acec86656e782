// The writer thread of `samizdat pin` (see pin-writer.ts, which starts it and documents the
// protocol). Plain JavaScript, so that it starts as fast from src/ (tsx, vitest) as from lib/.
import { parentPort, workerData } from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';
import { NextToLast } from 'blockstore-fs/sharding';
import { CID } from 'multiformats/cid';
import { varint } from 'multiformats';

const { carTmpPath, blocksDir, fresh, headerLength } = workerData;
const inFlight = new Int32Array(workerData.counter);
// blockstore-fs's own naming (LocalBlockstore uses the same NextToLast), so its reads find the files.
const sharding = new NextToLast();
/** CAR entries written (by CID bytes: a raw and a dag-pb block of the same bytes are two entries). */
const inCar = new Set();
/** Block files written or found present (`<shard>/<file>`). */
const stored = new Set();
const madeDirs = new Set();
let present;
let error;
// The header (root known only at the end) is written by 'finish', before the frames.
let position = headerLength;
let carBlocks = 0;
let carBytes = 0;
const car = fs.openSync(carTmpPath, 'w');

/** Names of the block files present when the pin began: one readdir per shard folder, done here, off the importing thread. */
function presentFiles() {
  if (present) return present;
  present = new Set();
  if (fresh) return present;
  for (const shard of readdirOrEmpty(blocksDir)) {
    for (const name of readdirOrEmpty(path.join(blocksDir, shard))) present.add(`${shard}/${name}`);
    madeDirs.add(shard);
  }
  return present;
}

function readdirOrEmpty(dir) {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function writeAll(fd, bytes, at) {
  let off = 0;
  while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off, at + off);
  return off;
}

/** Writes a block file unless the store has it (blocks are written straight under their names: see LocalBlockstore.beginWrite). */
function storeBlock(cid, bytes) {
  const shard = sharding.encode(cid);
  const key = `${shard.dir}/${shard.file}`;
  if (stored.has(key)) return;
  stored.add(key);
  if (presentFiles().has(key)) return;
  const dir = path.join(blocksDir, shard.dir);
  if (!madeDirs.has(shard.dir)) {
    fs.mkdirSync(dir, { recursive: true });
    madeDirs.add(shard.dir);
  }
  const file = path.join(dir, shard.file);
  try {
    fs.writeFileSync(file, bytes);
  } catch (err) {
    try {
      fs.rmSync(file, { force: true });
    } catch {}
    err.blockFile = file;
    throw err;
  }
}

/** A batch of CAR frames (varint length, CID, block): new ones go to the CAR, in runs, and to the store. */
function blocks(buffer, length) {
  const bytes = new Uint8Array(buffer, 0, length);
  let run = 0;
  let at = 0;
  try {
    while (at < length) {
      const [frameLength, varintLength] = varint.decode(bytes, at);
      const end = at + varintLength + frameLength;
      const [cid, rest] = CID.decodeFirst(bytes.subarray(at + varintLength, end));
      const key = Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1');
      if (inCar.has(key)) {
        // A repeat: write the run of new frames before it, skip it.
        if (at > run) position += writeAll(car, bytes.subarray(run, at), position);
        run = end;
      } else {
        inCar.add(key);
        carBlocks += 1;
        carBytes += rest.byteLength;
        storeBlock(cid, rest);
      }
      at = end;
    }
    if (length > run) position += writeAll(car, bytes.subarray(run, length), position);
  } catch (err) {
    error = err.blockFile ? { message: err.message, code: err.code, file: err.blockFile, inStore: true } : { message: err.message, code: err.code, file: carTmpPath, inStore: false };
  }
}

parentPort.on('message', (msg) => {
  if (msg.type === 'blocks') {
    if (!error) blocks(msg.buffer, msg.length);
    Atomics.sub(inFlight, 0, 1);
    Atomics.notify(inFlight, 0);
    // Back for reuse: a fresh megabyte per batch costs page faults on both threads.
    parentPort.postMessage({ type: 'free', buffer: msg.buffer }, [msg.buffer]);
    return;
  }
  // 'finish' (header, carPath) or 'abort': everything queued before it has been handled.
  try {
    if (msg.type === 'finish' && !error) {
      writeAll(car, msg.header, 0);
      fs.closeSync(car);
      fs.renameSync(carTmpPath, msg.carPath);
    } else {
      fs.closeSync(car);
      fs.rmSync(carTmpPath, { force: true });
    }
  } catch (err) {
    error ??= { message: err.message, code: err.code, file: msg.carPath ?? carTmpPath, inStore: false };
  }
  parentPort.postMessage({ type: 'done', error, carBlocks, carBytes });
});

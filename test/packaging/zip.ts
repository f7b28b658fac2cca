/**
 * Reads the entries of a .zip (a .vsix is one) from its central directory: enough for tests to
 * check what a package carries without unzip or a dependency.
 */
import { inflateRawSync } from 'node:zlib';

/** One stored file: its path inside the archive and its uncompressed bytes. */
export interface ZipEntry {
  name: string;
  data: Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Every entry of the archive in `zip`, in central-directory order; throws on a malformed archive. */
export function readZip(zip: Buffer): ZipEntry[] {
  // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== CENTRAL) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const csize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (zip.readUInt32LE(local) !== LOCAL) throw new Error(`bad local header for ${name}`);
    // The local header repeats name and extra field, with lengths of its own.
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    out.push({ name, data: entryData(zip.subarray(start, start + csize), size, method, name) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function entryData(raw: Buffer, size: number, method: number, name: string): Buffer {
  if (method === 0) return Buffer.from(raw);
  if (method === 8) {
    const data = inflateRawSync(raw);
    if (data.length !== size) throw new Error(`${name}: inflated to ${data.length} bytes, expected ${size}`);
    return data;
  }
  throw new Error(`${name}: unsupported compression method ${method}`);
}

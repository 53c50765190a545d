/**
 * A tiny but real container image for the `npm start` walk-through: an OCI image config and one
 * gzip-compressed tar layer holding one file, written into an OCI image layout that `portcullis
 * copy` then pushes like any other image.
 */
import { gzipSync } from 'node:zlib';
import { LayoutStore } from '../src/layout/index.js';
import {
  MEDIA_TYPE_IMAGE_CONFIG,
  MEDIA_TYPE_IMAGE_LAYER_GZIP,
  MEDIA_TYPE_IMAGE_MANIFEST,
  descriptorFor,
  digestOf,
  encodeManifest,
} from '../src/oci/index.js';

/** One regular file as a POSIX ustar archive (header block, content padded to 512, two zero blocks). */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => void header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** Writes the image into a layout directory under `tag` and returns its manifest digest. */
export async function writeDemoImage(layoutPath: string, tag: string, message: string): Promise<string> {
  const store = await LayoutStore.open(layoutPath);
  const tar = tarOneFile('hello.txt', Buffer.from(`${message}\n`));
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['cat', '/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
    }),
  );
  const layerDescriptor = descriptorFor(MEDIA_TYPE_IMAGE_LAYER_GZIP, layer);
  const configDescriptor = descriptorFor(MEDIA_TYPE_IMAGE_CONFIG, config);
  await store.push(layerDescriptor, layer);
  await store.push(configDescriptor, config);
  const manifest = encodeManifest({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    config: configDescriptor,
    layers: [layerDescriptor],
  });
  const manifestDescriptor = descriptorFor(MEDIA_TYPE_IMAGE_MANIFEST, manifest);
  await store.push(manifestDescriptor, manifest);
  await store.tag(manifestDescriptor, tag);
  return manifestDescriptor.digest;
}

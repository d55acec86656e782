import { describe, expect, it } from 'vitest';
import { decodeHrefPath, parseMultistatus } from '../../src/mirrors/hosts/webdav/multistatus.ts';

describe('webdav multistatus reader', () => {
  it('reads hrefs (relative or absolute, any prefix), folders, sizes and dates', () => {
    const xml = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:">
  <d:response><d:href>/dav/site/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
  <d:response><d:href>http://127.0.0.1:8080/dav/site/a%20b%26c%20%F0%9F%93%B0.html</d:href><d:propstat><d:prop><d:resourcetype/><d:getcontentlength>42</d:getcontentlength><d:getlastmodified>Sat, 28 Nov 2026 10:00:00 GMT</d:getlastmodified></d:prop></d:propstat></d:response>
  <response xmlns="DAV:"><href>/dav/site/sub%2Fslash/</href><propstat><prop><resourcetype><collection/></resourcetype><getcontentlength>4096</getcontentlength></prop></propstat></response>
  <D:response xmlns:D="DAV:"><D:href>/dav/site/q&amp;a%3F.txt</D:href><D:propstat><D:prop><D:resourcetype/><D:getcontentlength>0</D:getcontentlength></D:prop></D:propstat></D:response>
</d:multistatus>`;
    expect(parseMultistatus(xml, 'http://127.0.0.1:8080/dav/')).toEqual([
      { path: '/dav/site', folder: true, size: 0, modified: NaN },
      { path: '/dav/site/a b&c 📰.html', folder: false, size: 42, modified: Date.parse('2026-11-28T10:00:00Z') },
      { path: '/dav/site/sub/slash', folder: true, size: 0, modified: NaN },
      { path: '/dav/site/q&a?.txt', folder: false, size: 0, modified: NaN },
    ]);
  });

  it('keeps a malformed escape as it is instead of failing the whole listing', () => {
    expect(decodeHrefPath('/dav/100%/x%zz', 'http://h/')).toBe('/dav/100%/x%zz');
  });
});

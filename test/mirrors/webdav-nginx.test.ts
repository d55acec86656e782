import { startNginxDav } from '../support/servers/nginx-dav.ts';
import { describeMirrorHost } from './conformance.ts';
import { describeWebdavExtras, webdavFixture, webdavSkips } from './webdav-fixture.ts';

describeMirrorHost<Awaited<ReturnType<typeof webdavFixture>>>({
  name: 'webdav (nginx dav-ext, lenient, no Depth: infinity)',
  setup: async () => webdavFixture(await startNginxDav()),
  teardown: async ({ dav }) => dav.stop(),
  skip: webdavSkips,
});

describeWebdavExtras(startNginxDav, { listsDotFiles: false });

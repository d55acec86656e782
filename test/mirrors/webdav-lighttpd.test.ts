import { startLighttpdDav } from '../support/servers/lighttpd.ts';
import { describeMirrorHost } from './conformance.ts';
import { describeWebdavExtras, webdavFixture, webdavSkips } from './webdav-fixture.ts';

describeMirrorHost<Awaited<ReturnType<typeof webdavFixture>>>({
  name: 'webdav (lighttpd mod_webdav, strict)',
  setup: async () => webdavFixture(await startLighttpdDav()),
  teardown: async ({ dav }) => dav.stop(),
  skip: webdavSkips,
});

describeWebdavExtras(startLighttpdDav, { listsDotFiles: true });

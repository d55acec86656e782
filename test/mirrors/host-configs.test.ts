import { describe, expect, it } from 'vitest';
import { parseMirrorFile } from '../../src/mirrors/config.ts';
import { createMirrorHost } from '../../src/mirrors/registry.ts';

/** Mirror files of the sftp, webdav and git types, through the real loader and registry. */
const parse = (fields: Record<string, unknown>) => parseMirrorFile(JSON.stringify(fields), 'mirrors/m.json', 'm');
const messages = (fields: Record<string, unknown>) => {
  const r = parse(fields);
  return 'problems' in r ? r.problems.map((p) => p.message) : [];
};
const FP = 'SHA256:GMOqhuahdwuzJdCve32h5doH4pStFmEFDvDnNxvjtaU';
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('mirror files for sftp, webdav and git', () => {
  it('accepts complete files and builds the hosts without any I/O', () => {
    const env = { KEY: 'k', PW: 'p', TOKEN: 't' };
    for (const fields of [
      { type: 'sftp', host: 'h.example', username: 'u', path: '/srv/www', hostKeyFingerprint: FP, privateKeyEnv: 'KEY' },
      { type: 'webdav', endpoint: 'https://dav.example/remote.php/dav/files/u/', username: 'u', passwordEnv: 'PW' },
      { type: 'git', remote: 'https://codeberg.org/u/pages.git', branch: 'pages', tokenEnv: 'TOKEN', tokenUsername: 'u' },
      { type: 'git', remote: 'git@github.com:u/site.git', sshHostKey: HOST_KEY, sshKeyEnv: 'KEY', cname: 'news.example.org' },
    ]) {
      const r = parse(fields);
      expect('config' in r ? r.config.type : r.problems.map((p) => p.message)).toBe(fields.type);
      if ('config' in r) expect(createMirrorHost(r.config, { env }).type).toBe(fields.type);
    }
  });

  it('refuses unpinned hosts, secrets in the file and credentials in URLs, all at once', () => {
    expect(messages({ type: 'sftp', host: 'h', username: 'u', path: '/', privateKey: '-----BEGIN', privateKeyEnv: 'K' })).toEqual([
      expect.stringMatching(/^hostKeyFingerprint: /),
      expect.stringMatching(/^privateKey: /),
    ]);
    expect(messages({ type: 'sftp', host: 'h', username: 'u', path: '/', hostKeyFingerprint: 'MD5:aa:bb', privateKeyEnv: 'K' })).toEqual([
      expect.stringContaining('ssh-keygen -lf'),
    ]);
    expect(messages({ type: 'webdav', endpoint: 'https://u:secret@dav.example/', username: 'u', passwordEnv: 'PW', password: 'x' })).toEqual([
      expect.stringMatching(/^endpoint: must not contain credentials/),
      expect.stringMatching(/^password: /),
    ]);
    expect(messages({ type: 'webdav', endpoint: 'ftp://dav.example/', username: 'u', passwordEnv: 'PW' })).toEqual([expect.stringMatching(/http/)]);
    expect(messages({ type: 'git', remote: 'https://ghp_x@github.com/u/s.git', tokenEnv: 'not a name' })).toEqual([
      expect.stringMatching(/^remote: .*credentials/),
      expect.stringMatching(/^tokenEnv: /),
    ]);
  });

  it('needs the pinned key and a key source for ssh remotes, and names missing variables', () => {
    const build = (fields: Record<string, unknown>, env: Record<string, string> = {}) => {
      const r = parse(fields);
      if (!('config' in r)) throw new Error(r.problems.map((p) => p.message).join('; '));
      return () => createMirrorHost(r.config, { env });
    };
    expect(build({ type: 'git', remote: 'ssh://git@codeberg.org/u/pages.git', sshKeyEnv: 'KEY' }, { KEY: 'k' })).toThrow(/sshHostKey is required/);
    expect(build({ type: 'git', remote: 'https://github.com/u/s.git', tokenEnv: 'GH_TOKEN' })).toThrow(/GH_TOKEN/);
    expect(build({ type: 'sftp', host: 'h', username: 'u', path: '/', hostKeyFingerprint: FP })).toThrow(/exactly one of privateKeyEnv and privateKeyFileEnv/);
    expect(build({ type: 'webdav', endpoint: 'https://d.example/', passwordEnv: 'PW' }, { PW: 'p' })).toThrow(/exactly one of username and usernameEnv/);
  });

  it('refuses to send a password or token over plain http except to this machine', () => {
    const build = (fields: Record<string, unknown>) => {
      const r = parse(fields);
      if (!('config' in r)) throw new Error(r.problems.map((p) => p.message).join('; '));
      return () => createMirrorHost(r.config, { env: { PW: 'p', TOKEN: 't' } });
    };
    expect(build({ type: 'webdav', endpoint: 'http://dav.example/', username: 'u', passwordEnv: 'PW' })).toThrow(/in clear/);
    expect(build({ type: 'webdav', endpoint: 'http://dav.example/', username: 'u', passwordEnv: 'PW', allowInsecureHttp: true })).not.toThrow();
    expect(build({ type: 'webdav', endpoint: 'http://127.0.0.1:8080/', username: 'u', passwordEnv: 'PW' })).not.toThrow();
    expect(build({ type: 'git', remote: 'http://git.example/u/s.git', tokenEnv: 'TOKEN' })).toThrow(/in clear/);
    expect(build({ type: 'git', remote: 'http://localhost:3000/u/s.git', tokenEnv: 'TOKEN' })).not.toThrow();
  });
});

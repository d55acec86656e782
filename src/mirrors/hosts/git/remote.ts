/**
 * What the git host needs to know about a remote URL: which transport, and for ssh the host
 * name and port that known_hosts must pin.
 */
export type GitTransport = 'https' | 'http' | 'ssh' | 'git' | 'file';

export interface GitRemote {
  transport: GitTransport;
  /** For ssh: the known_hosts name, "host" on port 22 or "[host]:port" otherwise. */
  knownHostsName?: string;
}

/** scp-like syntax: [user@]host:path (no "://", and the colon comes before any slash). */
const SCP_LIKE = /^(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+):(?!\/\/)/;

/** Parses a remote; returns a message instead when it is not usable (credentials in it, unknown scheme). */
export function parseGitRemote(remote: string): GitRemote | string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote)) {
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      return 'is not a valid URL';
    }
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    if (scheme === 'https' || scheme === 'http') {
      if (url.username || url.password) return 'must not contain credentials: put the token in the variable named by tokenEnv';
      return { transport: scheme };
    }
    if (scheme === 'ssh' || scheme === 'git+ssh' || scheme === 'ssh+git') {
      if (url.password) return 'must not contain a password: ssh remotes use a key';
      const host = url.hostname;
      const port = url.port ? Number(url.port) : 22;
      return { transport: 'ssh', knownHostsName: port === 22 ? host : `[${host}]:${port}` };
    }
    if (scheme === 'git') return { transport: 'git' };
    if (scheme === 'file') return { transport: 'file' };
    return `uses the unsupported scheme ${scheme}: use https://, ssh:// or user@host:path`;
  }
  const scp = SCP_LIKE.exec(remote);
  if (scp) return { transport: 'ssh', knownHostsName: scp[1]!.replace(/^\[|\]$/g, '') };
  if (remote.startsWith('/')) return { transport: 'file' };
  return 'is neither a URL (https://, ssh://) nor user@host:path';
}

/** The mirrors page: where else to read the site, in plain words for readers who are blocked. */
import type { MirrorsInfo } from '../mirrors.ts';
import type { SiteModel } from '../model.ts';
import { esc } from './escape.ts';
import { page } from './layout.ts';

const URL_PAGE = 'mirrors/index.html';

function link(url: string, text = url): string {
  return `<a href="${esc(url)}" rel="noopener noreferrer">${esc(text)}</a>`;
}

export function mirrorsPage(model: SiteModel, info: MirrorsInfo): string {
  const r = '../';
  const section = (id: string, heading: string, body: string) => `<section aria-labelledby="${id}">\n<h2 id="${id}">${heading}</h2>\n${body}\n</section>`;
  const list = (items: string[]) => `<ul>\n${items.map((i) => `<li>${i}</li>`).join('\n')}\n</ul>`;
  const parts: string[] = [];
  parts.push(`<h1>Mirrors: other ways to read ${esc(model.site.title)}</h1>
<p>This site is published as identical copies in many places. If one address is blocked, try another. Every copy holds the same articles; none of them needs JavaScript or loads anything from elsewhere.</p>`);
  parts.push(
    section(
      'copies',
      'Copies of this site',
      info.mirrors.length ? list(info.mirrors.map((m) => link(m.url))) : '<p>No other web addresses are configured yet.</p>',
    ),
  );
  if (info.ipfs.length) {
    parts.push(
      section(
        'ipfs',
        'Through IPFS',
        `<p>IPFS serves the site from many computers at once. Any public IPFS gateway can show it; if one gateway is blocked, replace its name in the address with another's.</p>
${list(info.ipfs.map((m) => link(m.url)))}
<p>With an IPFS-aware browser or the IPFS Desktop app, open ${info.ipnsNames.map((n) => `<code>${esc(n)}</code>`).join(' or ')}.</p>`,
      ),
    );
  }
  if (info.onion) {
    parts.push(section('tor', 'Through Tor', `<p>Open this address in <a href="https://www.torproject.org/download/" rel="noopener noreferrer">Tor Browser</a>: ${link(info.onion)}</p>`));
  }
  parts.push(
    section(
      'feeds',
      'In a feed reader',
      `<p>Feed readers fetch articles from outside your country, so a subscription keeps delivering full articles even when every address of the site is blocked. Add one of these to your reader: <a href="${r}atom.xml">Atom</a>, <a href="${r}rss.xml">RSS</a>, <a href="${r}feed.json">JSON Feed</a>.</p>${
        model.languages.length > 1
          ? `\n<p>Feeds per language: ${model.languages.map((l) => `<a href="${r}lang/${esc(l)}/atom.xml" hreflang="${esc(l)}">${esc(l)}</a>`).join(', ')}.</p>`
          : ''
      }`,
    ),
  );
  parts.push(
    section(
      'offline',
      'Offline, as one file',
      `<p>The whole site is also published as one file, <code>${esc(info.zipName)}</code>${
        info.mirrors.length ? `, for example at ${info.mirrors.map((m) => link(m.url.replace(/\/?$/, '/') + info.zipName)).join(', ')}` : ''
      }. Download it, pass it on (by USB stick, messenger or email), unzip it and open <code>index.html</code> in any browser: it works without a connection.</p>`,
    ),
  );
  if (info.contacts.length) parts.push(section('contacts', 'Other channels', list(info.contacts.map((c) => link(c.url, c.label)))));
  parts.push(
    section(
      'blocked',
      'If everything is blocked',
      `<ul>
<li>Try each address above: censors rarely block all of them at once, and new copies are added over time.</li>
<li>Use Tor Browser, or a VPN you trust.</li>
<li>Subscribe to a feed: your feed reader fetches the articles for you.</li>
<li>Ask someone outside the country to send you the zip file.</li>
</ul>`,
    ),
  );
  parts.push(
    section(
      'genuine',
      'Is this copy genuine?',
      info.fingerprint
        ? `<p>Every copy carries a list of its files (<code>mirror-manifest.json</code>) signed with the newsroom's key. The key's fingerprint is:</p>
<p class="fp"><code>${esc(info.fingerprint)}</code></p>
<p>Compare it with the fingerprint the newsroom announced elsewhere; <code>samizdat verify</code> checks a copy against it.</p>`
        : `<p>Every copy carries a list of its files and their SHA-256 hashes (<code>mirror-manifest.json</code>). This edition is not signed.</p>`,
    ),
  );
  parts.push(`<p>For programs: <a href="${r}mirrors.json">mirrors.json</a> lists the same addresses.</p>`);
  return page({ site: model.site, url: URL_PAGE, title: 'Mirrors', feeds: model.siteFeeds, main: parts.join('\n') });
}

/** The mirrors page: where else to read the site, in plain words for readers who are blocked. */
import type { MirrorsInfo } from '../mirrors.ts';
import type { SiteModel } from '../model.ts';
import { esc } from './escape.ts';
import { labelsFor, langIfOther } from './labels.ts';
import { feedLinksHtml, page } from './layout.ts';

const URL_PAGE = 'mirrors/index.html';

function link(url: string, text = url): string {
  return `<a href="${esc(url)}" rel="noopener noreferrer">${esc(text)}</a>`;
}

export function mirrorsPage(model: SiteModel, info: MirrorsInfo): string {
  const t = labelsFor(model.site.lang);
  // The page is in the site's language; samizdat's own words are marked when they are not.
  const m = langIfOther(t, model.site.lang);
  const r = '../';
  // `theirs`: the body is the site's own words (contact labels), so only the heading is marked.
  const section = (id: string, heading: string, body: string, theirs = false) =>
    theirs
      ? `<section aria-labelledby="${id}">\n<h2 id="${id}"${m}>${heading}</h2>\n${body}\n</section>`
      : `<section aria-labelledby="${id}"${m}>\n<h2 id="${id}">${heading}</h2>\n${body}\n</section>`;
  const list = (items: string[]) => `<ul>\n${items.map((i) => `<li>${i}</li>`).join('\n')}\n</ul>`;
  const parts: string[] = [];
  parts.push(`<h1${m}>${t.mirrorsHeading(model.site.title)}</h1>
<p${m}>${t.mirrorsIntro}</p>`);
  parts.push(section('copies', t.copiesHeading, info.mirrors.length ? list(info.mirrors.map((mirror) => link(mirror.url))) : `<p>${t.noCopies}</p>`));
  if (info.ipfs.length) {
    parts.push(
      section(
        'ipfs',
        t.ipfsHeading,
        `<p>${t.ipfsText}</p>
${list(info.ipfs.map((gateway) => link(gateway.url)))}
<p>${t.ipfsNames(info.ipnsNames.map((n) => `<code>${esc(n)}</code>`).join(` ${t.or} `))}</p>`,
      ),
    );
  }
  if (info.onion) parts.push(section('tor', t.torHeading, `<p>${t.torText(link(info.onion))}</p>`));
  parts.push(
    section(
      'feeds',
      t.feedsHeading,
      `<p>${t.feedsText(feedLinksHtml(r, model.siteFeeds))}</p>${
        model.languages.length > 1
          ? `\n<p>${t.feedsPerLanguage(model.languages.map((l) => `<a href="${r}lang/${esc(l)}/atom.xml" hreflang="${esc(l)}">${esc(l)}</a>`).join(', '))}</p>`
          : ''
      }`,
    ),
  );
  parts.push(
    section(
      'offline',
      t.offlineHeading,
      `<p>${t.offlineText(
        `<code>${esc(info.zipName)}</code>`,
        info.mirrors.length ? t.offlineWhere(info.mirrors.map((mirror) => link(mirror.url.replace(/\/?$/, '/') + info.zipName)).join(', ')) : '',
      )}</p>`,
    ),
  );
  if (info.contacts.length) parts.push(section('contacts', t.contactsHeading, list(info.contacts.map((c) => link(c.url, c.label))), true));
  parts.push(section('blocked', t.blockedHeading, list(t.blockedSteps)));
  parts.push(
    section(
      'genuine',
      t.genuineHeading,
      info.fingerprint
        ? `<p>${t.signedText('<code>mirror-manifest.json</code>')}</p>
<p class="fp"><code>${esc(info.fingerprint)}</code></p>
<p>${t.compareText('<code>samizdat verify</code>')}</p>`
        : `<p>${t.unsignedText('<code>mirror-manifest.json</code>')}</p>`,
    ),
  );
  parts.push(`<p${m}>${t.forPrograms(`<a href="${r}mirrors.json">mirrors.json</a>`)}</p>`);
  return page({ site: model.site, url: URL_PAGE, title: t.mirrors, feeds: model.siteFeeds, main: parts.join('\n') });
}

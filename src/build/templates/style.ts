/**
 * The one stylesheet, inlined in every page: system fonts, phone first, dark mode and print
 * through media queries, logical properties so right-to-left pages mirror correctly.
 * Colours keep at least 4.5:1 contrast in both schemes.
 */
export const STYLESHEET = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1a1a1a;--muted:#555;--link:#0645ad;--rule:#ddd}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#e8e8e8;--muted:#b0b0b0;--link:#8ab4f8;--rule:#333}}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Naskh Arabic",Tahoma,sans-serif;line-height:1.6;background:var(--bg);color:var(--fg);-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:42rem;padding:0 1rem 2rem}
a{color:var(--link)}
img{max-width:100%;height:auto}
.skip{position:absolute;inset-inline-start:-999px}
.skip:focus{position:static}
header.site{border-block-end:1px solid var(--rule);padding-block:.75rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline}
header.site .name{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
h1{font-size:1.7rem;line-height:1.25}
h2{font-size:1.25rem;line-height:1.3}
.meta,figcaption,footer.site,.pager{color:var(--muted);font-size:.9rem}
ol.list{list-style:none;padding:0}
ol.list li{border-block-end:1px solid var(--rule);padding-block:.5rem}
ol.list h2{margin-block:.25rem}
figure{margin:1rem 0}
blockquote{margin-inline:0;padding-inline-start:1rem;border-inline-start:3px solid var(--rule)}
pre{overflow-x:auto}
table{border-collapse:collapse}
td,th{border:1px solid var(--rule);padding:.25rem .5rem}
.tags{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0}
.pager{display:flex;justify-content:space-between;margin-block:1rem}
footer.site{border-block-start:1px solid var(--rule);margin-block-start:2rem;padding-block-start:.75rem}
code,kbd,pre,.fp{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;overflow-wrap:anywhere}
@media print{header.site nav,footer.site,.skip,.pager{display:none}body{max-width:none;color:#000;background:#fff}a{color:#000}a[href^="http"]::after{content:" (" attr(href) ")";font-size:.8em}}
`.trim().replace(/\n/g, '');

/** The names the site settings file may have in the content folder, in the order they are looked for. */
export const SITE_FILES = ['site.yaml', 'site.yml', 'site.json'] as const;

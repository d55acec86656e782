// The small part of Eleventy 3's API samizdat uses (Eleventy ships JSDoc, not .d.ts files).
declare module '@11ty/eleventy' {
  export interface EleventyUserConfig {
    addTemplate(virtualPath: string, content: unknown, data?: Record<string, unknown>): void;
    addGlobalData(name: string, value: unknown): void;
    setTemplateFormats(formats: string[] | string): void;
    setLibrary(engine: string, library: unknown): void;
    setQuietMode(quiet: boolean): void;
    setUseGitIgnore(use: boolean): void;
    setDataDeepMerge(deep: boolean): void;
    addPlugin(plugin: unknown, options?: unknown): void;
    ignores: { add(glob: string): void };
  }
  export interface EleventyOptions {
    quietMode?: boolean;
    configPath?: string;
    config?: (config: EleventyUserConfig) => void | Promise<void>;
    runMode?: 'build' | 'serve' | 'watch';
  }
  export interface EleventyWriteEntry {
    inputPath: string;
    outputPath: string | false;
    url: string | false;
  }
  export class Eleventy {
    constructor(input?: string, output?: string, options?: EleventyOptions);
    write(): Promise<unknown>;
    disableLogger(): void;
  }
  export default Eleventy;
}

declare module '@11ty/eleventy-plugin-rss/src/dateRfc3339.js' {
  export default function dateToRfc3339(date: Date): string;
}

declare module '@11ty/eleventy-plugin-rss' {
  export function dateToRfc3339(date: Date): string;
  export function dateToRfc822(date: Date | string | number, timeZone?: string): string;
}

/**
 * A check of the renderer build (a Vite plugin of electron.vite.config.ts): every @mantine/core
 * component in the bundle has its styles imported. The dashboard imports the styles of the
 * components it uses one by one (src/renderer/src/mantine-styles.ts) rather than all of
 * styles.css (issue 13: the first page's weight); a component used without them would render
 * unstyled and nothing else would say so.
 */
import type { Plugin } from 'vite';

/** A component's CSS-module class map in Mantine's build: `…/esm/components/Button/Button.module.mjs`. */
const COMPONENT_CLASSES = /[\\/]@mantine[\\/]core[\\/]esm[\\/].*[\\/]([A-Za-z]+)\.module\.mjs$/;
/** One component's styles: `…/@mantine/core/styles/Button.css`. */
const COMPONENT_STYLES = /[\\/]@mantine[\\/]core[\\/]styles[\\/]([A-Za-z-]+)\.css$/;
/** All of them at once. */
const ALL_STYLES = /[\\/]@mantine[\\/]core[\\/]styles\.css$/;

/**
 * The components whose class maps are among `moduleIds` but whose styles are not (none when
 * all of styles.css is), sorted.
 */
export function componentsWithoutStyles(moduleIds: Iterable<string>): string[] {
  const used = new Set<string>();
  const styled = new Set<string>();
  let all = false;
  for (const id of moduleIds) {
    const file = id.split('?')[0] ?? id;
    const component = COMPONENT_CLASSES.exec(file)?.[1];
    if (component) used.add(component);
    const styles = COMPONENT_STYLES.exec(file)?.[1];
    if (styles) styled.add(styles);
    if (ALL_STYLES.test(file)) all = true;
  }
  return all ? [] : [...used].filter((c) => !styled.has(c)).sort();
}

/** The Vite plugin: fails the build naming each component whose styles are missing. */
export function mantineStylesCheck(): Plugin {
  return {
    name: 'backend-supervisor:mantine-styles-check',
    apply: 'build',
    generateBundle(_options, bundle) {
      // What the bundle holds (tree-shaken), plus every module of the graph (the CSS).
      const bundled = Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? Object.keys(c.modules) : []));
      const styles = [...this.getModuleIds()].filter((id) => COMPONENT_STYLES.test(id) || ALL_STYLES.test(id));
      const missing = componentsWithoutStyles([...bundled, ...styles]);
      if (missing.length > 0) {
        this.error(
          `@mantine/core components used without their styles: ${missing.join(', ')}. ` +
            `Import ${missing.map((c) => `'@mantine/core/styles/${c}.css'`).join(', ')} in src/renderer/src/mantine-styles.ts ` +
            '(in the order of @mantine/core/styles.css).',
        );
      }
    },
  };
}

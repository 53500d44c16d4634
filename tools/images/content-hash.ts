import { createHash } from 'crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'fs';
import { join, relative } from 'path';

/**
 * A digest of what goes into an image: the parent image's tag, the build arguments and every file of the build
 * context (path, executable bit, content; symlinks by target). Equal inputs give equal tags, so a tag that exists
 * already is reused instead of rebuilt, and any change to a recipe or a source yields a new tag.
 */
export class ContentHash {
  private readonly hash = createHash('sha256');

  text(label: string, value: string): this {
    this.hash.update(`${label}\0${value}\0`);
    return this;
  }

  file(label: string, path: string): this {
    return this.text(label, readFileSync(path, 'latin1'));
  }

  tree(label: string, dir: string, skip: (relativePath: string) => boolean = () => false): this {
    const walk = (current: string): void => {
      for (const name of readdirSync(current).sort()) {
        const path = join(current, name);
        const rel = relative(dir, path);
        if (skip(rel)) continue;
        const st = lstatSync(path);
        if (st.isDirectory()) walk(path);
        else if (st.isSymbolicLink()) this.text(`${label}:link:${rel}`, readlinkSync(path));
        else this.hash.update(`${label}:${rel}:${st.mode & 0o111 ? 'x' : '-'}\0`).update(readFileSync(path));
      }
    };
    walk(dir);
    return this;
  }

  /** 12 hex digits: short enough for a tag, long enough never to collide between builds of one project. */
  digest(): string {
    return this.hash.digest('hex').slice(0, 12);
  }
}

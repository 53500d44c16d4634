import { existsSync } from 'fs';
import { dirname, join } from 'path';

/** The repository root: the nearest folder above this file that holds nx.json (works from src and from dist). */
export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the workspace root (no nx.json above ' + __dirname + ')');
    dir = parent;
  }
  return dir;
}

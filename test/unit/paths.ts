import * as path from 'node:path';

/** The repository root (tests run from out/test/unit/…). */
export const repoRoot = path.resolve(__dirname, '../../..');
/** `../shared/reference` beside the repository, as CI provides it. */
export const referenceDir = path.resolve(repoRoot, '../shared/reference');
/** Committed small fixtures. */
export const fixturesDir = path.join(repoRoot, 'test/fixtures');

/**
 * Limits of a links file. Generous for any real file (the largest seen in practice has a few
 * thousand entries, five levels deep) and small enough that a hostile file cannot exhaust memory,
 * the stack or the CI run's time before it is refused.
 */

/** Largest links file read, in bytes (checked before reading, and the read never goes past it). */
export const MAX_LINKS_FILE_BYTES = 5 * 1024 * 1024;

/** Most entries (YAML list items or CSV rows) a links file may declare. */
export const MAX_LINKS_ENTRIES = 5000;

/** Deepest nesting of YAML collections (a links file needs 4: file, entries, entry, selector). */
export const MAX_YAML_DEPTH = 16;

/** Most YAML aliases (`*name`) in one file. */
export const MAX_YAML_ALIASES = 100;

/** Most keys in one YAML mapping (an entry has 13 at most). */
export const MAX_YAML_MAP_KEYS = 100;

/**
 * Most YAML nodes after aliases are expanded (a links file of {@link MAX_LINKS_ENTRIES} entries
 * has about 20 nodes per entry); bounds "billion laughs" alias expansion.
 */
export const MAX_YAML_NODES = 250_000;

/**
 * Longest run of block indicators, anchors and tags on one line (`- - - ? &a !t …`). The YAML
 * lexer reads such a run recursively; a real file has one or two.
 */
export const MAX_YAML_INDICATOR_RUN = 16;

/** Most columns of a CSV links file (17 are known). */
export const MAX_CSV_COLUMNS = 64;
